"""The gate records as the industry regulator's desk sees them: a silent site, and people
clocking in without registration."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from shared.calendar import SHANGHAI, today
from tests.factories import COUNTY, clock_in, enrolment, message, project
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
CODE = f"{COUNTY}-2026-0001"


GATE_RULES = ("NO_ATTENDANCE", "ATTENDANCE_UNREGISTERED")


def gate_alerts(listener, count: int, timeout: float = 30) -> dict:
    """The first ``count`` alert messages of the gate rules, by type."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = {m["body"]["type"]: m["body"] for m in listener.drain(0.2) if m["body"]["type"] in GATE_RULES}
        if len(found) >= count:
            return found
    raise AssertionError(f"expected {count} gate alert(s), got {listener.drain(0)}")


def stamp(day) -> str:
    return f"{day.isoformat()}T07:30:00+08:00"


def a_minute_ago() -> str:
    """Today's clock-in as it happens: 07:30 today is still in the future before 07:30
    Shanghai time, and the edge refuses events from the future."""
    return (datetime.now(SHANGHAI) - timedelta(minutes=1)).isoformat(timespec="seconds")


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
    # Other rules (no payroll, no dedicated account yet) have their say on this young
    # project too; this test is about the gate.
    raised = gate_alerts(water, 2)
    assert (raised["NO_ATTENDANCE"]["severity"], raised["NO_ATTENDANCE"]["details"]["days_without_clock_ins"]) == ("red", 20)
    assert raised["ATTENDANCE_UNREGISTERED"]["severity"] == "yellow"
    assert raised["ATTENDANCE_UNREGISTERED"]["details"]["persons_by_reason"] == {"not enrolled": 1}
    assert not [m for m in hrss.drain(0.5) if m["body"]["type"] in GATE_RULES], \
        "real-name rules go to the sector's regulator"

    water.messages.clear()
    county.publish(message("attendance.batch", {"records": [clock_in(1, at=a_minute_ago())]}))
    [cleared] = gate_alerts(water, 1).values()
    assert (cleared["type"], cleared["status"]) == ("NO_ATTENDANCE", "resolved")
    assert cleared["alert_id"] == raised["NO_ATTENDANCE"]["alert_id"]
