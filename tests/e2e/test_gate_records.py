"""The gate records as the industry regulator's desk sees them: a silent site, and people
clocking in without registration."""
from __future__ import annotations

from datetime import timedelta

import pytest

from shared.calendar import today
from tests.factories import COUNTY, clock_in, enrolment, message, project
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
CODE = f"{COUNTY}-2026-0001"


def stamp(day) -> str:
    return f"{day.isoformat()}T07:30:00+08:00"


def test_a_silent_site_warns_its_regulator_and_clears_as_soon_as_the_gate_clocks_in_again(
        platform, county, listen, config):
    now = today()
    water = listen("alerts", department="water", division=COUNTY)
    hrss = listen("alerts", department="hrss", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    for env in (message("project.upsert", project(start_date=(now - timedelta(days=40)).isoformat())),
                message("worker.enrol", {"records": [enrolment(1, entry_date=(now - timedelta(days=40)).isoformat())]}),
                message("attendance.batch", {"records": [clock_in(1, at=stamp(now - timedelta(days=20))),
                                                         clock_in(7, at=stamp(now - timedelta(days=2)))]})):
        county.publish(env)
    assert [r["body"]["status"] for r in receipts.wait_for(3)] == ["accepted", "accepted", "partial"]

    run_sweep(config, now.isoformat())
    raised = {m["body"]["type"]: m["body"] for m in water.wait_for(2)}
    assert (raised["NO_ATTENDANCE"]["severity"], raised["NO_ATTENDANCE"]["details"]["days_without_clock_ins"]) == ("red", 20)
    assert raised["ATTENDANCE_UNREGISTERED"]["severity"] == "yellow"
    assert raised["ATTENDANCE_UNREGISTERED"]["details"]["persons_by_reason"] == {"not enrolled": 1}
    assert hrss.drain(0.5) == [], "real-name rules go to the sector's regulator"

    water.messages.clear()
    county.publish(message("attendance.batch", {"records": [clock_in(1, at=stamp(now))]}))
    [cleared] = water.wait_for(1)
    assert (cleared["body"]["type"], cleared["body"]["status"]) == ("NO_ATTENDANCE", "resolved")
    assert cleared["body"]["alert_id"] == raised["NO_ATTENDANCE"]["alert_id"]
