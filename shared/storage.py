"""MongoDB connections from ``MONGO_URI``; one database per service.

``mongodb://…`` (or ``mongodb+srv://…``) connects with pymongo. ``mongomock://<name>``
gives an embedded in-process store (mongomock) for tests and the local default: every
service of one process that names the same URI shares one store, just as services
sharing a MongoDB server would, while each still keeps its own database.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping

import mongomock
from mongomock import filtering
import pymongo
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


def _speed_up_embedded_store() -> None:
    """Three costs of mongomock 4.3 that grow with the data, removed without changing
    what any query answers (real MongoDB indexes ``_id``, hashes ``$in`` lists and streams
    cursors anyway):

    * every query evaluates its whole filter on every document, even one that names a
      single ``_id`` (our upserts, guarded updates and ``find_one`` by key) or a list of
      them: such a filter now looks the document up in the store's dict by ``_id`` (or
      picks the listed keys out of it, in the store's order) and applies the rest of the
      filter to those alone;
    * a cursor copies its whole result list on every step (``results[skip:]``), so
      reading N documents cost O(N²): it now indexes the list in place;
    * ``$in`` compares each document with every listed value (a set-based query over N
      documents naming M values cost O(N·M)): the list is now turned into a set once per
      query and each document looked up in it.
    Only plain string or integer ``_id`` values take the first shortcut, and only ``$in``
    lists of hashable values without regular expressions the last; anything else goes the
    original way."""
    collection, cursor = mongomock.collection.Collection, mongomock.collection.Cursor
    if getattr(collection, "_wagewatch_by_id", False):
        return
    filter_applies = filtering.filter_applies
    scan = collection._iter_documents

    def iter_documents(self, filter):
        key = filter.get("_id") if isinstance(filter, Mapping) else None
        keys = _plain_keys(key.get("$in")) if isinstance(key, Mapping) and len(key) == 1 else None
        if keys is not None:     # in the store's order, as the scan answers them
            self._store._remove_expired_documents()
            found = [doc for _id, doc in list(self._store._documents.items()) if _id in keys]
            return (doc for doc in found if filter_applies(filter, doc))
        if not _plain_key(key):
            return scan(self, filter)
        try:
            document = self._store[key]
        except KeyError:
            filter_applies(filter, {})   # a malformed filter still raises, as a scan would
            return iter(())
        return iter((document,) if filter_applies(filter, document) else ())

    def step(self):
        results = self._compute_results()          # the cached list, not a copy of it
        position = (self._skip or 0) + self._emitted
        if position >= len(results) or (self._limit and self._emitted >= abs(self._limit)):
            raise StopIteration()
        self._emitted += 1
        return results[position]

    collection._iter_documents = iter_documents
    cursor.__next__ = cursor.next = step
    filtering._in_op = filtering._filterer_inst._operator_map["$in"] = _in_by_set(filtering._in_op)
    collection._wagewatch_by_id = True


def _plain_key(value) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _plain_keys(values) -> frozenset | None:
    """The ``$in`` list of an ``_id`` filter as a set, when every value is a plain key."""
    if isinstance(values, (list, tuple)) and all(_plain_key(v) for v in values):
        return frozenset(values)
    return None


def _in_by_set(listwise):
    """``$in`` (and ``$nin``, which calls it) with the listed values hashed once per query:
    the same list object is handed over for every document a query scans."""
    sets: dict[int, tuple] = {}   # id(list) -> (the list, kept so its id stays its own; its set or None)

    def values_of(listed):
        entry = sets.get(id(listed))
        if entry is None or entry[0] is not listed:
            try:
                hashed = None if any(isinstance(v, filtering._RE_TYPES) for v in listed) else frozenset(listed)
            except TypeError:      # unhashable values (documents, arrays): compare one by one
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
                _speed_up_embedded_store()
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
