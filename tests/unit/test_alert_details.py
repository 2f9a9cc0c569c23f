"""The ``details`` documented per alert type (shared/contract/alert_details.py, and from it
docs/asyncapi.yaml) are exactly what the rules emit: every rule is run here on a case
that fires it, and its details are checked key by key and against the documented schema."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import jsonschema
import pytest

from services.accounts.domain import AccountRules, Facts, evaluate
from services.complaints import domain
from services.complaints.clocks import clock_at
from services.complaints.rules import (
    ComplaintRules,
    filed_condition,
    group_arrears,
    overdue_condition,
    referral_condition,
    repeat_defaulter,
)
from services.payroll.domain import PayrollRules, payroll_missing
from services.workers.reconciliation import ReconciliationRules, conditions, findings
from services.workers.site_rules import SiteRules, attendance_unregistered, no_attendance
from shared.contract import alerts
from shared.contract.alert_details import ALERT_DETAILS, LIFECYCLE_DETAILS, details_schema
from shared.sweeps import Isolation, fold_flood
from shared.workdays import WorkingCalendar
from testkit.synthetic import credit_code
from tests.factories import COUNTY
from tests.unit.complaint_cases import a_case, run
from wagewatch.config import load_config

AS_OF = date(2026, 11, 20)   # October's wages, labour cost and payroll fell due on 15 November
PROJECT = {"project_code": "P1", "name": "堤防工程", "division": COUNTY, "sector": "water", "funding": "private",
           "status": "under_construction", "contract_amount": Decimal("10000000"), "start_date": date(2026, 8, 1),
           "actual_end_date": None, "pay_day": 15}


def payroll_conditions() -> list[dict]:
    return payroll_missing([PROJECT], set(), AS_OF, PayrollRules())


def wage_conditions() -> list[dict]:
    attended = {w: {"id_masked": f"430***********{w[-4:]}", "days": 20}
                for w in ("w-0001", "w-0002", "w-0003", "w-0004")}
    lines = {"w-0002": {"id_masked": "430***********0002", "amount_due_fen": 720000, "amount_paid_fen": 500000},
             "w-0009": {"id_masked": "430***********0009", "amount_due_fen": 720000, "amount_paid_fen": 720000}}
    rules = ReconciliationRules.from_config(load_config())
    october = rules.minimum_wage.for_month(COUNTY, "2026-10", WorkingCalendar())
    for worker in attended.values():
        worker["dates"] = sorted(october.working_days)
    lines["w-0004"] = {"id_masked": "430***********0004", "amount_due_fen": 150000, "amount_paid_fen": 150000}
    found = findings(attended, lines, {w: "李**" for w in attended}, october)
    return conditions(PROJECT, "2026-10", found, AS_OF, rules)


def site_conditions() -> list[dict]:
    irregular = [{"project_code": "P1", "reason": "not_enrolled", "clock_ins": 2, "workers": ["a"], "id_masked": ["430*1"]}]
    return [*no_attendance([PROJECT], {"P1": date(2026, 11, 1)}, AS_OF, SiteRules()),
            *no_attendance([PROJECT], {}, AS_OF, SiteRules()),   # never clocked in: last day null
            *attendance_unregistered({"P1": PROJECT}, irregular, AS_OF, SiteRules())]


def account_conditions() -> list[dict]:
    opened = Facts(accounts={"P1": {"opened_on": date(2026, 8, 5), "bank": "长沙银行", "account_masked": "****1234"}},
                   payroll={("P1", "2026-11"): {"amount_due_fen": 9_000_00, "amount_paid_fen": 0, "workers": 2,
                                                "workers_short": 0}})
    short = Facts(accounts=opened.accounts, allocations={"P1": {"2026-08": 100_00, "2026-09": 100_00, "2026-10": 100_00}})
    # Contract 1.1: a project with the agreed labour cost and none of its terms in place.
    terms = {**PROJECT, "schema_version": "1.1", "labour_cost_monthly": Decimal("200")}
    return [*evaluate([PROJECT], Facts(), AS_OF, AccountRules()), *evaluate([PROJECT], opened, AS_OF, AccountRules()),
            *evaluate([terms], short, AS_OF, AccountRules())]


def complaint_conditions() -> list[dict]:
    rules = ComplaintRules.from_config(load_config())
    project = {"name": "湘江防洪堤加固工程", "division": COUNTY, "sector": "water", "funding": "government",
               "status": "under_construction", "owner": None, "general_contractor": None}
    case = a_case(project=project, workers_affected=12)
    clock = clock_at(case["history"], date(2026, 10, 14), WorkingCalendar(), rules.limits)
    employer = {"name": "某建筑劳务有限公司", "uscc": credit_code(COUNTY, 77)}
    repeated = [a_case(complaint_id=f"E-{n}", filed_at=f"2026-09-{n:02d}T09:00:00+08:00", employer=employer)
                for n in (1, 8, 15)]
    ordered = run(case, (domain.ACCEPT, date(2026, 10, 8), {}),
                  (domain.ORDER, date(2026, 10, 9), {"deadline": "2026-10-19", "amount": 48000, "workers": 12,
                                                     "months": 3}),
                  (domain.PAY, date(2026, 10, 19), {"amount_paid": 1000}))
    referred = [referral_condition(ordered, date(2026, 10, 20), rules),
                referral_condition(run(ordered, (domain.ORDER, date(2026, 10, 21), {
                    "deadline": "2026-10-23", "amount": 7000, "workers": 2, "months": 4,
                    "largest_one_worker": 6500})), date(2026, 10, 24), rules)]
    assert all(referred)
    return [filed_condition(case, clock), filed_condition(case, None), overdue_condition(case, clock, rules),
            group_arrears(case, [case], rules), repeat_defaulter(repeated, rules), *referred]


def sweep_conditions() -> list[dict]:
    """What the sweep mechanism adds: a project it had to skip, and a flood folded."""
    isolation = Isolation("workers")
    isolation.each([{**PROJECT, "start_date": date(1, 1, 1)}], lambda p: no_attendance([p], {}, AS_OF, SiteRules()),
                   lambda p: (p["project_code"], p["division"], p["project_code"]))
    return [*isolation.conditions(AS_OF.isoformat()),
            *fold_flood(payroll_missing([{**PROJECT, "start_date": date(2020, 1, 1)}], set(), AS_OF, PayrollRules()), 5)]


EMITTED = [c for make in (payroll_conditions, wage_conditions, site_conditions, account_conditions,
                          complaint_conditions, sweep_conditions) for c in make()]


def alert_types() -> set[str]:
    return {value for name, value in vars(alerts).items() if name.isupper() and name == value}


def test_every_alert_type_the_platform_raises_is_documented_and_exercised_here():
    assert set(ALERT_DETAILS) == alert_types()
    assert {c["type"] for c in EMITTED} == alert_types()


@pytest.mark.parametrize("condition", EMITTED, ids=lambda c: c["fingerprint"])
def test_the_details_a_rule_emits_are_exactly_the_documented_keys(condition):
    documented = ALERT_DETAILS[condition["type"]]
    required = {k for k, key in documented.items() if not key.optional}
    assert required <= set(condition["details"]) <= set(documented) | set(LIFECYCLE_DETAILS)
    jsonschema.Draft7Validator(details_schema(condition["type"])).validate(condition["details"])


def test_optional_keys_are_really_optional_and_emitted_by_some_rule():
    """An optional key no rule ever emits, or one every rule emits, would be documented wrong."""
    for alert_type, documented in ALERT_DETAILS.items():
        emitted = [set(c["details"]) for c in EMITTED if c["type"] == alert_type]
        for name in (k for k, key in documented.items() if key.optional):
            assert any(name in keys for keys in emitted), (alert_type, name)
            assert not all(name in keys for keys in emitted), (alert_type, name)
    assert all(key.optional for key in LIFECYCLE_DETAILS.values())
