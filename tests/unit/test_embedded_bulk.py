"""The embedded store's bulk path by key (shared/embedded_store.py) answers exactly as
mongomock's own: same documents, in the same order, same counts, same refusals, for any
batch of the shapes the repositories send and for shapes it leaves to mongomock."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mongomock.collection import Collection
from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateOne

from services.workers.domain import AttendancePlan
from services.workers.repository import WorkersRepository
from shared import embedded_store
from shared.storage import database_for, forget_embedded

KEYS = st.sampled_from(["a", "b", "c", "d", 7])
FIELDS = st.sampled_from(["n", "days", "name", "stale"])
SCALARS = st.one_of(st.integers(-3, 3), st.sampled_from(["x", "y", "2026-10-01", "2026-10-02"]), st.none(),
                    st.booleans(), st.floats(-2, 2, allow_nan=False))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.sampled_from(["p", "q"]), SCALARS,
                                                                           max_size=2))
OPERATORS = st.sampled_from(["$set", "$setOnInsert", "$inc", "$max", "$min", "$addToSet"])


@st.composite
def updates(draw):
    update = {}
    for _ in range(draw(st.integers(1, 3))):
        op = draw(OPERATORS)
        field = draw(FIELDS)
        if op == "$addToSet":
            value = draw(st.one_of(SCALARS, st.fixed_dictionaries({"$each": st.lists(SCALARS, max_size=3)})))
        elif op in ("$inc", "$max", "$min"):
            value = draw(st.one_of(st.integers(-3, 3), st.sampled_from(["2026-10-01", "2026-10-09"])))
        else:
            value = draw(VALUES)
        update.setdefault(op, {})[field] = value
    return update


@st.composite
def filters(draw):
    where = {"_id": draw(KEYS)}
    if draw(st.integers(0, 4)) == 0:
        where[draw(FIELDS)] = draw(st.one_of(st.integers(-3, 3), st.just("x")))
    return where


REQUESTS = st.one_of(
    st.builds(lambda f, u, up: UpdateOne(f, u, upsert=up), filters(), updates(), st.booleans()),
    st.builds(lambda k, d, up: ReplaceOne({"_id": k}, d, upsert=up), KEYS,
              st.dictionaries(FIELDS, VALUES, max_size=3), st.booleans()),
    st.builds(lambda ks: DeleteMany({"_id": {"$in": ks}}), st.lists(KEYS, max_size=3)),
    st.builds(lambda k: DeleteOne({"_id": k}), KEYS),
    st.builds(lambda k, n: InsertOne({"_id": k, "n": n}), KEYS, st.integers(0, 3)),
)


@pytest.fixture
def two_stores():
    uris = [f"mongomock://bulk-{uuid.uuid4().hex}" for _ in range(2)]
    yield [database_for(uri, "unit") for uri in uris]
    for uri in uris:
        forget_embedded(uri)


def outcome(write):
    try:
        result = write()
    except Exception as exc:  # noqa: BLE001 - the refusal is part of the answer compared
        return ("refused", type(exc).__name__)
    # The upserted _ids, not their indexes: mongomock numbers them by upsert (0, 1, …) where
    # MongoDB, and the path by key, give each the index of its request in the batch.
    upserted = sorted(map(repr, (result.upserted_ids or {}).values()))
    return ("done", result.matched_count, result.modified_count, upserted, result.deleted_count)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.lists(st.tuples(KEYS, st.dictionaries(FIELDS, VALUES, max_size=3)), max_size=4, unique_by=lambda t: t[0]),
       batches=st.lists(st.lists(REQUESTS, min_size=1, max_size=6), min_size=1, max_size=3))
def test_the_bulk_path_by_key_answers_as_mongomocks_own(two_stores, seed, batches):
    name = f"c{uuid.uuid4().hex}"
    keyed, general = (database[name] for database in two_stores)
    for collection in (keyed, general):
        if seed:
            collection.insert_many([{"_id": k, **doc} for k, doc in seed])
    for batch in batches:
        assert outcome(lambda batch=batch: keyed.bulk_write(batch, ordered=False)) == \
            outcome(lambda batch=batch: Collection._wagewatch_general_bulk_write(general, batch, ordered=False))
        assert list(keyed.find()) == list(general.find())


def test_the_workers_roll_up_batch_takes_the_path_by_key(two_stores):
    """The repositories' bulk writes are the shapes it applies itself (not mongomock's
    update-by-update path): the attendance roll-ups, a second day on the same documents."""
    database = two_stores[0]
    repository = WorkersRepository(database)
    repository.ensure_indexes()
    taken = []
    original = embedded_store._keyed_plan

    def watching(collection, requests):
        planned = original(collection, requests)
        taken.append((collection.name, planned is not None))
        return planned

    embedded_store._keyed_plan = watching
    try:
        for day in ("2026-10-01", "2026-10-02"):
            plan = AttendancePlan()
            for w in range(3):
                plan.rollups[("P1", "2026-10", f"w{w}")] = {"id_masked": "430***1234", "days": {day},
                                                            "clock_ins": {f"{day}T07:30:00+08:00"}}
                plan.regularised.append(f"P1:w{w}:{day}T07:30:00+08:00")
            plan.days_by_project["P1"] = {__import__("datetime").date.fromisoformat(day)}
            repository.store_attendance(plan)
    finally:
        embedded_store._keyed_plan = original
    assert taken and all(by_key for _name, by_key in taken), taken
    assert {name for name, _ in taken} == {"attendance", "project_months", "site_activity", "irregular_clock_ins"}
    assert [doc["days"] for doc in repository.attendance_of("P1", "2026-10")] == [["2026-10-01", "2026-10-02"]] * 3
    assert repository.site_activity("P1") == {"_id": "P1", "last_day": "2026-10-02", "first_day": "2026-10-01"}
