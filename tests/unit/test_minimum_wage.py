"""BELOW_MINIMUM_WAGE (contract 1.1): a payroll line paying below the county's monthly
minimum wage, for a worker who clocked in on most of the month's working days, raises an
orange alert to hrss and the sector's desk. Judged where attendance and payroll meet
(services/workers/reconciliation.py), pure; the figures are configuration with their source."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.alerts.policy import AlertPolicy
from services.workers.minimum_wage import MinimumWage
from services.workers.reconciliation import ReconciliationRules, conditions, findings, fingerprints_of
from shared.internal import ConditionSchema
from shared.workdays import WorkingCalendar
from wagewatch.config import load_config

CONFIG = load_config()
RULES = ReconciliationRules.from_config(CONFIG)
CALENDAR = WorkingCalendar()
CHANGSHA, RURAL = "430102", "431228"   # 芙蓉区 (listed, class 1); a county the config does not list
PROJECT = {"project_code": "P1", "name": "堤防工程", "division": CHANGSHA, "sector": "water", "funding": "private",
           "pay_day": 15}
OCTOBER = RULES.minimum_wage.for_month(CHANGSHA, "2026-10", CALENDAR)


def worked(days: int, minimum=OCTOBER) -> dict:
    """Clock-ins on the first ``days`` working days of the month (plus every Sunday, which
    must not count)."""
    working = sorted(minimum.working_days)[:days]
    first = date.fromisoformat(min(minimum.working_days)).replace(day=1)
    sundays = [(first + timedelta(n)).isoformat() for n in range(31)
               if (first + timedelta(n)).weekday() == 6 and (first + timedelta(n)).month == first.month]
    return {"id_masked": "430***********0001", "days": len(set(working + sundays)), "dates": sorted(set(working + sundays))}


def paid(amount_fen: int, due_fen: int | None = None) -> dict:
    return {"w1": {"id_masked": "430***********0001", "amount_due_fen": due_fen or amount_fen, "amount_paid_fen": amount_fen}}


def below(days: int, amount_fen: int, minimum=OCTOBER) -> list[dict]:
    return findings({"w1": worked(days, minimum)}, paid(amount_fen), {"w1": "李**"}, minimum)["below_minimum"]


def test_the_figures_and_the_share_come_from_the_config_with_their_source():
    assert RULES.minimum_wage.monthly_yuan_by_class == {"1": 1930, "2": 1740, "3": 1550}
    assert "2022-04-01" in RULES.minimum_wage.source
    assert (OCTOBER.minimum_fen, OCTOBER.county_class) == (193_000, "1")
    # A county the config does not list is held to the lowest class: no false alert.
    assert RULES.minimum_wage.for_month(RURAL, "2026-10", CALENDAR).minimum_fen == 155_000


def test_working_days_are_chinas_with_the_national_day_holiday_and_its_make_up_days():
    # October 2026 (chinesecalendar): 1-7 off for National Day, Saturday 10 October worked
    # (make-up), so 18 working days, not the 22 of Monday-Friday.
    assert len(OCTOBER.working_days) == 18
    assert "2026-10-01" not in OCTOBER.working_days and "2026-10-10" in OCTOBER.working_days
    assert OCTOBER.required_days == 15          # ceil(0.8 x 18)


@pytest.mark.parametrize("days, amount_fen, flagged", [
    (18, 192_999, True),     # a full month, a fen under 1,930
    (18, 193_000, False),    # at the minimum
    (15, 150_000, True),     # 15 of 18 working days: "most" (0.8)
    (14, 150_000, False),    # 14 of 18: not held to a full month's minimum
    (18, 0, False),          # nothing paid: WORKER_UNPAID's case, not this one
])
def test_a_line_is_below_the_minimum_only_for_a_worker_who_clocked_in_on_most_working_days(days, amount_fen, flagged):
    assert bool(below(days, amount_fen)) is flagged


def test_sundays_and_holidays_clocked_in_do_not_count_as_working_days():
    sundays_only = {"id_masked": "430***********0001", "days": 4,
                    "dates": ["2026-10-04", "2026-10-11", "2026-10-18", "2026-10-25"]}
    assert findings({"w1": sundays_only}, paid(100_000), {"w1": "李**"}, OCTOBER)["below_minimum"] == []


def test_a_configured_share_of_one_means_every_working_day():
    strict = MinimumWage.from_config({"RULES": {"minimum_wage": {
        "attended_share": 1, "monthly_yuan_by_class": {"1": 1930}, "counties_by_class": {"1": [CHANGSHA]}}}})
    month = strict.for_month(CHANGSHA, "2026-10", CALENDAR)
    assert month.required_days == 18
    assert below(17, 100_000, month) == [] and below(18, 100_000, month)


@pytest.mark.parametrize("section, message", [
    ({"monthly_yuan_by_class": {"1": 1930}, "counties_by_class": {"2": [CHANGSHA]}}, "classes without a figure"),
    ({"monthly_yuan_by_class": {"1": 1930}, "attended_share": 0}, "attended_share"),
    ({"monthly_yuan_by_class": {"1": 1930}, "attended_share": 1.2}, "attended_share"),
])
def test_a_wrong_configuration_is_refused_at_start_up(section, message):
    with pytest.raises(ValueError, match=message):
        MinimumWage.from_config({"RULES": {"minimum_wage": section}})


def test_without_figures_the_check_is_off():
    assert MinimumWage.from_config({}).for_month(CHANGSHA, "2026-10", CALENDAR) is None
    found = findings({"w1": worked(18)}, paid(100_000), {"w1": "李**"}, None)
    assert "below_minimum" not in found


def test_the_alert_is_orange_per_worker_month_to_hrss_and_the_sector_after_the_due_date():
    found = findings({"w1": worked(18)}, paid(150_000), {"w1": "李**"}, OCTOBER)
    assert "BELOW_MINIMUM_WAGE:P1:2026-10:w1" in fingerprints_of("P1", "2026-10", found)
    # October's wages fall due on Friday 13 November (the 15th is a Sunday: Art 14)
    assert conditions(PROJECT, "2026-10", found, date(2026, 11, 13), RULES) == []        # not due yet
    [condition] = conditions(PROJECT, "2026-10", found, date(2026, 11, 14), RULES)
    assert ConditionSchema().validate(condition) == {}
    assert (condition["type"], condition["severity"], condition["fingerprint"]) == (
        "BELOW_MINIMUM_WAGE", "orange", "BELOW_MINIMUM_WAGE:P1:2026-10:w1")
    assert (condition["details"]["shortfall_fen"], condition["details"]["working_days_attended"]) == (43_000, 18)
    routing = AlertPolicy.from_config(CONFIG).routing
    assert routing.departments("BELOW_MINIMUM_WAGE", "water") == ["hrss", "water"]


def test_a_short_line_below_the_minimum_is_both_short_and_below_the_minimum():
    found = findings({"w1": worked(18)}, paid(150_000, due_fen=720_000), {"w1": "李**"}, OCTOBER)
    assert fingerprints_of("P1", "2026-10", found) == {"WAGES_SHORT:P1:2026-10:w1", "BELOW_MINIMUM_WAGE:P1:2026-10:w1"}


def test_findings_stored_before_the_rule_existed_raise_nothing_new():
    found = findings({"w1": worked(18)}, paid(150_000), {"w1": "李**"})
    assert "below_minimum" not in found
    assert conditions(PROJECT, "2026-10", found, date(2026, 11, 16), RULES) == []
