"""What keeps one county's record from breaking the province's sweep, and one rule from
flooding a desk: isolation per project, the flood guard at its boundary, the sweep date
that never goes back by accident, and what `wagewatch sweep` decides and prints."""
from __future__ import annotations

import logging
from datetime import date

import pytest
from nameko.exceptions import RemoteError

from services.alerts.domain import to_resolve
from services.alerts.policy import AlertPolicy
from services.payroll.domain import PayrollRules, payroll_missing
from services.workers.reconciliation import ReconciliationRules, conditions, findings
from services.workers.site_rules import SiteRules, no_attendance
from shared.sweeps import Isolation, SweepSettings, backwards_refusal, failure_fingerprint, fold_flood
from wagewatch.config import load_config
from wagewatch.sweep import format_outcome, run_sweep, what_if

AS_OF = date(2026, 11, 20)


def a_project(code="P1", **overrides) -> dict:
    data = {"project_code": code, "name": "堤防工程", "division": "430102", "sector": "water",
            "funding": "private", "status": "under_construction", "start_date": date(2026, 8, 1),
            "actual_end_date": None, "pay_day": 15}
    data.update(overrides)
    return data


def missing(months: int, code="P1") -> list[dict]:
    start = date(2026 - (months + 1) // 12 - 1, 1, 1)
    found = payroll_missing([a_project(code, start_date=start)], set(), AS_OF, PayrollRules())
    return found[-months:]


# --- the flood guard -------------------------------------------------------------------

@pytest.mark.parametrize("reported, shown", [(4, 4), (5, 5), (6, 5), (300, 5)])
def test_a_rule_raises_at_most_the_limit_for_one_project(reported, shown):
    folded = fold_flood(missing(reported), limit=5)
    assert len(folded) == shown
    if reported <= 5:
        assert folded == missing(reported), "at or under the limit nothing changes"
        return
    [summary] = [c for c in folded if c["fingerprint"] == "PAYROLL_MISSING:P1:more"]
    kept = [c for c in folded if c is not summary]
    assert [c["month"] for c in kept] == sorted((c["month"] for c in missing(reported)), reverse=True)[:4]
    assert summary["details"]["folded"]["conditions"] == reported - 4 and summary["month"] is None
    assert summary["details"]["folded"]["last_month"] < min(c["month"] for c in kept)
    assert summary["severity"] == "red" and summary["division"] == "430102" and summary["sector"] == "water"
    assert f"{reported - 4} more PAYROLL_MISSING" in summary["summary"]


def test_the_guard_counts_each_rule_and_project_on_its_own_and_never_folds_what_has_no_project():
    other = missing(5, code="P2")
    no_project = [{**c, "project_code": None, "fingerprint": f"X:{i}"} for i, c in enumerate(missing(7))]
    folded = fold_flood(missing(5) + other + no_project, limit=5)
    assert folded == missing(5) + other + no_project


def test_the_limit_is_configuration():
    assert SweepSettings.from_config(load_config()).flood_limit == 50
    assert SweepSettings.from_config({"RULES": {"flood_guard": {"max_alerts_per_rule_and_project": 3}}}).flood_limit == 3


def test_a_start_in_year_one_is_a_flood_the_guard_folds_to_the_limit():
    """Issue 13: every month since year 1 (24,310 alerts on one desk)."""
    flood = payroll_missing([a_project(start_date=date(1, 1, 1))], set(), AS_OF, PayrollRules())
    assert len(flood) > 24_000
    assert len(fold_flood(flood, limit=50)) == 50


# --- isolation -------------------------------------------------------------------------

def test_the_two_poison_values_of_issue_13_break_the_rules_themselves():
    """Schema-valid values the rules cannot compute with (the edge is to refuse them too)."""
    with pytest.raises(OverflowError):
        no_attendance([a_project(start_date=date(1, 1, 1))], {}, AS_OF, SiteRules())
    found = findings({}, {"w1": {"id_masked": "1***1", "amount_due_fen": 1, "amount_paid_fen": 1}}, {})
    with pytest.raises(ValueError):
        conditions(a_project(), "9999-12", found, AS_OF, ReconciliationRules())


def test_a_project_a_rule_cannot_evaluate_is_skipped_and_every_other_is_swept(caplog):
    projects = [a_project("P1"), a_project("BAD", start_date=date(1, 1, 1)), a_project("P3", division="430103")]
    isolation = Isolation("workers")
    with caplog.at_level(logging.ERROR):
        found = isolation.each(projects, lambda p: no_attendance([p], {}, AS_OF, SiteRules()),
                               lambda p: (p["project_code"], p["division"], p["project_code"]))
    assert [c["project_code"] for c in found] == ["P1", "P3"]
    assert isolation.unevaluated() == ["BAD"]
    [failure] = isolation.conditions(AS_OF.isoformat())
    assert (failure["type"], failure["fingerprint"], failure["severity"], failure["level"], failure["division"]) == (
        "RULE_FAILED", "RULE_FAILED:workers:BAD", "blue", "province", "430102")
    assert failure["details"]["error"] == "OverflowError" and "no_attendance" in failure["details"]["where"]
    assert "skipped BAD (OverflowError" in caplog.text
    assert "date value out of range" not in caplog.text, "an exception's text may quote a record: never logged"


def test_rule_failures_reach_labour_inspection_up_to_the_provinces_desk():
    policy = AlertPolicy.from_config(load_config())
    assert policy.routing.departments("RULE_FAILED", "water", "private", severity="blue") == ["hrss"]


def test_a_sweep_resolves_neither_what_it_could_not_evaluate_nor_another_monitors_failures():
    open_alerts = {"PAYROLL_MISSING:BAD:2026-10", "PAYROLL_MISSING:P1:2026-10", "COMPLAINT_OVERDUE:430102/C-1:acceptance:430102",
                   failure_fingerprint("payroll", "BAD"), failure_fingerprint("workers", "P1")}
    assert to_resolve(open_alerts, set(), "payroll", ["BAD", "430102/C-1"]) == {"PAYROLL_MISSING:P1:2026-10"}
    assert to_resolve(open_alerts, set(), "workers", []) >= {failure_fingerprint("workers", "P1")}
    assert failure_fingerprint("payroll", "BAD") not in to_resolve(open_alerts, set(), "workers", [])


# --- the sweep date ----------------------------------------------------------------------

@pytest.mark.parametrize("latest, as_of, force, refused", [
    (None, "2026-11-20", False, False),
    ("2026-11-20", "2026-11-20", False, False),
    ("2026-11-20", "2026-11-21", False, False),
    ("2026-11-20", "2026-11-19", False, True),
    ("2026-11-20", "2026-11-19", True, False),
])
def test_a_real_sweep_never_goes_back_before_the_last_one_unless_forced(latest, as_of, force, refused):
    refusal = backwards_refusal(latest, as_of, force)
    assert bool(refusal) == refused
    if refused:
        assert latest in refusal and "what-if" in refusal


TODAY = date(2026, 12, 3)


@pytest.mark.parametrize("as_of, publish, only_shows", [
    (TODAY, False, False), (TODAY, True, False),                                  # today: real
    (date(2026, 12, 16), False, True), (date(2026, 11, 20), False, True),          # another day: what-if
    (date(2026, 11, 20), True, False),                                              # back-dated catch-up
])
def test_wagewatch_sweep_of_a_day_other_than_today_is_a_what_if_unless_published(as_of, publish, only_shows):
    assert what_if(as_of, TODAY, publish) is only_shows


def test_a_day_that_has_not_come_cannot_be_published():
    with pytest.raises(ValueError, match="has not come"):
        what_if(date(2026, 12, 16), TODAY, publish=True)


# --- what `wagewatch sweep` does and prints --------------------------------------------------

class Monitor:
    def __init__(self, name, answer):
        self.name, self.answer, self.calls = name, answer, []

    def sweep(self, as_of, what_if=False, force=False):
        self.calls.append((as_of, what_if, force))
        if isinstance(self.answer, Exception):
            raise self.answer
        return {"source": self.name, "as_of": as_of, "reported": 0, "raised": [], "resolved": [], **self.answer}


class Cluster:
    """A hand-written stand-in for nameko's ClusterRpcProxy: one monitor fails."""

    def __init__(self, failing: str, error: Exception):
        for name in ("payroll", "workers", "accounts", "complaints", "alerts"):
            setattr(self, name, Monitor(name, error if name == failing else {}))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_wagewatch_sweep_goes_on_to_the_other_services_when_one_fails_and_says_so(monkeypatch):
    import nameko.standalone.rpc

    cluster = Cluster("workers", RemoteError("ValueError", "year 10000 is out of range"))
    monkeypatch.setattr(nameko.standalone.rpc, "ClusterRpcProxy", lambda config, timeout: cluster)
    outcomes = run_sweep({}, "2026-11-20", what_if=True)
    assert [o["source"] for o in outcomes] == ["payroll", "workers", "accounts", "complaints", "alerts"]
    assert cluster.alerts.calls == [("2026-11-20", True, False)]
    printed = format_outcome(outcomes)
    assert "workers: FAILED: ValueError; see the workers service's log (the other services were swept)" in printed
    assert "year 10000" not in printed
    assert "accounts: as of 2026-11-20, 0 condition(s) reported" in printed


def test_the_summary_names_what_was_skipped_and_what_a_what_if_would_do():
    line = {"severity": "yellow", "type": "PAYROLL_MISSING", "division": "430102", "project_code": "P1",
            "month": "2026-10", "departments": ["water"]}
    skipped = {"subject": "BAD", "division": "430102", "project_code": "BAD", "error": "OverflowError",
               "where": "site_rules.py:52 no_attendance"}
    printed = format_outcome([{"source": "workers", "as_of": "2026-12-16", "reported": 1, "raised": [line],
                               "resolved": [line], "skipped": [skipped], "what_if": True}]).splitlines()
    assert printed[0].startswith("what-if: no desk was told and no alert changed")
    assert printed[1] == "workers: as of 2026-12-16, 1 condition(s) reported, 1 would be raised, 1 would be resolved"
    assert printed[2].startswith("  would raise yellow PAYROLL_MISSING") and printed[3].startswith("  would resolve")
    assert "1 skipped" in printed[4] and printed[5] == "  skipped  BAD (430102): OverflowError in site_rules.py:52 no_attendance"
