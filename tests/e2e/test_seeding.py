"""Direct seeding (loadtests/seeding.py) is faithful: a province seeded straight into the
stores leaves them as the same province sent over the public contract does, in
everything the sweeps read; so a sweep over a seeded province raises what it would over
the contract (tests/e2e/test_seeded_province.py: exactly the expected alerts)."""
from __future__ import annotations

import uuid
from datetime import date

import pytest

from loadtests.seeding import SERVICES, seed_all
from shared.settings import pii_key
from shared.storage import database_for, forget_embedded
from testkit.province import ProvinceSpec, generate
from tests.streams import wait_until

pytestmark = pytest.mark.e2e
SPEC = ProvinceSpec(as_of=date(2026, 11, 23), counties=2, projects_per_county=6, workers_per_project=3,
                    violation_share=0.8, every_violation=True, seed=5)
# Bookkeeping that counts deliveries, not what was delivered: the contract path marks a
# project-month once per attendance batch, seeding once per county's merged batch.
NOT_COMPARED = {("workers", "project_months"): ("changes",)}


def _months(found: dict) -> dict:
    return found.get(("workers", "project_months"), {})


def contents(uri: str) -> dict:
    """Every seeded service's collections that hold documents, each keyed by _id."""
    found = {}
    for service in SERVICES:
        database = database_for(uri, service)
        for name in database.list_collection_names():
            if not database[name].count_documents({}):
                continue
            left_out = NOT_COMPARED.get((service, name), ())
            found[(service, name)] = {doc["_id"]: {k: v for k, v in doc.items() if k not in left_out}
                                      for doc in database[name].find()}
    return found


def test_a_seeded_province_is_stored_as_the_same_province_sent_over_the_contract(platform, county, listen, config):
    province = generate(SPEC)
    receipts = listen("receipts", *province.counties)
    sent = 0
    for env in province.messages():
        county.publish(env)
        sent += 1
    assert len(receipts.wait_for(sent, timeout=180)) == sent

    seeded_uri = f"mongomock://seeded-{uuid.uuid4().hex}"
    try:
        stored = seed_all(seeded_uri, province, pii_key=pii_key(config))
        seeded = contents(seeded_uri)
    finally:
        forget_embedded(seeded_uri)
    # A receipt answers the record, not the events it set off: the workers service reconciles
    # a month when its payroll_recorded event arrives, a moment after the payroll's receipt.
    # Wait for that (the comparison below is then exact), then compare everything.
    wait_until(lambda: _months(contents(config["MONGO_URI"])) == _months(seeded), timeout=60)
    over_the_contract = contents(config["MONGO_URI"])

    assert stored["projects"] == len(province.projects)
    assert sorted(seeded) == sorted(over_the_contract)
    for collection, documents in over_the_contract.items():
        assert seeded[collection] == documents, collection
    # Both reconciled each month as its payroll arrived; the month still at the gate waits.
    months = over_the_contract[("workers", "project_months")].values()
    assert {m["month"] for m in months if not m["stale"]} == {"2026-08", "2026-09", "2026-10"}
    assert all(m["stale"] for m in months if m["month"] == "2026-11")
