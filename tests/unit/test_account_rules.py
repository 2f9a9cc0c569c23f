"""The payroll-account rules: when each fires, its colour, what clears it, what inhibits it."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.accounts.domain import (
    AccountRules,
    Facts,
    account_not_opened,
    balance_low,
    deposit_missing,
    evaluate,
    labour_cost_not_allocated,
)

RULES = AccountRules()
AS_OF = date(2026, 11, 20)   # October's wages and labour cost were due on 15 November


def a_project(**overrides) -> dict:
    data = {"project_code": "P1", "name": "堤防工程", "division": "430102", "sector": "water",
            "funding": "private", "status": "under_construction", "contract_amount": Decimal("10000000"),
            "start_date": date(2026, 8, 1), "actual_end_date": None, "pay_day": 15}
    data.update(overrides)
    return data


def opened(**facts) -> Facts:
    """Facts of a project whose account was opened on 5 August."""
    return Facts(accounts={"P1": {"opened_on": date(2026, 8, 5), "bank": "长沙银行", "account_masked": "****1234"}},
                 **facts)


def sheet(due_yuan: int, paid_yuan: int | None = None, workers: int = 2) -> dict:
    paid = due_yuan if paid_yuan is None else paid_yuan
    return {"amount_due_fen": due_yuan * 100, "amount_paid_fen": paid * 100, "workers": workers,
            "workers_short": int(paid < due_yuan)}


def severities(conditions: list[dict]) -> list[tuple]:
    return [(c["type"], c["month"], c["severity"]) for c in conditions]


class TestAccountNotOpened:
    @pytest.mark.parametrize("as_of, severity", [
        (date(2026, 8, 31), None),        # day 30: still within the deadline
        (date(2026, 9, 1), "yellow"),     # day 31
        (date(2026, 9, 15), "yellow"),    # day 45
        (date(2026, 9, 16), "red"),       # day 46
    ])
    def test_yellow_after_30_days_red_after_45(self, as_of, severity):
        conditions = account_not_opened(a_project(), Facts(), as_of, RULES)
        assert [c["severity"] for c in conditions] == ([severity] if severity else [])

    def test_the_condition_names_the_project_and_where_it_goes(self):
        [condition] = account_not_opened(a_project(sector="energy", funding="soe"), Facts(), AS_OF, RULES)
        assert condition["fingerprint"] == "ACCOUNT_NOT_OPENED:P1" and condition["month"] is None
        assert (condition["division"], condition["sector"], condition["funding"]) == ("430102", "energy", "soe")
        assert condition["details"]["days_since_start"] == 111

    def test_an_opened_account_clears_it(self):
        assert account_not_opened(a_project(), opened(), AS_OF, RULES) == []

    def test_it_is_not_an_arrears_alert_so_public_funding_keeps_its_colour(self):
        [condition] = account_not_opened(a_project(funding="government"), Facts(), date(2026, 9, 1), RULES)
        assert condition["severity"] == "yellow"

    @pytest.mark.parametrize("status", ["planned", "suspended", "completed"])
    def test_only_a_project_under_construction_owes_an_account(self, status):
        assert account_not_opened(a_project(status=status), Facts(), AS_OF, RULES) == []

    def test_nothing_is_owed_after_the_actual_end_date(self):
        ended = a_project(actual_end_date=date(2026, 9, 10))
        assert account_not_opened(ended, Facts(), date(2026, 9, 11), RULES) == []
        assert [c["severity"] for c in account_not_opened(ended, Facts(), date(2026, 9, 10), RULES)] == ["yellow"]

    def test_the_thresholds_are_configuration(self):
        rules = AccountRules.from_config({"RULES": {"account_not_opened": {"yellow_after_days": 10,
                                                                           "red_after_days": 20}}})
        assert account_not_opened(a_project(), Facts(), date(2026, 8, 12), rules)[0]["severity"] == "yellow"
        assert account_not_opened(a_project(), Facts(), date(2026, 8, 22), rules)[0]["severity"] == "red"


class TestLabourCostNotAllocated:
    def test_a_month_without_allocation_after_its_due_date_is_yellow(self):
        facts = opened(allocations={"P1": {"2026-08": 2_000_000, "2026-09": 2_000_000}})
        conditions = labour_cost_not_allocated(a_project(), facts, AS_OF, RULES)
        assert severities(conditions) == [("LABOUR_COST_NOT_ALLOCATED", "2026-10", "yellow")]
        assert conditions[0]["fingerprint"] == "LABOUR_COST_NOT_ALLOCATED:P1:2026-10"
        assert conditions[0]["details"]["due_date"] == "2026-11-13"   # the 15th is a Sunday (Art 14)

    def test_not_before_the_due_date_has_passed(self):
        facts = opened(allocations={"P1": {"2026-08": 1, "2026-09": 1}})
        assert labour_cost_not_allocated(a_project(), facts, date(2026, 11, 13), RULES) == []
        late_pay_day = a_project(pay_day=25)
        assert labour_cost_not_allocated(late_pay_day, facts, AS_OF, RULES) == []

    def test_the_configured_working_calendar_moves_its_due_date_before_a_holiday(self):
        # 28 Jan 2027 is a Thursday; chinesecalendar 1.11 knows no 2027: only the list makes it a holiday.
        rules = AccountRules.from_config({"WORKING_CALENDAR": {"holidays": ["2027-01-28"]}})
        december = a_project(start_date=date(2026, 12, 1), pay_day=28)
        assert labour_cost_not_allocated(december, opened(), date(2027, 1, 27), rules) == []
        [late] = labour_cost_not_allocated(december, opened(), date(2027, 1, 28), rules)
        assert (late["month"], late["details"]["due_date"]) == ("2026-12", "2027-01-27")
        assert labour_cost_not_allocated(december, opened(), date(2027, 1, 28), RULES) == []

    def test_a_second_missed_month_turns_both_red(self):
        facts = opened(allocations={"P1": {"2026-08": 2_000_000}})
        assert severities(labour_cost_not_allocated(a_project(), facts, AS_OF, RULES)) == [
            ("LABOUR_COST_NOT_ALLOCATED", "2026-09", "red"), ("LABOUR_COST_NOT_ALLOCATED", "2026-10", "red")]

    def test_an_allocation_for_the_month_clears_it_even_when_late(self):
        facts = opened(allocations={"P1": {"2026-08": 1, "2026-09": 1, "2026-10": 1}})
        assert labour_cost_not_allocated(a_project(), facts, AS_OF, RULES) == []

    def test_inhibited_while_the_account_is_not_opened(self):
        assert labour_cost_not_allocated(a_project(), Facts(), AS_OF, RULES) == []
        assert [c["type"] for c in evaluate([a_project()], Facts(deposits={"P1": [
            {"paid_on": date(2026, 8, 3), "amount_fen": 20_000_000, "form": "cash"}]}), AS_OF, RULES)] == [
            "ACCOUNT_NOT_OPENED"]

    @pytest.mark.parametrize("funding, missed, severity", [
        ("government", 1, "orange"), ("soe", 1, "orange"), ("private", 1, "yellow"), ("government", 2, "red"),
    ])
    def test_government_and_soe_projects_get_it_one_colour_higher(self, funding, missed, severity):
        allocated = {"2026-08": 1, "2026-09": 1} if missed == 1 else {"2026-08": 1}
        conditions = labour_cost_not_allocated(a_project(funding=funding), opened(allocations={"P1": allocated}),
                                               AS_OF, RULES)
        assert {c["severity"] for c in conditions} == {severity} and len(conditions) == missed

    def test_a_suspended_project_owes_nothing_and_an_ended_one_nothing_after_its_end(self):
        assert labour_cost_not_allocated(a_project(status="suspended"), opened(), AS_OF, RULES) == []
        ended = a_project(status="completed", actual_end_date=date(2026, 8, 20))
        assert severities(labour_cost_not_allocated(ended, opened(), AS_OF, RULES)) == [
            ("LABOUR_COST_NOT_ALLOCATED", "2026-08", "yellow")]

    def test_a_project_registered_late_owes_from_its_start_month(self):
        late = a_project(start_date=date(2026, 6, 10))
        months = [c["month"] for c in labour_cost_not_allocated(late, opened(), AS_OF, RULES)]
        assert months == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]

    def test_the_red_threshold_is_configuration(self):
        rules = AccountRules.from_config({"RULES": {"labour_cost_not_allocated": {"red_when_months_missed": 3}}})
        facts = opened(allocations={"P1": {"2026-08": 1}})
        assert {c["severity"] for c in labour_cost_not_allocated(a_project(), facts, AS_OF, rules)} == {"yellow"}


class TestDepositMissing:
    def cash(self, yuan: int, paid_on=date(2026, 8, 3)) -> dict:
        return {"paid_on": paid_on, "amount_fen": yuan * 100, "form": "cash"}

    @pytest.mark.parametrize("as_of, severity", [
        (date(2026, 8, 31), None), (date(2026, 9, 1), "yellow"), (date(2026, 9, 30), "yellow"),
        (date(2026, 10, 1), "red"),
    ])
    def test_none_lodged_yellow_after_30_days_red_after_60(self, as_of, severity):
        conditions = deposit_missing(a_project(), Facts(), as_of, RULES)
        assert [c["severity"] for c in conditions] == ([severity] if severity else [])

    def test_a_deposit_of_the_rate_times_the_contract_amount_clears_it(self):
        assert deposit_missing(a_project(), Facts(deposits={"P1": [self.cash(200_000)]}), AS_OF, RULES) == []

    def test_a_short_deposit_is_reported_with_what_is_owed(self):
        [condition] = deposit_missing(a_project(), Facts(deposits={"P1": [self.cash(150_000)]}), AS_OF, RULES)
        assert condition["fingerprint"] == "DEPOSIT_MISSING:P1" and condition["severity"] == "red"
        assert (condition["details"]["required"], condition["details"]["lodged"]) == (200_000.0, 150_000.0)
        assert "short" in condition["summary"]

    def test_deposits_add_up(self):
        facts = Facts(deposits={"P1": [self.cash(150_000), self.cash(50_000, date(2026, 10, 9))]})
        assert deposit_missing(a_project(), facts, AS_OF, RULES) == []

    def test_the_requirement_rounds_up_to_the_fen(self):
        assert RULES.deposit_required_fen(a_project(contract_amount=Decimal("12345678.91"))) == 24_691_358

    def test_rate_red_threshold_and_small_project_exemption_are_configuration(self):
        rules = AccountRules.from_config({"RULES": {"deposit_missing": {
            "rate": 0.01, "red_after_days": None, "exempt_below_contract_amount": 3_000_000}}})
        assert deposit_missing(a_project(), Facts(deposits={"P1": [self.cash(100_000)]}), AS_OF, rules) == []
        assert deposit_missing(a_project(), Facts(), AS_OF, rules)[0]["severity"] == "yellow"   # never red
        small = a_project(contract_amount=Decimal("2999999.99"))
        assert deposit_missing(small, Facts(), AS_OF, rules) == []

    def test_no_exemption_by_default(self):
        small = a_project(contract_amount=Decimal("1000000"))
        assert [c["details"]["required"] for c in deposit_missing(small, Facts(), AS_OF, RULES)] == [20_000.0]

    @pytest.mark.parametrize("overrides", [
        {"status": "suspended"}, {"status": "planned"}, {"actual_end_date": date(2026, 11, 1)},
    ])
    def test_not_owed_unless_under_construction_and_not_ended(self, overrides):
        assert deposit_missing(a_project(**overrides), Facts(), AS_OF, RULES) == []


class TestBalanceLow:
    """As of 20 November, November's payroll is the next due (by 15 December)."""

    def facts(self, allocated_yuan: int, paid_to_date_yuan: int, sheets: dict | None = None) -> Facts:
        return opened(allocations={"P1": {"2026-10": allocated_yuan * 100}},
                      paid_to_date={"P1": paid_to_date_yuan * 100},
                      payroll={("P1", month): totals for month, totals in (sheets or {}).items()})

    def test_below_the_last_payroll_before_the_next_sheet_is_in_is_orange(self):
        facts = self.facts(60_000, 43_200, sheets={"2026-10": sheet(14_400)})  # balance 16,800 ≥ 14,400
        assert balance_low(a_project(), facts, AS_OF, RULES) == []
        facts = self.facts(50_000, 43_200, sheets={"2026-10": sheet(14_400)})  # balance 6,800
        [condition] = balance_low(a_project(), facts, AS_OF, RULES)
        assert (condition["fingerprint"], condition["severity"]) == ("BALANCE_LOW:P1:2026-11", "orange")
        assert condition["details"]["balance"] == 6_800.0 and condition["details"]["awaiting_payout"] == 14_400.0
        assert condition["details"]["basis"] == "estimated from the payroll for 2026-10"

    def test_a_sheet_in_for_the_month_counts_what_it_still_owes(self):
        paid_in_full = self.facts(50_000, 50_000, sheets={"2026-11": sheet(14_400), "2026-10": sheet(14_400)})
        assert balance_low(a_project(), paid_in_full, AS_OF, RULES) == []
        half_paid = self.facts(40_000, 40_000, sheets={"2026-11": sheet(14_400, 7_200)})
        [condition] = balance_low(a_project(), half_paid, AS_OF, RULES)
        assert condition["details"]["awaiting_payout"] == 7_200.0
        assert condition["details"]["basis"] == "payroll sheet for 2026-11"

    def test_before_the_pay_day_the_previous_month_is_the_one_awaiting_payout(self):
        facts = self.facts(30_000, 28_800, sheets={"2026-09": sheet(14_400)})
        [condition] = balance_low(a_project(), facts, date(2026, 11, 13), RULES)
        assert condition["month"] == "2026-10"

    def test_an_allocation_that_covers_the_payroll_clears_it(self):
        facts = self.facts(50_000, 43_200, sheets={"2026-10": sheet(14_400)})
        facts.allocations["P1"]["2026-11"] = 10_000 * 100
        assert balance_low(a_project(), facts, AS_OF, RULES) == []

    def test_government_projects_get_it_red(self):
        facts = self.facts(0, 0, sheets={"2026-10": sheet(14_400)})
        assert balance_low(a_project(funding="government"), facts, AS_OF, RULES)[0]["severity"] == "red"

    def test_nothing_to_compare_without_an_account_or_a_payroll_to_go_by(self):
        no_account = Facts(payroll={("P1", "2026-10"): sheet(14_400)})
        assert balance_low(a_project(), no_account, AS_OF, RULES) == []
        assert balance_low(a_project(), self.facts(0, 0), AS_OF, RULES) == []

    @pytest.mark.parametrize("overrides", [
        {"status": "suspended"}, {"status": "planned"},
        {"status": "completed", "actual_end_date": date(2026, 10, 31)},   # ended before November
    ])
    def test_no_payroll_awaits_a_project_that_does_not_work_that_month(self, overrides):
        facts = self.facts(0, 0, sheets={"2026-10": sheet(14_400)})
        assert balance_low(a_project(**overrides), facts, AS_OF, RULES) == []


def test_a_project_with_everything_in_place_raises_nothing():
    facts = opened(allocations={"P1": {"2026-08": 2_000_000, "2026-09": 2_000_000, "2026-10": 2_000_000}},
                   deposits={"P1": [{"paid_on": date(2026, 8, 3), "amount_fen": 20_000_000, "form": "insurance"}]},
                   payroll={("P1", "2026-10"): sheet(14_400)}, paid_to_date={"P1": 4_320_000})
    assert evaluate([a_project()], facts, AS_OF, RULES) == []
