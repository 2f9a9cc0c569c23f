"""The coverage report's figures, against a hand count on a small seeded set."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.accounts.coverage import coverage
from services.accounts.domain import AccountRules, Facts
from shared.calendar import Month

OCTOBER = Month(2026, 10)


def a_project(code, status="under_construction", start=date(2026, 8, 1), end=None, funding="private",
              amount="10000000") -> dict:
    return {"project_code": code, "name": code, "division": "430102", "sector": "water", "funding": funding,
            "status": status, "contract_amount": Decimal(amount), "start_date": start, "actual_end_date": end,
            "pay_day": 15}


PROJECTS = [
    a_project("A"),
    a_project("B", start=date(2026, 10, 20), funding="government"),
    a_project("C", status="suspended"),                                       # not counted: suspended
    a_project("D", status="completed", end=date(2026, 9, 30)),                # not counted: ended in September
    a_project("E", status="planned"),                                         # not counted: not started
    a_project("F", start=date(2026, 11, 5)),                                  # not counted: starts in November
    a_project("G", start=date(2026, 9, 1), funding="soe"),
    a_project("H", status="completed", end=date(2026, 10, 15), amount="2000000"),
]


def account(opened_on):
    return {"opened_on": opened_on, "bank": "长沙银行", "account_masked": "****0001"}


def totals(short=0):
    return {"workers": 3, "workers_short": short, "amount_due_fen": 2_160_000, "amount_paid_fen": 2_160_000}


FACTS = Facts(
    accounts={"A": account(date(2026, 8, 5)), "B": account(date(2026, 11, 2)), "H": account(date(2026, 9, 1))},
    deposits={"A": [{"paid_on": date(2026, 8, 10), "amount_fen": 1, "form": "cash"}],
              "G": [{"paid_on": date(2026, 10, 31), "amount_fen": 1, "form": "insurance"}],
              "B": [{"paid_on": date(2026, 11, 1), "amount_fen": 1, "form": "cash"}]},
    payroll={("A", "2026-10"): totals(), ("B", "2026-10"): totals(short=1), ("G", "2026-10"): totals(),
             ("H", "2026-09"): totals()},
)
ENROLLED = {"A": 5, "B": 0, "G": 3, "H": 2}
OPEN_ALERTS = [{"type": "ACCOUNT_NOT_OPENED", "severity": "red"}, {"type": "ACCOUNT_NOT_OPENED", "severity": "yellow"},
               {"type": "PAYROLL_MISSING", "severity": "red"}]


def figures(report) -> dict:
    return {f["system"]: (f["projects"], f["of"]) for f in report["systems"]}


def test_the_figures_equal_a_hand_count():
    report = coverage("430102", OCTOBER, PROJECTS, FACTS, ENROLLED, OPEN_ALERTS, AccountRules())
    # Under construction in October: A, B (from the 20th), G, H (until the 15th).
    assert report["projects_under_construction"] == 4
    assert figures(report) == {
        "workers_enrolled": (3, 4),        # A, G, H (B enrolled nobody)
        "dedicated_account": (2, 4),       # A, H (B's was opened in November)
        "wage_deposit": (2, 4),            # A, G on 31 October (B's came in November)
        "paid_through_account": (2, 4),    # A, B: sheet and account (G has a sheet but no account)
        "paid_in_full": (2, 4),            # A, G (B paid one worker short; H has no October sheet)
    }
    assert [f["share"] for f in report["systems"]] == [0.75, 0.5, 0.5, 0.5, 0.5]
    assert (report["paid_in_full_public"]["projects"], report["paid_in_full_public"]["of"]) == (1, 2)   # G of B, G
    assert report["open_alerts"] == {"by_type": {"ACCOUNT_NOT_OPENED": {"yellow": 1, "red": 1},
                                                 "PAYROLL_MISSING": {"red": 1}}, "total": 3, "complete": True}
    assert (report["division_name"], report["level"], report["month"]) == ("芙蓉区", "county", "2026-10")


def test_an_exempt_project_counts_as_having_its_deposit():
    rules = AccountRules.from_config({"RULES": {"deposit_missing": {"exempt_below_contract_amount": 3_000_000}}})
    report = coverage("430102", OCTOBER, PROJECTS, FACTS, ENROLLED, [], rules)
    assert figures(report)["wage_deposit"] == (3, 4)   # A, G and exempt H


def test_unknown_enrolment_is_reported_as_unknown_not_as_zero():
    report = coverage("430100", OCTOBER, PROJECTS, FACTS, None, [], AccountRules())
    assert figures(report)["workers_enrolled"] == (None, 4)
    assert report["systems"][0]["share"] is None and report["level"] == "city"


def test_a_division_with_no_project_under_construction_has_no_shares():
    report = coverage("430121", OCTOBER, [], Facts(), {}, [], AccountRules(), alerts_complete=False)
    assert report["projects_under_construction"] == 0
    assert {f["share"] for f in report["systems"]} == {None}
    assert report["open_alerts"]["complete"] is False


def test_one_projects_systems_are_its_row_of_the_report():
    """The console's project page: the same checks as the report, for one project."""
    from services.accounts.coverage import project_systems

    rules = AccountRules()
    for project in PROJECTS:
        row = project_systems(project, OCTOBER, FACTS, ENROLLED, rules)
        report = coverage("430102", OCTOBER, [project], FACTS, ENROLLED, [], rules)
        counted = {f["system"]: f["projects"] for f in report["systems"]}
        assert row["working"] == (report["projects_under_construction"] == 1)
        if row["working"]:
            assert {s["system"]: int(s["in_place"]) for s in row["systems"]} == counted
    assert sum(project_systems(p, OCTOBER, FACTS, ENROLLED, rules)["working"] for p in PROJECTS) == 4
