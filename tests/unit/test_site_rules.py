"""Site rules on the gate records, and where the workers alerts are routed."""
from __future__ import annotations

from datetime import date

import pytest

from services.alerts.policy import AlertPolicy
from services.workers.site_rules import SiteRules, attendance_unregistered, no_attendance, silences_broken
from wagewatch.config import load_config

RULES = SiteRules()


def a_project(**overrides) -> dict:
    data = {"project_code": "P1", "name": "堤防工程", "division": "430102", "sector": "water",
            "funding": "government", "status": "under_construction", "start_date": date(2026, 9, 1)}
    data.update(overrides)
    return data


@pytest.mark.parametrize("last, as_of, severity", [
    (date(2026, 11, 14), date(2026, 11, 20), None),
    (date(2026, 11, 13), date(2026, 11, 20), "yellow"),
    (date(2026, 11, 6), date(2026, 11, 20), "yellow"),
    (date(2026, 11, 5), date(2026, 11, 20), "red"),
    (None, date(2026, 9, 6), None),          # started 1 Sep and never clocked in: 6 silent days
    (None, date(2026, 9, 7), "yellow"),      # 1-7 Sep: 7 silent days
])
def test_a_silent_gate_is_yellow_after_7_days_and_red_after_15(last, as_of, severity):
    found = no_attendance([a_project()], {"P1": last} if last else {}, as_of, RULES)
    assert [c["severity"] for c in found] == ([severity] if severity else [])
    if found:
        assert (found[0]["fingerprint"], found[0]["month"]) == ("NO_ATTENDANCE:P1", None)


@pytest.mark.parametrize("status, start", [("suspended", date(2026, 9, 1)), ("planned", date(2026, 9, 1)),
                                           ("completed", date(2026, 9, 1)),
                                           ("under_construction", date(2026, 12, 1))])
def test_only_sites_under_construction_that_have_started_are_watched(status, start):
    assert no_attendance([a_project(status=status, start_date=start)], {}, date(2026, 11, 20), RULES) == []


def test_the_no_attendance_thresholds_are_configuration():
    rules = SiteRules.from_config({"RULES": {"no_attendance": {"yellow_days": 3, "red_days": 5}}})
    found = no_attendance([a_project()], {"P1": date(2026, 11, 15)}, date(2026, 11, 20), rules)
    assert [c["severity"] for c in found] == ["red"]
    assert SiteRules.from_config(load_config()) == RULES


def test_irregular_clock_ins_become_one_yellow_warning_per_project_counting_people():
    groups = [{"project_code": "P1", "reason": "not_enrolled", "clock_ins": 2, "workers": ["a"], "id_masked": ["430*1"]},
              {"project_code": "P1", "reason": "after_exit", "clock_ins": 1, "workers": ["b"], "id_masked": ["430*2"]},
              {"project_code": "P1", "reason": "no_contract", "clock_ins": 1, "workers": ["a"], "id_masked": ["430*1"]},
              {"project_code": "GONE", "reason": "no_contract", "clock_ins": 1, "workers": ["c"], "id_masked": ["430*3"]}]
    [warning] = attendance_unregistered({"P1": a_project()}, groups, date(2026, 11, 20), RULES)
    assert (warning["type"], warning["severity"], warning["fingerprint"]) == (
        "ATTENDANCE_UNREGISTERED", "yellow", "ATTENDANCE_UNREGISTERED:P1")
    assert warning["details"]["persons_by_reason"] == {"after exit": 1, "no labour contract": 1, "not enrolled": 1}
    assert (warning["details"]["clock_ins"], warning["details"]["persons"]) == (4, 2)
    assert warning["details"]["id_masked"] == ["430*1", "430*2"]
    assert RULES.window_start(date(2026, 11, 20)) == date(2026, 10, 22)


@pytest.mark.parametrize("alert_type, sector, departments", [
    ("WORKER_UNPAID", "water", ["hrss", "water"]),
    ("HEADCOUNT_MISMATCH", "housing", ["hrss", "housing"]),
    ("WAGES_SHORT", "water", ["hrss", "water"]),      # the contract routes every alert by sector too
    ("PAYEE_NOT_ENROLLED", "transport", ["transport", "hrss"]),
    ("NO_ATTENDANCE", "energy", ["development"]),
    ("ATTENDANCE_UNREGISTERED", "municipal", ["housing"]),
])
def test_workers_alerts_reach_hrss_for_pay_and_the_regulator_for_real_name_rules(alert_type, sector, departments):
    assert AlertPolicy.from_config(load_config()).routing.departments(alert_type, sector, "private") == departments


def test_clock_ins_on_a_silent_gate_clear_its_no_attendance_at_once_only_when_recent():
    today = date(2026, 11, 20)
    previous = {"QUIET": date(2026, 11, 1), "BUSY": date(2026, 11, 19)}
    days = {"QUIET": {date(2026, 11, 20)}, "BUSY": {date(2026, 11, 20)}, "NEW": {date(2026, 11, 18)},
            "BACKFILL": {date(2026, 10, 3)}}
    assert silences_broken(previous, days, today, RULES) == ["NO_ATTENDANCE:NEW", "NO_ATTENDANCE:QUIET"]
