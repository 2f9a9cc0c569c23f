"""The embedded store: mongomock, in this process, for tests and the local default
(``MONGO_URI=mongomock://<name>``). The only module of the platform that knows mongomock.

It keeps nothing after the process stops: what ``wagewatch up`` stored on it is gone at a
crash or a stop, so the guarantees that need durable storage hold on MongoDB only
(README, "What the platform guarantees"). Production (``mongodb://``) never imports
mongomock: this module imports it only when an embedded store is made.

Besides the store, what makes mongomock 4.3 fit the repositories' use (patched once per
process, without changing what any query answers) and the snapshots the sweep
benchmark's seeded provinces are cached in (``loadtests/seeding.py``).
"""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from bson import ObjectId

SCHEME = "mongomock://"
DEFAULT_URI = SCHEME + "local"


def is_embedded(uri: str) -> bool:
    return uri.startswith(SCHEME)


def new_client() -> Any:
    """A fresh, empty store (a mongomock client), patched as below."""
    import mongomock.collection

    _accept_pymongo_bulk_arguments()
    _look_up_ids_by_key()
    _step_cursors_in_place_and_hash_in_lists()
    return mongomock.MongoClient()


def save_snapshot(client, databases: list[str], path: Path) -> None:
    """Every collection of ``databases`` (documents and indexes), pickled to ``path``."""
    store = client._store      # mongomock's in-process server
    snapshot = {(db, name): (store[db][name]._documents, store[db][name].indexes)
                for db in databases for name in store[db].list_created_collection_names()}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        pickle.dump(snapshot, out, protocol=pickle.HIGHEST_PROTOCOL)
    partial.rename(path)


def load_snapshot(client, path: Path) -> None:
    """Put back what ``save_snapshot`` kept (our own cache file, never outside input)."""
    store = client._store
    with path.open("rb") as cached:
        for (db, name), (documents, indexes) in pickle.load(cached).items():
            collection = store[db][name]
            collection._documents, collection.indexes = documents, indexes


def _accept_pymongo_bulk_arguments() -> None:
    """pymongo 4.11+ hands ``sort=`` to every update and replace of a ``bulk_write``;
    mongomock 4.3 predates that argument and refuses it. Sorting only matters to an
    ``UpdateOne``/``ReplaceOne`` filter that matches several documents, which WageWatch
    never writes (its bulk writes address documents by ``_id``): an absent sort is
    dropped, and one actually given is refused rather than silently ignored."""
    import mongomock.collection

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
    builder._wagewatch_sort_tolerant = True  # type: ignore[attr-defined]  # our mark on mongomock's class


def _ids_wanted(filter) -> list[Any] | None:
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
    import mongomock.collection
    from mongomock.filtering import filter_applies

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

    collection._iter_documents = iter_documents  # type: ignore[method-assign]  # the patch itself
    collection._wagewatch_id_lookup = True  # type: ignore[attr-defined]  # our mark on mongomock's class


def _step_cursors_in_place_and_hash_in_lists() -> None:
    """Two more costs of mongomock 4.3 that grow with the data, removed without changing
    what any query answers (real MongoDB streams cursors and hashes ``$in`` lists anyway):

    * a cursor copies its whole result list on every step (``results[skip:]``), so reading
      N documents cost O(N²) (20,000 projects: seconds): it now indexes the list in place;
    * ``$in`` compares each document with every listed value, so a set-based query over N
      documents naming M values cost O(N·M): the list is made a set once per query (the
      same list object is handed over for every document) and each document looked up in
      it. Lists with regular expressions or unhashable values are compared as before."""
    import mongomock.collection
    from mongomock import filtering

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

    cursor.__next__ = cursor.next = step  # type: ignore[method-assign]  # the patch itself
    filtering._in_op = filtering._filterer_inst._operator_map["$in"] = _in_by_set(filtering._in_op)
    cursor._wagewatch_in_place = True  # type: ignore[attr-defined]  # our mark on mongomock's class


def _in_by_set(listwise):
    """``$in`` (and ``$nin``, which calls it) with the listed values hashed once per list."""
    from mongomock import filtering

    sets: dict[int, tuple[Any, ...]] = {}   # id(list) -> (the list, held so its id stays its own; its set or None)

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
