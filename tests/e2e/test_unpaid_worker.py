"""The worker who clocked in all month but was never paid, through the public contract."""
from __future__ import annotations

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from shared.contract.alerts import AlertSchema
from shared.contract.envelope import ReceiptSchema
from shared.pii import mask_id_number
from tests.factories import COUNTY, clock_in, enrolment, message, money_in_place, month_of_clock_ins, payroll, project, worker_id
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
CODE = f"{COUNTY}-2026-0001"


def publish_and_answer(county, receipts, *envelopes):
    before = len(receipts.messages)
    for env in envelopes:
        county.publish(env)
    answered = receipts.wait_for(before + len(envelopes))[before:]
    assert len(answered) == len(envelopes), answered
    return [r["body"] for r in answered]


def pays_only(sequence: int, month: str = "2026-10") -> dict:
    return payroll(month, lines=[{"id_number": worker_id(sequence), "amount_due": 7200.00, "amount_paid": 7200.00}])


def test_the_unpaid_worker_reaches_the_sectors_county_desk_masked_and_nothing_about_the_paid_one(
        platform, county, listen, config):
    water = listen("alerts", department="water", division=COUNTY)
    hrss = listen("alerts", department="hrss", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    answered = publish_and_answer(
        county, receipts,
        message("project.upsert", project(sector="water", start_date="2026-10-01")),
        message("worker.enrol", {"records": [enrolment(1), enrolment(2, name="王小明")]}),
        message("attendance.batch", {"records": month_of_clock_ins([1, 2], "2026-10", range(1, 32))}),
        message("attendance.batch", {"records": month_of_clock_ins([1, 2], "2026-11", range(1, 20))}),
        message("payroll.paid", pays_only(1)),
        # The dedicated account, deposit and labour cost are in place: only wages are at issue.
        *money_in_place(["2026-10", "2026-11"]))
    assert [r["status"] for r in answered] == ["accepted"] * 9
    assert answered[2]["records"] == {"accepted": 124, "rejected": []}

    run_sweep(config, "2026-11-20")

    unpaid, paid = worker_id(2), worker_id(1)
    water_alerts = [m["body"] for m in water.wait_for(2)]
    assert {a["type"] for a in water_alerts} == {"WORKER_UNPAID", "HEADCOUNT_MISMATCH"}
    [alert] = [a for a in water_alerts if a["type"] == "WORKER_UNPAID"]
    assert AlertSchema().validate(alert) == {}
    assert (alert["status"], alert["severity"], alert["project_code"], alert["month"]) == ("firing", "red", CODE, "2026-10")
    assert (alert["department"], alert["division"], alert["level"]) == ("water", COUNTY, "county")
    assert alert["details"]["id_masked"] == mask_id_number(unpaid) and alert["details"]["days"] == 31
    assert mask_id_number(unpaid) in alert["summary"] and "王**" in alert["summary"]
    assert not any(secret in str(alert) for secret in (unpaid, "王小明"))
    assert not any(about_paid in str(water_alerts) for about_paid in (paid, mask_id_number(paid)))
    assert {m["body"]["type"] for m in hrss.wait_for(2)} == {"WORKER_UNPAID", "HEADCOUNT_MISMATCH"}

    # The late line for the unpaid worker clears both at once, without waiting for a sweep.
    water.messages.clear()
    publish_and_answer(county, receipts, message("payroll.paid", pays_only(2)))
    resolved = [m["body"] for m in water.wait_for(2)]
    assert sorted((a["type"], a["status"]) for a in resolved) == [
        ("HEADCOUNT_MISMATCH", "resolved"), ("WORKER_UNPAID", "resolved")]
    assert next(a for a in resolved if a["type"] == "WORKER_UNPAID")["alert_id"] == alert["alert_id"]


def test_a_partial_batch_keeps_the_valid_clock_ins_and_names_each_bad_one_by_index(
        platform, county, listen, config):
    receipts = listen("receipts", COUNTY)
    publish_and_answer(county, receipts,
                       message("project.upsert", project(start_date="2026-10-01")),
                       message("worker.enrol", {"records": [enrolment(1), enrolment(2)]}),
                       message("worker.exit", {"records": [{"project_code": CODE, "id_number": worker_id(2),
                                                            "exit_date": "2026-10-10"}]}))
    records = [clock_in(1, at="2026-10-08T07:30:00+08:00"),
               clock_in(3, at="2026-10-08T07:31:00+08:00"),                    # never enrolled
               clock_in(1, at="2026-10-09T07:30:00+08:00", id_number=worker_id(1)[:-1] + "0"),
               clock_in(2, at="2026-10-12T07:30:00+08:00"),                    # after the exit
               clock_in(2, at="2026-10-09T07:30:00+08:00"),
               clock_in(1, at="2026-09-30T07:30:00+08:00")]                    # before the entry
    [receipt] = publish_and_answer(county, receipts, message("attendance.batch", {"records": records},
                                                             message_id="gate-1"))
    assert ReceiptSchema().validate(receipt) == {}
    assert (receipt["status"], receipt["records"]["accepted"]) == ("partial", 2)
    assert receipt["records"]["rejected"] == [
        {"index": 1, "errors": {"id_number": ["Not enrolled on this project."]}},
        {"index": 2, "errors": {"id_number": ["Invalid check digit."]}},
        {"index": 3, "errors": {"at": ["After the worker's exit date (2026-10-10)."]}},
        {"index": 5, "errors": {"at": ["Before the worker's entry date (2026-10-01)."]}},
    ]
    with ServiceRpcProxy("workers", config) as workers:
        summary = workers.attendance_summary(CODE, "2026-10")
    assert [(w["id_masked"], w["days"]) for w in summary["workers"]] == sorted(
        [(mask_id_number(worker_id(1)), 1), (mask_id_number(worker_id(2)), 1)])
