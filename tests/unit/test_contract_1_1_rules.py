"""Contract 1.1's project terms and their rules, at their boundaries (pure domain, no broker):
paydays moved before holidays (Art 14), suspension (Arts 3, 12, 16), the account clock from the
contract's signing, labour cost short of the agreed amount, and the terms judged only for
projects whose last upsert said 1.1."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.accounts.domain import (
    AccountRules,
    Facts,
    account_not_opened,
    deposit_missing,
    labour_cost_not_allocated,
    labour_cost_short,
)
from services.accounts.terms import TermsRules, no_construction_permit, payment_guarantee_missing, site_obligation_missing
from services.accounts.terms import evaluate as judge_terms
from services.payroll.domain import PayrollRules, payroll_missing
from shared.calendar import Month
from shared.expectations import PAYDAY_CALENDAR, due_date, months_due, setup_clock, works_in

RULES = AccountRules()
TERMS = TermsRules()


def a_project(**overrides) -> dict:
    data = {"project_code": "P1", "name": "堤防工程", "division": "430102", "sector": "water",
            "funding": "private", "status": "under_construction", "contract_amount": Decimal("10000000"),
            "start_date": date(2026, 6, 1), "actual_end_date": None, "pay_day": 15}
    data.update(overrides)
    return data


def a_1_1_project(**overrides) -> dict:
    """A 1.1 project with every term in place."""
    return a_project(**{"schema_version": "1.1", "payment_guarantee": {"form": "bank_guarantee", "amount": "100000.00",
                                                                         "issued_on": "2026-05-20"},
                        "construction_permit": {"number": "430102202605200101", "issued_on": "2026-05-25"},
                        "wage_officer": {"name_masked": "王**", "phone_masked": "138****5678"},
                        "signboard_posted_on": date(2026, 6, 10), **overrides})


def opened(**facts) -> Facts:
    return Facts(accounts={"P1": {"opened_on": date(2026, 6, 5), "bank": "长沙银行", "account_masked": "****1234"}},
                 **facts)


# ---- paydays (Art 14) ----------------------------------------------------------------------

@pytest.mark.parametrize("month, pay_day, due", [
    (Month(2026, 8), 15, date(2026, 9, 15)),     # a Tuesday: unchanged
    (Month(2026, 10), 15, date(2026, 11, 13)),   # Sunday 15 November -> Friday 13th
    (Month(2026, 10), 14, date(2026, 11, 13)),   # Saturday 14th -> Friday 13th
    (Month(2026, 10), 13, date(2026, 11, 13)),   # a working day stays
    (Month(2026, 9), 1, date(2026, 9, 30)),      # National Day (1 October) -> 30 September
    (Month(2026, 9), 7, date(2026, 9, 30)),      # the whole Golden Week back to 30 September
    (Month(2026, 1), 15, date(2026, 2, 14)),     # Spring Festival -> Saturday 14 February, a make-up working day (调休)
    (Month(2026, 9), 10, date(2026, 10, 10)),    # Saturday 10 October 2026 is a make-up working day: stays
])
def test_a_payday_on_a_holiday_or_rest_day_moves_to_the_last_working_day_before_it(month, pay_day, due):
    assert due_date(month, pay_day) == due


def test_beyond_chinesecalendars_years_rest_days_are_saturday_and_sunday_and_the_date_is_flagged_estimated():
    # chinesecalendar 1.11 knows 2004-2026; 2027's holidays are not published in it yet.
    assert due_date(Month(2027, 2), 14) == date(2027, 3, 12)        # Sunday 14 March 2027 -> Friday
    assert due_date(Month(2027, 9), 1) == date(2027, 10, 1)         # National Day 2027 unknown: a Friday, kept
    assert PAYDAY_CALENDAR.estimated(date(2027, 10, 1)) and not PAYDAY_CALENDAR.estimated(date(2026, 10, 1))


def test_a_payroll_is_missing_from_the_day_after_the_moved_payday():
    project = a_project(start_date=date(2026, 10, 1))
    assert payroll_missing([project], set(), date(2026, 11, 13), PayrollRules()) == []
    [missing] = payroll_missing([project], set(), date(2026, 11, 14), PayrollRules())
    assert missing["details"]["due_date"] == "2026-11-13"


# ---- suspension (停工) ------------------------------------------------------------------------

def test_months_worked_before_a_suspension_stay_owed_and_nothing_new_falls_due_while_suspended():
    suspended = a_project(status="suspended", suspended_on=date(2026, 9, 10))
    assert [str(m) for m in months_due(suspended, date(2026, 12, 20))] == ["2026-06", "2026-07", "2026-08", "2026-09"]
    # suspended on the first of a month: that month had no day worked
    on_the_first = a_project(status="suspended", suspended_on=date(2026, 9, 1))
    assert [str(m) for m in months_due(on_the_first, date(2026, 12, 20))] == ["2026-06", "2026-07", "2026-08"]
    # suspended on the second: one day worked, the month is owed
    on_the_second = a_project(status="suspended", suspended_on=date(2026, 9, 2))
    assert str(months_due(on_the_second, date(2026, 12, 20))[-1]) == "2026-09"


def test_a_worked_month_falls_due_on_its_usual_date_during_the_suspension():
    suspended = a_project(status="suspended", suspended_on=date(2026, 9, 10))
    assert str(months_due(suspended, date(2026, 10, 16))[-1]) == "2026-09"   # due 15 October
    assert str(months_due(suspended, date(2026, 10, 15))[-1]) == "2026-08"


def test_resumption_restarts_the_months_and_the_months_inside_the_suspension_owe_nothing():
    resumed = a_project(suspended_on=date(2026, 7, 1), resumed_on=date(2026, 9, 20))
    assert [str(m) for m in months_due(resumed, date(2026, 11, 20))] == ["2026-06", "2026-09", "2026-10"]
    assert not works_in(resumed, Month(2026, 8)) and works_in(resumed, Month(2026, 9))


def test_a_suspension_stored_without_its_day_owes_nothing_as_before():
    assert months_due(a_project(status="suspended"), date(2026, 12, 20)) == []


def test_an_account_overdue_before_the_suspension_stays_owed_one_not_yet_due_waits_for_resumption():
    # start 1 June: day 31 (first overdue day) is 2 July
    overdue = a_project(status="suspended", suspended_on=date(2026, 7, 3))
    assert [c["severity"] for c in account_not_opened(overdue, Facts(), date(2026, 11, 20), RULES)] == ["red"]
    not_yet = a_project(status="suspended", suspended_on=date(2026, 7, 2))
    assert account_not_opened(not_yet, Facts(), date(2026, 11, 20), RULES) == []
    resumed = a_project(suspended_on=date(2026, 7, 2), resumed_on=date(2026, 10, 1))
    assert account_not_opened(resumed, Facts(), date(2026, 10, 31), RULES) == []     # day 30 after resuming
    [late] = account_not_opened(resumed, Facts(), date(2026, 11, 1), RULES)
    assert (late["details"]["clock_from"], late["details"]["clock_start"]) == ("resumed_on", "2026-10-01")


def test_the_deposit_follows_the_same_clock_across_a_suspension():
    assert setup_clock(a_project(status="suspended", suspended_on=date(2026, 7, 3)),
                       date(2026, 6, 1), 30, date(2026, 12, 1)) == date(2026, 6, 1)
    resumed = a_project(suspended_on=date(2026, 6, 20), resumed_on=date(2026, 9, 1))
    assert deposit_missing(resumed, Facts(), date(2026, 10, 1), RULES) == []
    [missing] = deposit_missing(resumed, Facts(), date(2026, 10, 2), RULES)
    assert missing["details"]["days_since_start"] == 31


# ---- the dedicated account from the contract's signing (专户管理暂行办法) --------------------

@pytest.mark.parametrize("status", ["under_construction", "planned"])
def test_the_account_is_due_30_days_after_the_contract_was_signed_planned_projects_too(status):
    project = a_project(status=status, start_date=date(2026, 12, 1), contract_signed_on=date(2026, 9, 1))
    assert account_not_opened(project, Facts(), date(2026, 10, 1), RULES) == []       # day 30
    [condition] = account_not_opened(project, Facts(), date(2026, 10, 2), RULES)      # day 31
    assert condition["details"]["clock_from"] == "contract_signed_on"
    assert condition["details"]["clock_start"] == "2026-09-01" and condition["severity"] == "yellow"


def test_without_the_contract_date_the_start_date_starts_the_clock_and_a_planned_project_owes_nothing():
    [condition] = account_not_opened(a_project(), Facts(), date(2026, 7, 2), RULES)
    assert condition["details"]["clock_from"] == "start_date"
    assert account_not_opened(a_project(status="planned"), Facts(), date(2026, 12, 1), RULES) == []


# ---- LABOUR_COST_SHORT (Arts 24, 29) -------------------------------------------------------

AGREED = {"labour_cost_monthly": Decimal("200000.00")}
FULL = 200_000_00


@pytest.mark.parametrize("october_fen, fires", [(FULL, False), (FULL - 1, True), (FULL + 1, False), (1, True)])
def test_a_months_allocations_below_the_agreed_amount_after_its_due_date_are_short(october_fen, fires):
    facts = opened(allocations={"P1": {m: FULL for m in ("2026-06", "2026-07", "2026-08", "2026-09")}
                                | {"2026-10": october_fen}})
    found = labour_cost_short(a_project(**AGREED), facts, date(2026, 11, 14), RULES)
    assert [(c["month"], c["severity"]) for c in found] == ([("2026-10", "orange")] if fires else [])
    if fires:
        assert found[0]["fingerprint"] == "LABOUR_COST_SHORT:P1:2026-10"
        assert found[0]["details"]["shortfall"] == float(Decimal(FULL - october_fen) / 100)


def test_not_short_before_the_due_date_nor_without_an_account_nor_without_an_agreed_amount():
    facts = opened(allocations={"P1": {"2026-10": 1}})
    assert [c["month"] for c in labour_cost_short(a_project(**AGREED), facts, date(2026, 11, 13), RULES)] == []
    assert labour_cost_short(a_project(**AGREED), Facts(allocations=facts.allocations), date(2026, 12, 1), RULES) == []
    assert labour_cost_short(a_project(), facts, date(2026, 12, 1), RULES) == []


def test_a_month_with_nothing_allocated_is_not_allocated_not_short_and_two_short_months_are_red():
    facts = opened(allocations={"P1": {"2026-06": FULL, "2026-07": FULL, "2026-08": 5, "2026-09": 5}})
    short = labour_cost_short(a_project(**AGREED), facts, date(2026, 11, 14), RULES)
    assert [(c["month"], c["severity"]) for c in short] == [("2026-08", "red"), ("2026-09", "red")]
    missing = labour_cost_not_allocated(a_project(**AGREED), facts, date(2026, 11, 14), RULES)
    assert [c["month"] for c in missing] == ["2026-10"]


def test_the_red_threshold_for_short_months_is_configuration():
    rules = AccountRules.from_config({"RULES": {"labour_cost_short": {"red_when_months_short": 3}}})
    facts = opened(allocations={"P1": {"2026-06": FULL, "2026-07": FULL, "2026-08": 5, "2026-09": 5, "2026-10": FULL}})
    assert {c["severity"] for c in labour_cost_short(a_project(**AGREED), facts, date(2026, 11, 14), rules)} == {"orange"}


# ---- the terms judged only for 1.1 projects ------------------------------------------------

def test_a_1_1_project_with_every_term_in_place_raises_nothing():
    assert judge_terms(a_1_1_project(), date(2026, 11, 20), TERMS) == []


@pytest.mark.parametrize("missing, alert_type", [
    ({"payment_guarantee": None}, "PAYMENT_GUARANTEE_MISSING"),
    ({"construction_permit": None}, "NO_CONSTRUCTION_PERMIT"),
    ({"wage_officer": None}, "SITE_OBLIGATION_MISSING"),
    ({"signboard_posted_on": None}, "SITE_OBLIGATION_MISSING"),
])
def test_each_missing_term_raises_its_alert_on_a_1_1_project_and_nothing_on_a_1_0_one(missing, alert_type):
    [condition] = judge_terms(a_1_1_project(**missing), date(2026, 11, 20), TERMS)
    assert (condition["type"], condition["fingerprint"], condition["severity"]) == (alert_type, f"{alert_type}:P1", "yellow")
    assert judge_terms(a_1_1_project(**missing, schema_version="1"), date(2026, 11, 20), TERMS) == []


def test_guarantee_and_permit_are_owed_only_under_construction():
    bare = a_1_1_project(payment_guarantee=None, construction_permit=None)
    for status in ("planned", "suspended", "completed"):
        project = {**bare, "status": status, "suspended_on": date(2026, 7, 1) if status == "suspended" else None}
        assert payment_guarantee_missing(project, date(2026, 11, 20), TERMS) == []
        assert no_construction_permit(project, date(2026, 11, 20), TERMS) == []
    ended = {**bare, "actual_end_date": date(2026, 10, 31)}
    assert payment_guarantee_missing(ended, date(2026, 11, 1), TERMS) == []


def test_the_site_obligations_are_due_30_days_after_the_start_and_name_what_is_missing():
    project = a_1_1_project(wage_officer=None, signboard_posted_on=None)
    assert site_obligation_missing(project, date(2026, 7, 1), TERMS) == []            # day 30
    [condition] = site_obligation_missing(project, date(2026, 7, 2), TERMS)            # day 31
    assert condition["details"]["missing"] == ["wage_officer", "signboard"]
    assert "劳资专管员" in condition["summary"] and "告示牌" in condition["summary"]
    later = TermsRules.from_config({"RULES": {"project_terms": {"site_obligation_after_days": 45}}})
    assert site_obligation_missing(project, date(2026, 7, 2), later) == []


def test_an_unknown_severity_in_the_terms_configuration_is_refused():
    with pytest.raises(ValueError, match="project_terms"):
        TermsRules.from_config({"RULES": {"project_terms": {"payment_guarantee_severity": "purple"}}})


def test_every_suspension_the_registry_remembers_counts_not_only_the_last():
    twice = a_project(status="suspended", suspended_on=date(2026, 10, 1), resumed_on=date(2026, 8, 20),
                      suspensions=[{"from": "2026-07-01", "to": "2026-08-20"}])
    assert [str(m) for m in months_due(twice, date(2026, 12, 20))] == ["2026-06", "2026-08", "2026-09"]
    assert not works_in(twice, Month(2026, 7)) and not works_in(twice, Month(2026, 10))


def test_a_sweep_dated_before_a_suspension_began_judges_the_project_as_working_then():
    later = a_project(status="suspended", suspended_on=date(2026, 9, 1))
    [condition] = account_not_opened(later, Facts(), date(2026, 7, 2), RULES)      # day 31, before the stop
    assert condition["details"]["clock_from"] == "start_date"
