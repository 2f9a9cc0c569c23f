"""A full attendance batch is one message: stored with bulk writes, answered with one receipt."""
from __future__ import annotations

import time

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from tests.factories import COUNTY, enrolment, message, month_of_clock_ins, project

pytestmark = pytest.mark.e2e
CODE = f"{COUNTY}-2026-0001"


def test_a_1000_record_batch_is_answered_once_with_every_record_stored(platform, county, listen, config):
    receipts = listen("receipts", COUNTY)
    for env in (message("project.upsert", project(start_date="2026-10-01")),
                message("worker.enrol", {"records": [enrolment(i) for i in range(1, 51)]})):
        county.publish(env)
    assert [r["body"]["status"] for r in receipts.wait_for(2)] == ["accepted", "accepted"]
    records = month_of_clock_ins(range(1, 51), "2026-10", range(1, 11))
    assert len(records) == 1000

    started = time.monotonic()
    county.publish(message("attendance.batch", {"records": records}, message_id="gate-1000"))
    answered = receipts.wait_for(3)
    elapsed = time.monotonic() - started

    assert [(r["body"]["message_id"], r["body"]["status"]) for r in answered[2:]] == [("gate-1000", "accepted")]
    assert answered[2]["body"]["records"] == {"accepted": 1000, "rejected": []}
    assert receipts.drain(0.5)[3:] == [], "exactly one receipt"
    with ServiceRpcProxy("workers", config) as workers:
        summary = workers.attendance_summary(CODE, "2026-10")
    assert (summary["attended"], summary["worker_days"]) == (50, 500)
    print(f"1000-record attendance.batch, publish to receipt: {elapsed:.3f}s")
