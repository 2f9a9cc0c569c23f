"""Values at the edge of what the platform can hold, through the broker as a county sends
them: each gets exactly one receipt with a field error (never ``_platform``), the county's
lane keeps flowing, and an oversized body is quarantined as a bounded, sealed prefix.
(Issue 13, points 1, 6, 7 and 11.)"""
from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from shared.calendar import Month
from shared.calendar import today as shanghai_today
from shared.contract.envelope import ReceiptSchema
from shared.contract.topology import MAX_BODY_BYTES, ingress_key
from shared.sealing import Sealer
from tests.conftest import TEST_QUARANTINE_KEY
from tests.factories import COUNTY, complaint, message, payroll, project, worker_id

pytestmark = pytest.mark.e2e


def publish_json(county, env: dict, **properties) -> None:
    """As a county system would: JSON with \\u escapes (so a lone surrogate travels as one)."""
    county.publish_raw(json.dumps(env).encode("utf-8"), ingress_key(env["county"], env["type"]), **properties)


def receipts_for(listener, count: int) -> list[dict]:
    received = [r["body"] for r in listener.wait_for(count, timeout=90)]
    assert len(received) == count, f"{count - len(received)} of {count} messages unanswered"
    assert listener.drain(1.0)[count:] == [], "exactly one receipt per message"
    for receipt in received:
        assert ReceiptSchema().validate(receipt) == {}
    return received


def test_a_message_id_too_long_for_amqp_gets_its_receipt_and_the_lane_flows(platform, county, listen):
    receipts = listen("receipts", COUNTY)
    long_ids = ["x" * 10240, "编" * 90, "y" * 65]
    for message_id in long_ids:
        publish_json(county, message("project.upsert", project(), message_id=message_id))
    county.publish(message("project.upsert", project(), message_id="after-long-ids"))

    *refused, after = receipts_for(receipts, len(long_ids) + 1)
    for message_id, receipt in zip(long_ids, refused, strict=True):
        assert (receipt["status"], receipt["message_id"]) == ("rejected", message_id)
        assert receipt["errors"] == {"message_id": [
            "Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'."]}
    assert (after["message_id"], after["status"]) == ("after-long-ids", "accepted")


def _poison(today: date) -> list[tuple[str, dict, str]]:
    """(what, envelope, the field path its receipt must name)."""
    next_month = str(Month.of(today).shift(1))
    later = (today + timedelta(days=2)).isoformat()   # past any clock tolerance
    return [
        ("10^30 workers", message("complaint.filed", complaint(workers_affected=10**30), message_id="p-workers"),
         "payload.workers_affected"),
        ("1e300 yuan", message("project.upsert", project(contract_amount=1e300), message_id="p-amount"),
         "payload.contract_amount"),
        ("lone surrogate", message("project.upsert", project(name="湘江\ud800工程"), message_id="p-surrogate"),
         "payload.name"),
        ("started in year 1", message("project.upsert", project(start_date="0001-01-01"), message_id="p-start"),
         "payload.start_date"),
        ("filed in year 1", message("complaint.filed", complaint(filed_at="0001-01-01T00:00:00+08:00",
                                                                 complaint_id="TS-1"), message_id="p-filed-1"),
         "payload.filed_at"),
        ("filed in the future", message("complaint.filed", complaint(filed_at=f"{later}T09:00:00+08:00",
                                                                     complaint_id="TS-2"), message_id="p-filed-2"),
         "payload.filed_at"),
        ("payroll for 9999-12", message("payroll.paid", payroll("9999-12", paid_on="2026-09-28"), message_id="p-9999"),
         "payload.month"),
        ("payroll for next month", message("payroll.paid", payroll(month=next_month, paid_on=today.isoformat()),
                                           message_id="p-next-month"), "payload.month"),
        ("payroll paid in the future", message("payroll.paid", payroll("2026-09", paid_on=later),
                                               message_id="p-paid-on"), "payload.paid_on"),
    ]


def test_values_the_platform_cannot_hold_are_refused_with_field_errors_and_the_lane_flows(
        platform, county, listen):
    receipts = listen("receipts", COUNTY)
    today = shanghai_today()
    county.publish(message("project.upsert", project(), message_id="p-project"))
    poison = _poison(today)
    for _, env, _ in poison:
        publish_json(county, env)
    clock_in = {"project_code": project()["project_code"], "id_number": worker_id(1),
                "at": "9999-12-31T08:00:00+08:00"}
    publish_json(county, message("attendance.batch", {"records": [clock_in]}, message_id="p-clock-in"))
    county.publish(message("payroll.paid", payroll("2026-10", paid_on=today.isoformat()), message_id="p-valid"))

    first, *answered, clock, valid = receipts_for(receipts, len(poison) + 3)
    assert first["status"] == "accepted"
    for (what, env, path), receipt in zip(poison, answered, strict=True):
        assert (receipt["message_id"], receipt["status"]) == (env["message_id"], "rejected"), (what, receipt)
        assert list(receipt["errors"]) == [path], (what, receipt["errors"])
    assert clock["status"] == "rejected"
    assert list(clock["records"]["rejected"][0]["errors"]) == ["at"], clock
    assert (valid["message_id"], valid["status"]) == ("p-valid", "accepted")


def test_an_oversized_body_is_answered_and_quarantined_as_a_sealed_prefix_with_its_size_and_hash(
        platform, county, listen, config):
    receipts = listen("receipts", COUNTY)
    body = b'{"message_id": "huge-1", "payload": "' + b"x" * (20 * 1024 * 1024) + b'"}'   # over 16 MB
    county.publish_raw(body, ingress_key(COUNTY, "project.upsert"), message_id="huge-1")
    county.publish(message("project.upsert", project(), message_id="after-huge"))

    huge, after = receipts_for(receipts, 2)
    assert (huge["message_id"], huge["status"]) == ("huge-1", "rejected")
    assert huge["errors"] == {"body": [f"Larger than {MAX_BODY_BYTES} bytes (1 MiB)."]}
    assert after["status"] == "accepted"
    with ServiceRpcProxy("ingress", config) as ingress:
        [listed] = ingress.quarantined(COUNTY)
        record = ingress.quarantined_sealed(listed["_id"])
    kept = Sealer(TEST_QUARANTINE_KEY).open(record["body_sealed"])
    print(f"\n[oversized body] {len(body):,} bytes received; quarantined: {len(kept):,} bytes kept, "
          f"{len(record['body_sealed']):,} characters sealed")
    assert body.startswith(kept) and len(kept) <= 64 * 1024
    assert (record["body_bytes"], record["body_sha256"]) == (len(body), hashlib.sha256(body).hexdigest())
