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


def client_for(uri: str):
    """One client per URI per process (pymongo pools connections inside a client)."""
    with _lock:
        if uri not in _clients:
            if is_embedded(uri):
                _accept_pymongo_bulk_arguments()
                _look_up_ids_by_key()
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
