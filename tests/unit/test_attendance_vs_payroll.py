"""Attendance against payroll, per project-month: findings from the data, alerts as of a date."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.workers.domain import Stint
from services.workers.reconciliation import (
    ReconciliationRules,
    conditions,
    findings,
    fingerprints_of,
    month_summary,
    reconcile_months,
)
from wagewatch.config import load_config

RULES = ReconciliationRules()
PROJECT = {"project_code": "P1", "name": "堤防工程", "division": "430102", "sector": "water",
           "funding": "government", "pay_day": 15}


def attended(*workers, days=22):
    return {w: {"id_masked": f"430***********{w[-4:]}", "days": days} for w in workers}


def line(worker, due=720000, paid=720000):
    return {worker: {"id_masked": f"430***********{worker[-4:]}", "amount_due_fen": due, "amount_paid_fen": paid}}


def enrolled(*workers):
    return {w: "李**" for w in workers}


def test_an_attended_worker_without_a_paid_line_is_unpaid_and_a_paid_one_is_not():
    found = findings(attended("worker-0001", "worker-0002"), line("worker-0001"), enrolled("worker-0001", "worker-0002"))
    assert [u["worker_ref"] for u in found["unpaid"]] == ["worker-0002"]
    assert (found["attended"], found["paid"], found["has_payroll"]) == (2, 1, True)
    assert fingerprints_of("P1", "2026-10", found) == {
        "WORKER_UNPAID:P1:2026-10:worker-0002", "HEADCOUNT_MISMATCH:P1:2026-10"}


def test_a_line_paying_nothing_is_unpaid_and_a_line_paying_less_is_short():
    lines = {**line("worker-0001", paid=0), **line("worker-0002", paid=500000)}
    found = findings(attended("worker-0001", "worker-0002"), lines, enrolled("worker-0001", "worker-0002"))
    assert [u["worker_ref"] for u in found["unpaid"]] == ["worker-0001"]
    assert [(s["worker_ref"], s["amount_paid_fen"]) for s in found["short"]] == [("worker-0002", 500000)]


def test_a_payee_not_enrolled_that_month_is_found_and_everyone_paid_is_clear():
    found = findings(attended("worker-0001"), {**line("worker-0001"), **line("stranger-0009")}, enrolled("worker-0001"))
    assert [p["id_masked"] for p in found["not_enrolled"]] == ["430***********0009"]
    assert fingerprints_of("P1", "2026-10", found) == {"PAYEE_NOT_ENROLLED:P1:2026-10"}
    clear = findings(attended("worker-0001"), line("worker-0001"), enrolled("worker-0001"))
    assert fingerprints_of("P1", "2026-10", clear) == set()


def test_nothing_is_due_until_the_pay_day_of_the_next_month_has_passed():
    found = findings(attended("worker-0001"), None, enrolled("worker-0001"))
    # 15 November 2026 is a Sunday: October's wages are due on Friday the 13th (Art 14)
    assert conditions(PROJECT, "2026-10", found, date(2026, 11, 13), RULES) == []
    assert [c["type"] for c in conditions(PROJECT, "2026-10", found, date(2026, 11, 14), RULES)] == [
        "WORKER_UNPAID", "HEADCOUNT_MISMATCH"]
    late_pay_day = {**PROJECT, "pay_day": 25}
    assert conditions(late_pay_day, "2026-10", found, date(2026, 11, 20), RULES) == []


def test_a_configured_2027_holiday_makes_decembers_wages_due_the_working_day_before():
    # chinesecalendar 1.11 knows no 2027: deploy/config.yml's WORKING_CALENDAR lists decide.
    rules = ReconciliationRules.from_config({"WORKING_CALENDAR": {"holidays": ["2027-01-15"]}})
    found = findings(attended("worker-0001"), None, enrolled("worker-0001"))
    assert conditions(PROJECT, "2026-12", found, date(2027, 1, 14), rules) == []
    [unpaid, _] = conditions(PROJECT, "2026-12", found, date(2027, 1, 15), rules)   # Friday 15th off: due Thursday 14th
    assert unpaid["details"]["due_date"] == "2027-01-14"
    assert conditions(PROJECT, "2026-12", found, date(2027, 1, 15), RULES) == []   # unconfigured: due the 15th


def test_worker_unpaid_is_red_per_worker_month_and_names_the_worker_only_masked():
    found = findings(attended("worker-0002"), line("worker-0001"), enrolled("worker-0001", "worker-0002"))
    [unpaid] = [c for c in conditions(PROJECT, "2026-10", found, date(2026, 11, 20), RULES)
                if c["type"] == "WORKER_UNPAID"]
    assert (unpaid["fingerprint"], unpaid["severity"], unpaid["month"]) == (
        "WORKER_UNPAID:P1:2026-10:worker-0002", "red", "2026-10")
    assert (unpaid["division"], unpaid["sector"]) == ("430102", "water")
    assert unpaid["details"]["id_masked"] == "430***********0002" and unpaid["details"]["days"] == 22
    assert "李** (430***********0002)" in unpaid["summary"] and "2026-11-13" in unpaid["summary"]


@pytest.mark.parametrize("paid, severity, p1", [(10, None, False), (9, "red", False), (0, "red", True)])
def test_headcount_mismatch_is_red_from_ten_percent_unpaid_and_p1_from_ten_workers(paid, severity, p1):
    team = [f"worker-{i:04d}" for i in range(10)]
    lines = {k: v for w in team[:paid] for k, v in line(w).items()}
    found = findings(attended(*team), lines, enrolled(*team))
    mismatch = [c for c in conditions(PROJECT, "2026-10", found, date(2026, 11, 20), RULES)
                if c["type"] == "HEADCOUNT_MISMATCH"]
    assert [(c["severity"], c["p1"]) for c in mismatch] == ([(severity, p1)] if severity else [])


def test_headcount_mismatch_is_yellow_below_the_configured_share():
    team = [f"worker-{i:04d}" for i in range(20)]
    lines = {k: v for w in team[:19] for k, v in line(w).items()}
    found = findings(attended(*team), lines, enrolled(*team))
    by_type = {c["type"]: c for c in conditions(PROJECT, "2026-10", found, date(2026, 11, 20), RULES)}
    assert by_type["HEADCOUNT_MISMATCH"]["severity"] == "yellow"
    details = by_type["HEADCOUNT_MISMATCH"]["details"]
    assert (details["attended"], details["paid"], details["unpaid"]) == (20, 19, 1)


def test_wages_short_is_orange_then_red_from_month_m_plus_2_and_payees_off_roster_yellow():
    lines = {**line("worker-0001", paid=500000), **line("stranger-0009")}
    found = findings(attended("worker-0001"), lines, enrolled("worker-0001"))
    private = {**PROJECT, "funding": "private"}
    nov = {c["type"]: c for c in conditions(private, "2026-10", found, date(2026, 11, 20), RULES)}
    dec = {c["type"]: c for c in conditions(private, "2026-10", found, date(2026, 12, 1), RULES)}
    assert (nov["WAGES_SHORT"]["severity"], dec["WAGES_SHORT"]["severity"]) == ("orange", "red")
    assert nov["WAGES_SHORT"]["details"]["shortfall_fen"] == 220000
    assert "paid 5000 of 7200 yuan" in nov["WAGES_SHORT"]["summary"]
    assert nov["PAYEE_NOT_ENROLLED"]["severity"] == "yellow"
    assert nov["PAYEE_NOT_ENROLLED"]["details"]["payees"][0]["id_masked"] == "430***********0009"


def test_wages_short_on_a_publicly_funded_project_is_one_colour_higher():
    found = findings(attended("worker-0001"), line("worker-0001", paid=500000), enrolled("worker-0001"))
    for funding, colour in (("government", "red"), ("soe", "red"), ("private", "orange")):
        [short] = [c for c in conditions({**PROJECT, "funding": funding}, "2026-10", found, date(2026, 11, 20), RULES)
                   if c["type"] == "WAGES_SHORT"]
        assert short["severity"] == colour, funding


def test_thresholds_come_from_configuration():
    configured = ReconciliationRules.from_config(load_config())
    assert replace(configured, minimum_wage=RULES.minimum_wage) == RULES   # the minimum wage: test_minimum_wage.py
    rules = ReconciliationRules.from_config({"RULES": {"attendance_vs_payroll": {
        "headcount_red_share": 0.5, "group_arrears_workers": 3, "short_red_from_month_offset": 3}}})
    team = [f"worker-{i:04d}" for i in range(4)]
    found = findings(attended(*team), {k: v for w in team[:3] for k, v in line(w).items()}, enrolled(*team))
    [mismatch] = [c for c in conditions(PROJECT, "2026-10", found, date(2026, 11, 20), rules)
                  if c["type"] == "HEADCOUNT_MISMATCH"]
    assert (mismatch["severity"], mismatch["p1"]) == ("yellow", False)


def test_reconciling_a_month_again_reports_what_the_new_data_cleared():
    enrolments = {"P1": [{"worker": w, "name": "李建国", "stints": [Stint(date(2026, 10, 1))]}
                         for w in ("worker-0001", "worker-0002")]}
    before = findings(attended("worker-0001", "worker-0002"), line("worker-0001"), enrolled("worker-0001", "worker-0002"))
    month = {"_id": "P1:2026-10", "project_code": "P1", "month": "2026-10", "changes": 4, "findings": before}
    lines = {"P1:2026-10": {**line("worker-0001"), **line("worker-0002")}}
    [result] = reconcile_months([month], {"P1:2026-10": attended("worker-0001", "worker-0002")}, lines, enrolments)
    assert result["cleared"] == {"WORKER_UNPAID:P1:2026-10:worker-0002", "HEADCOUNT_MISMATCH:P1:2026-10"}
    assert (result["changes"], result["flagged"], result["unchanged"]) == (4, False, False)


def test_a_month_found_as_stored_and_not_marked_needs_no_write():
    enrolments = {"P1": [{"worker": "worker-0001", "name": "李建国", "stints": [Stint(date(2026, 10, 1))]}]}
    attended_ = {"P1:2026-10": attended("worker-0001")}
    stored = findings(attended("worker-0001"), line("worker-0001"), enrolled("worker-0001"))
    month = {"_id": "P1:2026-10", "project_code": "P1", "month": "2026-10", "changes": 2, "findings": stored}
    lines = {"P1:2026-10": line("worker-0001")}
    assert [r["unchanged"] for r in reconcile_months([{**month, "stale": False}], attended_, lines, enrolments)] == [True]
    assert [r["unchanged"] for r in reconcile_months([{**month, "stale": True}], attended_, lines, enrolments)] == [False]
    assert [r["unchanged"] for r in reconcile_months([{**month, "stale": False}], attended_, {}, enrolments)] == [False]


def test_the_month_summary_is_masked_and_marks_the_unpaid():
    rows = [{"worker": "worker-0002", "id_masked": "430***********0002", "days": ["2026-10-02", "2026-10-01"]},
            {"worker": "worker-0001", "id_masked": "430***********0001", "days": ["2026-10-05"]}]
    found = findings({"worker-0001": {"id_masked": "430***********0001", "days": 1},
                      "worker-0002": {"id_masked": "430***********0002", "days": 2}},
                     line("worker-0001"), enrolled("worker-0001", "worker-0002"))
    summary = month_summary("P1", "2026-10", rows, {"worker-0001": "李**"}, {"findings": found, "stale": False})
    assert [(w["id_masked"], w["days"], w["unpaid"]) for w in summary["workers"]] == [
        ("430***********0001", 1, False), ("430***********0002", 2, True)]
    assert (summary["worker_days"], summary["reconciliation"]["unpaid"]) == (3, 1)
    assert month_summary("P1", "2026-10", rows, {}, None)["reconciliation"] is None
