"""What a project owes and from when (shared by every rule), and the public-funding policy."""
from __future__ import annotations

from datetime import date

import pytest

from shared.calendar import Month
from shared.expectations import affects_expectations, next_pay_month, owes_setup, working_months, works_in
from shared.funding import PublicFunding, one_colour_higher


def a_project(**overrides) -> dict:
    data = {"status": "under_construction", "start_date": date(2026, 8, 10), "actual_end_date": None, "pay_day": 15}
    data.update(overrides)
    return data


@pytest.mark.parametrize("as_of, pay_day, month", [
    # 15 November 2026 is a Sunday: October's wages are due on Friday the 13th (Art 14)
    (date(2026, 11, 13), 15, "2026-10"),   # on the pay day October is still awaiting payout
    (date(2026, 11, 14), 15, "2026-11"),
    (date(2026, 11, 20), 28, "2026-10"),
    (date(2027, 1, 5), 15, "2026-12"),
])
def test_the_next_pay_month_is_the_earliest_whose_due_date_has_not_passed(as_of, pay_day, month):
    assert str(next_pay_month(a_project(pay_day=pay_day), as_of)) == month


@pytest.mark.parametrize("overrides, month, works", [
    ({}, "2026-07", False), ({}, "2026-08", True), ({}, "2027-03", True),
    ({"status": "suspended"}, "2026-09", False), ({"status": "planned"}, "2026-09", False),
    ({"status": "completed", "actual_end_date": date(2026, 9, 3)}, "2026-09", True),
    ({"status": "completed", "actual_end_date": date(2026, 9, 3)}, "2026-10", False),
])
def test_a_project_works_from_its_start_month_to_its_end_month_unless_planned_or_suspended(overrides, month, works):
    assert works_in(a_project(**overrides), Month.parse(month)) is works


def test_working_months_run_from_the_start_to_the_actual_end_or_the_date():
    assert [str(m) for m in working_months(a_project(), date(2026, 10, 1))] == ["2026-08", "2026-09", "2026-10"]
    ended = a_project(status="completed", actual_end_date=date(2026, 9, 3))
    assert [str(m) for m in working_months(ended, date(2027, 1, 1))] == ["2026-08", "2026-09"]


@pytest.mark.parametrize("overrides, as_of, owes", [
    ({}, date(2026, 11, 1), True), ({"status": "completed"}, date(2026, 11, 1), False),
    ({"status": "suspended"}, date(2026, 11, 1), False),
    ({"actual_end_date": date(2026, 11, 1)}, date(2026, 11, 1), True),
    ({"actual_end_date": date(2026, 11, 1)}, date(2026, 11, 2), False),
])
def test_set_up_duties_are_owed_while_under_construction_until_the_actual_end(overrides, as_of, owes):
    assert owes_setup(a_project(**overrides), as_of) is owes


@pytest.mark.parametrize("changed, affects", [
    (["status"], True), (["start_date", "name"], True), (["actual_end_date"], True), (["pay_day"], True),
    (["funding"], True), (["contract_amount"], True), (["name", "owner"], False), ([], False),
])
def test_status_dates_pay_day_funding_and_amount_change_what_a_project_owes(changed, affects):
    assert affects_expectations(changed) is affects


@pytest.mark.parametrize("severity, higher", [
    ("blue", "yellow"), ("yellow", "orange"), ("orange", "red"), ("red", "red"),
])
def test_one_colour_higher_stops_at_red(severity, higher):
    assert one_colour_higher(severity) == higher


def test_public_funding_raises_only_its_types_on_its_funding():
    policy = PublicFunding()
    assert policy.severity("PAYROLL_MISSING", "government", "yellow") == "orange"
    assert policy.severity("BALANCE_LOW", "soe", "orange") == "red"
    assert policy.severity("PAYROLL_MISSING", "private", "yellow") == "yellow"
    assert policy.severity("ACCOUNT_NOT_OPENED", "government", "yellow") == "yellow"


def test_public_funding_is_configuration_and_the_shipped_config_matches_the_routing_copy():
    from services.alerts.policy import AlertPolicy
    from wagewatch.config import load_config

    config = load_config()
    policy = PublicFunding.from_config(config)
    # The colour rule (RULES.public_funding) and the copy to development (the alert policy
    # file) live in two files: they must name the same types and funding.
    [copy] = [r for r in AlertPolicy.from_config(config).routing.routes
              if "funding" in r.match and r.receivers == ("development",)]
    assert (set(copy.match["type"]), set(copy.match["funding"]), copy.receivers, copy.carry_on) == (
        set(policy.types), set(policy.funding), ("development",), True)
    narrow = PublicFunding.from_config({"RULES": {"public_funding": {"funding": ["government"], "types": []}}})
    assert narrow.severity("PAYROLL_MISSING", "government", "yellow") == "yellow"
