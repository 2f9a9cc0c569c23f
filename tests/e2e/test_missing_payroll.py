"""The platform's central promise: a missing payroll reaches the right county department."""
from __future__ import annotations

import pytest

from shared.contract.alerts import AlertSchema
from tests.factories import COUNTY, message, money_in_place, payroll, project
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
CODE = f"{COUNTY}-2026-0001"


def bodies(listener, timeout=1.0, alert_type=None):
    """What arrived since the last look (of one rule's alerts when given: this project has
    no real-name records, so the workers rules report it too)."""
    return [m["body"] for m in listener.take(timeout) if alert_type in (None, m["body"]["type"])]


def publish_and_confirm(county, receipts, *envelopes):
    before = len(receipts.messages)
    for env in envelopes:
        county.publish(env)
    answered = receipts.wait_for(before + len(envelopes))[before:]
    assert [r["body"]["status"] for r in answered] == ["accepted"] * len(envelopes), answered
    return answered


def test_october_missing_reaches_the_water_desk_once_and_resolves_when_paid(platform, county, listen, config):
    water = listen("alerts", department="water", division=COUNTY)
    housing = listen("alerts", department="housing", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    publish_and_confirm(county, receipts,
                        message("project.upsert", project(sector="water", funding="private", start_date="2026-08-01")),
                        *money_in_place(["2026-08", "2026-09", "2026-10"]),
                        message("payroll.paid", payroll("2026-08")),
                        message("payroll.paid", payroll("2026-09")))

    outcome = run_sweep(config, "2026-11-20")

    assert [a["fingerprint"] for a in outcome[0]["raised"]] == [f"PAYROLL_MISSING:{CODE}:2026-10"]
    [alert] = bodies(water, alert_type="PAYROLL_MISSING")
    assert AlertSchema().validate(alert) == {}
    assert (alert["type"], alert["status"], alert["month"], alert["project_code"]) == \
           ("PAYROLL_MISSING", "firing", "2026-10", CODE)
    assert (alert["department"], alert["division"], alert["level"]) == ("water", COUNTY, "county")
    assert bodies(housing) == []

    run_sweep(config, "2026-11-20")
    assert bodies(water) == [], "a second sweep must not fire the open alert again"

    publish_and_confirm(county, receipts, message("payroll.paid", payroll("2026-10")))
    [resolved] = water.wait_for(1)
    assert resolved["body"]["status"] == "resolved"
    assert (resolved["body"]["fingerprint"], resolved["body"]["alert_id"]) == (alert["fingerprint"], alert["alert_id"])
    assert resolved["routing_key"] == f"alert.water.{COUNTY}.yellow"
    assert bodies(housing) == []


def test_a_payroll_for_another_countys_project_is_refused(platform, county, listen):
    receipts = listen("receipts", COUNTY, "430121")
    publish_and_confirm(county, receipts, message("project.upsert", project()))
    county.publish(message("payroll.paid", payroll("2026-08"), county="430121", message_id="foreign-1"))
    [receipt] = [r["body"] for r in receipts.wait_for(2)[1:]]
    assert receipt["status"] == "rejected"
    assert receipt["errors"] == {"payload.project_code": ["Belongs to another county's project registry."]}


def test_a_project_code_another_county_registered_is_refused_by_field(platform, county, listen):
    """The projects service raises RecordRefused; over RPC the ingress gets it back as
    itself and answers exactly as when owners returned ``{"errors"}``."""
    receipts = listen("receipts", COUNTY, "430121")
    publish_and_confirm(county, receipts, message("project.upsert", project()))
    county.publish(message("project.upsert", project(division="430121", project_code=CODE), county="430121",
                           message_id="foreign-upsert-1"))
    [receipt] = [r["body"] for r in receipts.wait_for(2)[1:]]
    assert (receipt["status"], receipt["message_id"]) == ("rejected", "foreign-upsert-1")
    assert receipt["errors"] == {"payload.project_code": [
        "Already registered by another county; project codes are unique province-wide."]}


def payroll_outcome(outcomes: list[dict]) -> dict:
    [outcome] = [o for o in outcomes if o["source"] == "payroll"]
    return outcome


def test_a_payday_on_a_holiday_is_due_the_working_day_before_and_missed_from_the_next_day(
        platform, county, listen, config):
    """Art 14: September 2026's wages, pay day the 1st, fall on National Day (1-7 October):
    they are due on Wednesday 30 September, and missing from 1 October."""
    water = listen("alerts", department="water", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    publish_and_confirm(county, receipts, message("project.upsert", project(
        sector="water", funding="private", start_date="2026-09-01", actual_end_date="2026-09-30",
        status="completed", pay_day=1)), *money_in_place(["2026-09"]))
    assert payroll_outcome(run_sweep(config, "2026-09-30"))["raised"] == []   # the moved due date itself
    assert bodies(water, alert_type="PAYROLL_MISSING") == []

    [raised] = payroll_outcome(run_sweep(config, "2026-10-01"))["raised"]   # the day after it, a holiday
    assert raised["fingerprint"] == f"PAYROLL_MISSING:{CODE}:2026-09"
    [alert] = bodies(water, alert_type="PAYROLL_MISSING")
    assert (alert["status"], alert["month"], alert["details"]["due_date"]) == ("firing", "2026-09", "2026-09-30")
