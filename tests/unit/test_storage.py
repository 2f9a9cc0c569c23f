"""The embedded store takes the bulk writes the repositories send to MongoDB."""
from __future__ import annotations

import uuid

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
