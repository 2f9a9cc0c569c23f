"""When a month's payroll falls due, and when its absence is an alert."""
from __future__ import annotations

from datetime import date

import pytest

from services.payroll.domain import PayrollRules, due_date, months_due, payroll_missing
from shared.calendar import Month

RULES = PayrollRules()


def a_project(**overrides) -> dict:
    data = {"project_code": "P1", "name": "堤防工程", "division": "430102", "sector": "water",
            "funding": "private", "status": "under_construction", "start_date": date(2026, 8, 10),
            "actual_end_date": None, "pay_day": 15}
    data.update(overrides)
    return data


def test_wages_for_a_month_fall_due_on_the_pay_day_of_the_next():
    assert due_date(Month(2026, 8), 15) == date(2026, 9, 15)     # a Tuesday
    assert due_date(Month(2026, 12), 28) == date(2027, 1, 28)    # a Thursday


@pytest.mark.parametrize("as_of, expected", [
    (date(2026, 9, 15), []),                                   # August due on 15 Sep: not yet past
    (date(2026, 9, 16), ["2026-08"]),
    (date(2026, 11, 20), ["2026-08", "2026-09", "2026-10"]),
])
def test_months_fall_due_from_the_start_month_once_their_due_date_has_passed(as_of, expected):
    assert [str(m) for m in months_due(a_project(), as_of)] == expected


def test_a_project_owes_nothing_after_its_actual_end():
    ended = a_project(status="completed", actual_end_date=date(2026, 9, 3))
    assert [str(m) for m in months_due(ended, date(2027, 3, 1))] == ["2026-08", "2026-09"]


@pytest.mark.parametrize("status", ["planned", "suspended"])
def test_a_project_not_working_owes_no_payroll(status):
    assert months_due(a_project(status=status), date(2026, 11, 20)) == []


def test_missing_months_become_conditions_yellow_after_pay_day_red_from_month_m_plus_2():
    paid = {("P1", "2026-08")}
    conditions = payroll_missing([a_project()], paid, date(2026, 11, 20), RULES)
    assert [(c["month"], c["severity"]) for c in conditions] == [("2026-09", "red"), ("2026-10", "yellow")]
    october = conditions[1]
    assert october["fingerprint"] == "PAYROLL_MISSING:P1:2026-10"
    assert (october["division"], october["sector"]) == ("430102", "water")
    assert october["details"]["due_date"] == "2026-11-13"   # the 15th is a Sunday (Art 14)


def test_the_red_threshold_is_configuration():
    rules = PayrollRules.from_config({"RULES": {"payroll_missing": {"red_from_month_offset": 3}}})
    conditions = payroll_missing([a_project()], set(), date(2026, 11, 20), rules)
    assert [c["severity"] for c in conditions] == ["red", "yellow", "yellow"]


@pytest.mark.parametrize("funding, severities", [
    ("government", ["red", "orange"]), ("soe", ["red", "orange"]), ("private", ["red", "yellow"]),
])
def test_government_and_soe_projects_get_missing_payroll_one_colour_higher(funding, severities):
    conditions = payroll_missing([a_project(funding=funding)], {("P1", "2026-08")}, date(2026, 11, 20), RULES)
    assert [c["severity"] for c in conditions] == severities


# Paydays in a year chinesecalendar does not know yet (1.11 stops at 2026): deploy/config.yml's
# WORKING_CALENDAR lists first, then weekends only. December 2026's wages, pay day the 28th,
# fall due on Thursday 28 January 2027.
JANUARY_2027 = {"WORKING_CALENDAR": {"holidays": ["2027-01-28"], "workdays": ["2027-01-09"]}}


def test_a_configured_holiday_in_a_year_chinesecalendar_does_not_know_moves_the_payday_earlier():
    rules = PayrollRules.from_config(JANUARY_2027)
    assert due_date(Month(2026, 12), 28, rules.calendar) == date(2027, 1, 27)   # Wednesday before
    assert due_date(Month(2026, 12), 28) == date(2027, 1, 28)                   # unconfigured: kept
    december = a_project(start_date=date(2026, 12, 1), pay_day=28)
    assert payroll_missing([december], set(), date(2027, 1, 27), rules) == []   # the moved due date itself
    [missing] = payroll_missing([december], set(), date(2027, 1, 28), rules)    # the day after it
    assert (missing["month"], missing["details"]["due_date"]) == ("2026-12", "2027-01-27")
    assert payroll_missing([december], set(), date(2027, 1, 28), RULES) == []   # without the list: not yet due


def test_a_configured_make_up_working_day_keeps_a_payday_on_a_saturday():
    rules = PayrollRules.from_config(JANUARY_2027)
    assert due_date(Month(2026, 12), 9, rules.calendar) == date(2027, 1, 9)     # 调休 Saturday
    assert due_date(Month(2026, 12), 9) == date(2027, 1, 8)                     # otherwise a rest day


def test_a_year_neither_knows_moves_paydays_off_weekends_only():
    rules = PayrollRules.from_config(JANUARY_2027)
    assert due_date(Month(2026, 12), 17, rules.calendar) == date(2027, 1, 15)   # Sunday -> Friday
    assert due_date(Month(2026, 12), 1, rules.calendar) == date(2027, 1, 1)     # New Year, unlisted: a weekday
    assert due_date(Month(2026, 11), 1, rules.calendar) == date(2026, 12, 1)    # a known year: chinesecalendar
    assert due_date(Month(2026, 9), 1, rules.calendar) == date(2026, 9, 30)     # 1 Oct 2026, National Day
