"""MongoDB connections from ``MONGO_URI``; one database per service.

``mongodb://…`` (or ``mongodb+srv://…``) connects with pymongo. ``mongomock://<name>``
gives an embedded in-process store (mongomock) for tests and the local default: every
service of one process that names the same URI shares one store, just as services
sharing a MongoDB server would, while each still keeps its own database.
"""
from __future__ import annotations

import threading

import mongomock
import pymongo
from bson import ObjectId
from mongomock import filtering
from mongomock.filtering import filter_applies
from pymongo.database import Database

EMBEDDED_SCHEME = "mongomock://"
_clients: dict[str, pymongo.MongoClient] = {}
_lock = threading.Lock()


def is_embedded(uri: str) -> bool:
    return uri.startswith(EMBEDDED_SCHEME)


def _accept_pymongo_bulk_arguments() -> None:
    """pymongo 4.11+ hands ``sort=`` to every update and replace of a ``bulk_write``;
    mongomock 4.3 predates that argument and refuses it. Sorting only matters to an
    ``UpdateOne``/``ReplaceOne`` filter that matches several documents, which WageWatch
    never writes (its bulk writes address documents by ``_id``): an absent sort is
    dropped, and one actually given is refused rather than silently ignored."""
    builder = mongomock.collection.BulkOperationBuilder
    if getattr(builder, "_wagewatch_sort_tolerant", False):
        return
    for name in ("add_update", "add_replace"):
        original = getattr(builder, name)

        def tolerant(self, *args, _original=original, sort=None, **kwargs):
            if sort is not None:
                raise NotImplementedError("the embedded store cannot sort a bulk update")
            return _original(self, *args, **kwargs)

        setattr(builder, name, tolerant)
    builder._wagewatch_sort_tolerant = True


def _ids_wanted(filter) -> list | None:
    """The ``_id`` values a filter names (``{"_id": v}`` or ``{"_id": {"$in": [...]}}``,
    beside any other conditions), or None when it does not name them plainly."""
    if not isinstance(filter, dict) or "_id" not in filter:
        return None
    wanted = filter["_id"]
    if isinstance(wanted, dict):
        if set(wanted) != {"$in"} or not isinstance(wanted["$in"], (list, tuple)):
            return None
        wanted = wanted["$in"]
    else:
        wanted = [wanted]
    if not all(isinstance(value, (str, int, ObjectId)) and not isinstance(value, bool) for value in wanted):
        return None
    return list(dict.fromkeys(wanted))


def _look_up_ids_by_key() -> None:
    """mongomock answers every query, update and upsert by testing each document of the
    collection in turn, so a 1000-record batch written by ``_id`` costs a million filter
    tests once a collection holds a thousand documents. Its store is a dict keyed by
    ``_id``: a filter that names ``_id`` values takes those documents by key, and the whole
    filter is still applied to them. Any other filter scans as before."""
    collection = mongomock.collection.Collection
    if getattr(collection, "_wagewatch_id_lookup", False):
        return
    scan = collection._iter_documents

    def iter_documents(self, filter, _scan=scan):
        ids = _ids_wanted(filter)
        if ids is None:
            return _scan(self, filter)
        store = self._store
        found = [store[i] for i in ids if i in store]
        return (document for document in found if filter_applies(filter, document))

    collection._iter_documents = iter_documents
    collection._wagewatch_id_lookup = True


def _step_cursors_in_place_and_hash_in_lists() -> None:
    """Two more costs of mongomock 4.3 that grow with the data, removed without changing
    what any query answers (real MongoDB streams cursors and hashes ``$in`` lists anyway):

    * a cursor copies its whole result list on every step (``results[skip:]``), so reading
      N documents cost O(N²) (20,000 projects: seconds): it now indexes the list in place;
    * ``$in`` compares each document with every listed value, so a set-based query over N
      documents naming M values cost O(N·M): the list is made a set once per query (the
      same list object is handed over for every document) and each document looked up in
      it. Lists with regular expressions or unhashable values are compared as before."""
    cursor = mongomock.collection.Cursor
    if getattr(cursor, "_wagewatch_in_place", False):
        return

    def step(self):
        results = self._compute_results()          # the cached list, not a copy of it
        position = (self._skip or 0) + self._emitted
        if position >= len(results) or (self._limit and self._emitted >= abs(self._limit)):
            raise StopIteration()
        self._emitted += 1
        return results[position]

    cursor.__next__ = cursor.next = step
    filtering._in_op = filtering._filterer_inst._operator_map["$in"] = _in_by_set(filtering._in_op)
    cursor._wagewatch_in_place = True


def _in_by_set(listwise):
    """``$in`` (and ``$nin``, which calls it) with the listed values hashed once per list."""
    sets: dict[int, tuple] = {}   # id(list) -> (the list, held so its id stays its own; its set or None)

    def values_of(listed):
        entry = sets.get(id(listed))
        if entry is None or entry[0] is not listed:
            try:
                hashed = None if any(isinstance(v, filtering._RE_TYPES) for v in listed) else frozenset(listed)
            except TypeError:      # unhashable values (documents, arrays)
                hashed = None
            if len(sets) > 64:
                sets.clear()
            entry = sets[id(listed)] = (listed, hashed)
        return entry[1]

    def in_op(doc_val, listed):
        if not isinstance(listed, (list, tuple)) or doc_val is filtering.NOTHING:
            return listwise(doc_val, listed)
        hashed = values_of(listed)
        if hashed is None:
            return listwise(doc_val, listed)
        try:
            if isinstance(doc_val, (list, tuple)):
                return any(v in hashed for v in doc_val)
            return doc_val in hashed
        except TypeError:          # an unhashable value in the document
            return listwise(doc_val, listed)

    return in_op


def client_for(uri: str):
    """One client per URI per process (pymongo pools connections inside a client)."""
    with _lock:
        if uri not in _clients:
            if is_embedded(uri):
                _accept_pymongo_bulk_arguments()
                _look_up_ids_by_key()
                _step_cursors_in_place_and_hash_in_lists()
                _clients[uri] = mongomock.MongoClient()
            else:
                _clients[uri] = pymongo.MongoClient(uri, tz_aware=True, appname="wagewatch")
        return _clients[uri]


def database_for(uri: str, service_name: str, prefix: str = "wagewatch") -> Database:
    """The database a service owns: ``wagewatch_<service>``."""
    return client_for(uri)[f"{prefix}_{service_name}"]


def forget_embedded(uri: str) -> None:
    """Drop an embedded store (tests use a fresh ``mongomock://`` URI per test)."""
    with _lock:
        _clients.pop(uri, None)


def ping(uri: str) -> bool:
    """True when the store answers (a readiness check)."""
    try:
        client_for(uri).admin.command("ping")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
