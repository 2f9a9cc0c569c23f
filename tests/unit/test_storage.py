"""The embedded store takes the bulk writes the repositories send to MongoDB."""
from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from pymongo import DeleteMany, ReplaceOne, UpdateOne

from shared.storage import database_for, forget_embedded


@pytest.fixture
def collection():
    uri = f"mongomock://unit-{uuid.uuid4().hex}"
    yield database_for(uri, "unit")["things"]
    forget_embedded(uri)


def test_bulk_updates_replaces_and_deletes_apply_in_one_call(collection):
    collection.insert_one({"_id": "gone"})
    collection.bulk_write([UpdateOne({"_id": "a"}, {"$addToSet": {"days": {"$each": ["1", "2"]}}}, upsert=True),
                           UpdateOne({"_id": "a"}, {"$addToSet": {"days": {"$each": ["2", "3"]}}}, upsert=True),
                           ReplaceOne({"_id": "b"}, {"n": 1}, upsert=True), DeleteMany({"_id": {"$in": ["gone"]}})])
    assert sorted(collection.find_one({"_id": "a"})["days"]) == ["1", "2", "3"]
    assert [d["_id"] for d in collection.find().sort("_id", 1)] == ["a", "b"]


def test_a_sorted_bulk_update_is_refused_rather_than_ignored(collection):
    with pytest.raises(NotImplementedError):
        collection.bulk_write([UpdateOne({}, {"$set": {"n": 1}}, sort={"n": 1})])


def test_filters_on_ids_find_the_same_documents_as_a_scan(collection):
    collection.insert_many([{"_id": f"k{i}", "n": i % 3} for i in range(10)])
    assert collection.find_one({"_id": "k4"})["n"] == 1
    assert collection.find_one({"_id": "k4", "n": 2}) is None
    assert collection.find_one({"_id": "missing"}) is None
    assert sorted(d["_id"] for d in collection.find({"_id": {"$in": ["k1", "k2", "k1", "nope"]}})) == ["k1", "k2"]
    assert sorted(d["_id"] for d in collection.find({"_id": {"$in": ["k1", "k2"]}, "n": 1})) == ["k1"]
    assert sorted(d["_id"] for d in collection.find({"_id": {"$gt": "k7"}})) == ["k8", "k9"]


def test_updates_and_upserts_by_id_touch_only_their_document(collection):
    collection.insert_many([{"_id": "a", "changes": 1}, {"_id": "b", "changes": 1}])
    collection.bulk_write([UpdateOne({"_id": "a", "changes": 1}, {"$set": {"stale": False}}),
                           UpdateOne({"_id": "b", "changes": 0}, {"$set": {"stale": False}}),
                           UpdateOne({"_id": "c"}, {"$inc": {"changes": 1}}, upsert=True)])
    assert {d["_id"]: d.get("stale") for d in collection.find()} == {"a": False, "b": None, "c": None}
    assert collection.find_one({"_id": "c"})["changes"] == 1
    collection.delete_many({"_id": {"$in": ["a", "c"]}})
    assert [d["_id"] for d in collection.find()] == ["b"]


def test_cursors_skip_limit_and_rewind_as_before_on_the_embedded_store(collection):
    collection.insert_many([{"_id": i, "n": i} for i in range(10)])
    assert [d["n"] for d in collection.find().skip(3).limit(4)] == [3, 4, 5, 6]
    assert [d["n"] for d in collection.find({"n": {"$gte": 8}})] == [8, 9]
    cursor = collection.find({"n": {"$lt": 2}})
    assert [d["n"] for d in cursor] == [0, 1]
    cursor.rewind()
    assert next(cursor)["n"] == 0
    assert list(collection.find({"n": 99})) == []


def test_in_and_nin_match_as_before_for_values_arrays_and_patterns(collection):
    import re

    collection.insert_many([{"_id": 1, "tag": "a", "tags": ["x", "y"]}, {"_id": 2, "tag": "b", "tags": []},
                            {"_id": 3, "tags": ["z"]}, {"_id": 4, "tag": {"k": 1}, "tags": [{"k": 1}]}])
    assert [d["_id"] for d in collection.find({"tag": {"$in": ["a", "b"]}})] == [1, 2]
    assert [d["_id"] for d in collection.find({"tag": {"$in": ["a", None]}})] == [1, 3]
    assert [d["_id"] for d in collection.find({"tags": {"$in": ["y", "z"]}})] == [1, 3]
    assert [d["_id"] for d in collection.find({"tag": {"$nin": ["a"]}})] == [2, 3, 4]
    assert [d["_id"] for d in collection.find({"tag": {"$in": [re.compile("^b")]}})] == [2]
    assert [d["_id"] for d in collection.find({"tags": {"$in": [{"k": 1}]}})] == [4]
    assert [d["_id"] for d in collection.find({"tag": {"$in": [{"k": 1}]}})] == [4]


def test_a_mongodb_client_under_eventlet_gets_as_far_as_the_server():
    """Issue 12: under eventlet's green DNS, pymongo failed before any socket was opened
    (``getaddrinfo() got an unexpected keyword argument 'type'``). Here nothing listens,
    so the connection must be refused, by name and by address."""
    from pymongo.errors import ServerSelectionTimeoutError

    from tests.conftest import free_port

    for host in ("localhost", "127.0.0.1"):
        uri = f"mongodb://{host}:{free_port()}/?serverSelectionTimeoutMS=500&connectTimeoutMS=500"
        with pytest.raises(ServerSelectionTimeoutError) as failed:
            database_for(uri, "unit").command("ping")
        forget_embedded(uri)     # drops the cached client whatever its kind
        assert "getaddrinfo" not in str(failed.value) and "refused" in str(failed.value).lower(), failed.value


def test_only_the_embedded_store_module_names_mongomock_and_production_never_imports_it():
    root = Path(__file__).resolve().parents[2]
    naming = sorted(str(path.relative_to(root)) for top in ("services", "shared", "wagewatch")
                    for path in (root / top).rglob("*") if path.is_file() and "__pycache__" not in path.parts
                    and b"mongomock" in path.read_bytes())
    assert naming == ["shared/embedded_store.py"]
    code = ("import sys; from shared.storage import database_for; from wagewatch.platform import service_classes; "
            "service_classes(); database_for('mongodb://127.0.0.1:1/', 'projects'); "
            "print(sorted(m for m in sys.modules if m.startswith('mongomock')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stdout + result.stderr
