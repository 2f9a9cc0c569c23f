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
    _write_bulk_by_key()
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


# --- bulk writes by key --------------------------------------------------------------------

_OPERATORS = ("$setOnInsert", "$set", "$inc", "$max", "$min", "$addToSet")
_SCALARS = (str, int, float, type(None))


def _write_bulk_by_key() -> None:
    """A batch's bulk write in time proportional to the batch, whatever the collection holds.

    mongomock applies each operation of a ``bulk_write`` as a separate update: it converts
    the filter and the update for datetimes, takes each matched document's deep copy as a
    snapshot to roll back to, and re-checks it, so a 1000-record attendance batch (about
    500 roll-up upserts) cost about a second. The repositories' bulk writes all address
    documents by ``_id`` with a handful of operators (``$set``, ``$setOnInsert``, ``$inc``,
    ``$max``, ``$min``, ``$addToSet``/``$each``), replace documents by ``_id``, or delete
    by ``_id``: such a batch of plain values (strings, numbers, None, lists and documents
    of them) is checked whole first, then applied to the stored documents directly, with
    the same result and the same answer (matched, modified, upserted) as mongomock gives.
    Anything else (another operator, a dotted field, a datetime, a unique index besides
    ``_id``, a value of the wrong type for its operator, one document twice in a batch)
    goes to mongomock's own path, which answers and fails as before."""
    import mongomock
    from mongomock.results import BulkWriteResult

    collection = mongomock.collection.Collection
    if getattr(collection, "_wagewatch_bulk_by_key", False):
        return
    general = collection.bulk_write

    def bulk_write(self, requests, ordered=True, bypass_document_validation=False, session=None):
        requests = list(requests)
        planned = None if bypass_document_validation or session else _keyed_plan(self, requests)
        if planned is None:
            return general(self, requests, ordered=ordered, bypass_document_validation=bypass_document_validation,
                           session=session)
        return BulkWriteResult(_apply_keyed(self, planned), True)

    collection.bulk_write = bulk_write  # type: ignore[method-assign]  # the patch itself
    collection._wagewatch_general_bulk_write = general  # type: ignore[attr-defined]  # mongomock's own path (the tests compare)
    collection._wagewatch_bulk_by_key = True  # type: ignore[attr-defined]  # our mark on mongomock's class


def _plain(value, depth: int = 0) -> bool:
    """A value stored as it is: scalars (with booleans), and lists and documents of them;
    no datetimes (mongomock converts them), no ObjectIds."""
    if isinstance(value, int) and not isinstance(value, bool):
        return -2**63 <= value < 2**63          # what BSON stores (mongomock refuses more)
    if isinstance(value, _SCALARS):
        return True
    if depth > 8:
        return False
    if isinstance(value, (list, tuple)):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(_field_name(k) and _plain(v, depth + 1) for k, v in value.items())
    return False


def _field_name(name) -> bool:
    return isinstance(name, str) and name != "" and not name.startswith("$") and "." not in name


def _key(value) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and _plain(value))


def _copy(value):
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(v) for v in value]
    return value


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_kind(a, b) -> bool:
    """Two values ``$max``/``$min`` compare as Python does: both numbers, or both strings."""
    return (_number(a) and _number(b)) or (isinstance(a, str) and isinstance(b, str))


def _keyed_plan(collection, requests) -> list | None:
    """Each request as (kind, _id, conditions, body, upsert), or None when any of them is
    not one this path applies exactly as mongomock would."""
    from pymongo import DeleteMany, DeleteOne, ReplaceOne, UpdateOne

    store = collection._store
    if getattr(store, "_ttl_indexes", None):
        return None
    if any(index.get("unique") and index.get("key") != [("_id", 1)] for index in store.indexes.values()):
        return None
    documents = store._documents
    planned: list[tuple[Any, ...]] = []
    seen: set[Any] = set()
    for request in requests:
        kind = type(request)
        if kind not in (UpdateOne, ReplaceOne, DeleteMany, DeleteOne):
            return None
        if any(getattr(request, extra, None) for extra in ("_collation", "_hint", "_array_filters", "_sort")):
            return None
        where = request._filter
        if not isinstance(where, dict) or "_id" not in where:
            return None
        if kind in (DeleteMany, DeleteOne):
            wanted = where["_id"]
            ids = wanted["$in"] if isinstance(wanted, dict) and set(wanted) == {"$in"} else [wanted]
            if len(where) != 1 or not isinstance(ids, (list, tuple)) or not all(_key(i) for i in ids):
                return None
            if kind is DeleteOne:
                ids = ids[:1] if len(ids) == 1 else None
                if ids is None:
                    return None
            if seen.intersection(ids):
                return None
            seen.update(ids)
            planned.append(("delete", list(dict.fromkeys(ids)), None, None, False))
            continue
        _id = where["_id"]
        conditions = {k: v for k, v in where.items() if k != "_id"}
        if not _key(_id) or _id in seen:
            return None
        if not all(_field_name(k) and _key(v) for k, v in conditions.items()):
            return None
        seen.add(_id)
        existing = documents.get(_id)
        matched = _matches(existing, conditions)
        if request._upsert and existing is not None and not matched:
            return None        # an upsert onto a taken _id: mongomock answers the duplicate key
        body = request._doc
        if kind is ReplaceOne:
            if conditions or not isinstance(body, dict) or not _plain({k: v for k, v in body.items() if k != "_id"}):
                return None
            if "_id" in body and body["_id"] != _id:
                return None
            planned.append(("replace", _id, conditions, body, bool(request._upsert)))
            continue
        if not _update_applies(body, existing if matched else None, bool(request._upsert) and not matched):
            return None
        planned.append(("update", _id, conditions, body, bool(request._upsert)))
    return planned


def _update_applies(update, existing: dict | None, inserting: bool) -> bool:
    """The update uses only our operators on plain top-level fields, each field once, with
    values of the type its operator needs (against the document it will change)."""
    if not isinstance(update, dict) or not update or any(op not in _OPERATORS for op in update):
        return False
    fields: set[str] = set()
    for op, changes in update.items():
        if not isinstance(changes, dict) or not changes:
            return False
        for name, value in changes.items():
            if not _field_name(name) or name == "_id" or name in fields:
                return False
            fields.add(name)
            current = existing.get(name) if existing is not None else None
            present = existing is not None and name in existing
            if op in ("$set", "$setOnInsert"):
                if not _plain(value):
                    return False
            elif op == "$inc":
                if not _number(value) or (present and not _number(current)):
                    return False
            elif op in ("$max", "$min"):
                if not (_number(value) or isinstance(value, str)) or (present and not _same_kind(current, value)):
                    return False
            else:   # $addToSet, a value or {"$each": [...]}
                values = value["$each"] if isinstance(value, dict) and set(value) == {"$each"} else [value]
                if isinstance(value, dict) and set(value) != {"$each"}:
                    return False
                if not isinstance(values, (list, tuple)) or not all(isinstance(v, _SCALARS) and not isinstance(v, bool)
                                                                     for v in values):
                    return False
                if present and not (isinstance(current, list)
                                    and all(isinstance(v, _SCALARS) and not isinstance(v, bool) for v in current)):
                    return False
    return True


def _matches(existing: dict | None, conditions: dict) -> bool:
    return existing is not None and all(k in existing and not isinstance(existing[k], bool) and existing[k] == v
                                        for k, v in conditions.items())


def _apply_keyed(collection, planned: list) -> dict:
    store = collection._store
    documents = store._documents
    result: dict[str, Any] = {"nModified": 0, "nUpserted": 0, "nMatched": 0, "writeErrors": [], "upserted": [],
              "writeConcernErrors": [], "nRemoved": 0, "nInserted": 0}
    for index, (kind, _id, conditions, body, upsert) in enumerate(planned):
        if kind == "delete":
            for key in _id:
                if key in documents:
                    del store[key]
                    result["nRemoved"] += 1
            continue
        existing = documents.get(_id)
        matched = _matches(existing, conditions)
        if kind == "replace":
            fresh = {"_id": _id, **{k: _copy(v) for k, v in body.items() if k != "_id"}}
            if existing is not None:
                result["nMatched"] += 1
                if fresh != existing:
                    result["nModified"] += 1
                store[_id] = fresh
            elif upsert:
                store[_id] = fresh
                result["nUpserted"] += 1
                result["upserted"].append({"index": index, "_id": _id})
            continue
        if matched:
            result["nMatched"] += 1
            if _update_in_place(existing, body, inserting=False):
                result["nModified"] += 1
        elif upsert:
            fresh = {"_id": _id, **conditions}
            _update_in_place(fresh, body, inserting=True)
            store[_id] = fresh
            result["nUpserted"] += 1
            result["upserted"].append({"index": index, "_id": _id})
    return result


def _update_in_place(document: dict, update: dict, inserting: bool) -> bool:
    """Apply the update's operators to ``document``; True when a value changed."""
    changed = False
    for op, changes in update.items():
        if op == "$setOnInsert" and not inserting:
            continue
        for name, value in changes.items():
            present = name in document
            current: Any = document.get(name)
            new: Any
            if op in ("$set", "$setOnInsert"):
                new = _copy(value)
            elif op == "$inc":
                new = (current + value) if present else value
            elif op == "$max":
                new = value if not present or value > current else current
            elif op == "$min":
                new = value if not present or value < current else current
            else:
                values = value["$each"] if isinstance(value, dict) else [value]
                new = list(current) if present else []
                for v in values:
                    if v not in new:
                        new.append(v)
            if not present or new != current or type(new) is not type(current):
                document[name] = new
                changed = changed or not present or new != current   # as mongomock counts a change
    return changed
