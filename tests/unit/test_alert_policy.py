"""Routing of alerts to desks, and the one-open-alert-per-fingerprint lifecycle."""
from __future__ import annotations

import pytest

from services.alerts.domain import ESCALATE, KEEP, RAISE, RERAISE, decide, messages_for, routes, to_resolve
from services.alerts.policy import AlertPolicy
from wagewatch.config import load_config

TABLE = AlertPolicy.from_config(load_config()).routing


@pytest.mark.parametrize("sector, department", [
    ("housing", "housing"), ("municipal", "housing"), ("water", "water"), ("transport", "transport"),
    ("railway", "transport"), ("energy", "development"), ("other", "hrss"), (None, "hrss"),
])
def test_alerts_go_to_the_sectors_department_by_default(sector, department):
    assert TABLE.departments("PAYROLL_MISSING", sector, "private") == [department]


def test_complaints_go_to_hrss_and_the_projects_sector_department():
    assert TABLE.departments("COMPLAINT_FILED", "water") == ["hrss", "water"]
    assert TABLE.departments("COMPLAINT_FILED", None) == ["hrss"]
    assert TABLE.departments("COMPLAINT_FILED", "other") == ["hrss"]


def test_routes_stay_in_the_county_first():
    assert routes(["water"], "430102") == [{"department": "water", "division": "430102", "level": "county"}]


def test_an_escalated_alert_also_reaches_the_city_and_province_desks_under_their_own_codes():
    desks = routes(["hrss"], "430102", "province")
    assert [(d["division"], d["level"]) for d in desks] == [
        ("430102", "county"), ("430100", "city"), ("430000", "province")]


CONDITION = {"fingerprint": "F", "severity": "yellow"}


@pytest.mark.parametrize("existing, condition, action", [
    (None, CONDITION, RAISE),
    ({"status": "firing", "severity": "yellow"}, CONDITION, KEEP),
    ({"status": "firing", "severity": "red"}, CONDITION, KEEP),
    ({"status": "firing", "severity": "yellow"}, {**CONDITION, "severity": "red"}, ESCALATE),
    ({"status": "resolved", "severity": "yellow"}, CONDITION, RERAISE),
    ({"status": "firing", "severity": "yellow", "level": "county"}, {**CONDITION, "level": "city"}, ESCALATE),
    ({"status": "firing", "severity": "yellow", "level": "city"}, {**CONDITION, "level": "county"}, KEEP),
])
def test_one_open_alert_per_fingerprint(existing, condition, action):
    assert decide(existing, condition) == action


def test_open_alerts_no_longer_reported_resolve():
    assert to_resolve({"A", "B"}, {"B", "C"}) == {"A"}


def test_each_desk_gets_the_contract_body_with_its_own_department():
    alert = {"_id": "F", "alert_id": "a1", "type": "COMPLAINT_FILED", "severity": "orange", "status": "firing",
             "project_code": "P1", "month": None, "summary": "s", "details": {}, "p1": False,
             "raised_at": "t", "routes": routes(["hrss", "water"], "430102")}
    bodies = [body for _route, body in messages_for(alert)]
    assert [b["department"] for b in bodies] == ["hrss", "water"]
    assert all(b["fingerprint"] == "F" and b["level"] == "county" for b in bodies)
