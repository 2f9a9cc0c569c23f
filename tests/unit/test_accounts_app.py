"""accounts' use cases over fakes: records refused or kept and announced, the rules over
the local registry's projects, and the coverage report of a division (no broker, no
projects service)."""
from __future__ import annotations

from datetime import date

import pytest

from services.accounts.app import Accounts
from services.accounts.domain import AccountRules
from shared.calendar import Month
from shared.contract.messages import AccountOpenedSchema, AllocationSchema, DepositSchema
from shared.errors import RecordRefused
from shared.internal import ACCOUNT_RECORDED, ALLOCATION_RECORDED, DEPOSIT_RECORDED, Submission
from shared.registry import InMemoryRegistryStore, LocalProjectRegistry
from shared.sweeps import Isolation
from tests.factories import COUNTY, OTHER_COUNTY, account_opened, allocation, deposit, project_facts
from tests.unit.fakes import FakeEvents, FakeLedger, FakePayrollTotals, FakeProjectSource

CODE = f"{COUNTY}-2026-0001"
ELSEWHERE = f"{OTHER_COUNTY}-2026-0001"
SCHEMAS = {"account.opened": AccountOpenedSchema(), "allocation.received": AllocationSchema(),
           "deposit.paid": DepositSchema()}


@pytest.fixture
def source():
    return FakeProjectSource()


@pytest.fixture
def use_cases(source):
    store = InMemoryRegistryStore([project_facts(1, funding="private"), project_facts(1, division=OTHER_COUNTY)])
    return Accounts(FakeLedger(), LocalProjectRegistry(store, source), FakeEvents(),
                    payroll=FakePayrollTotals(), enrolment_counts=lambda codes, month: None,
                    rules=AccountRules(), pii_key=b"unit-test-key")


def submit(use_cases, message_type, payload, county=COUNTY):
    record = {"account.opened": use_cases.record_account, "allocation.received": use_cases.record_allocation,
              "deposit.paid": use_cases.record_deposit}[message_type]
    return record(Submission(county=county, message_id="m1", type=message_type, sent_at="", received_at="",
                             payload=SCHEMAS[message_type].load(payload)))


def test_each_record_is_kept_and_announced_without_asking_the_projects_service(use_cases, source):
    assert submit(use_cases, "account.opened", account_opened()) == {}
    assert submit(use_cases, "allocation.received", allocation("2026-09")) == {}
    assert submit(use_cases, "deposit.paid", deposit()) == {}
    assert use_cases.dispatch.sent == [(ACCOUNT_RECORDED, {"project_code": CODE}),
                                       (ALLOCATION_RECORDED, {"project_code": CODE, "month": "2026-09"}),
                                       (DEPOSIT_RECORDED, {"project_code": CODE})]
    assert use_cases.ledger.kept.allocations == {CODE: {"2026-09": 2_000_000}}
    assert source.asked == []


def test_an_account_number_is_kept_only_hashed_and_masked(use_cases):
    submit(use_cases, "account.opened", account_opened())
    kept = use_cases.ledger.kept.accounts[CODE]
    assert "6217003810012345678" not in str(kept) and kept["account_masked"].endswith("5678")


@pytest.mark.parametrize("message_type, payload", [
    ("account.opened", account_opened), ("allocation.received", allocation), ("deposit.paid", deposit),
])
@pytest.mark.parametrize("code, county, problem", [
    ("NOPE", COUNTY, "Unknown project: register it with project.upsert first."),
    (CODE, OTHER_COUNTY, "Belongs to another county's project registry."),
])
def test_a_record_the_county_may_not_send_is_refused_naming_the_field(use_cases, message_type, payload,
                                                                      code, county, problem):
    with pytest.raises(RecordRefused) as refused:
        submit(use_cases, message_type, payload(project_code=code), county)
    assert refused.value.errors == {"project_code": [problem]}
    assert use_cases.dispatch.sent == [] and use_cases.ledger.kept == FakeLedger().kept


def test_the_rules_run_over_every_registered_project(use_cases):
    found = use_cases.evaluate(date(2026, 10, 5), Isolation("accounts"))
    assert {(c["type"], c["project_code"]) for c in found if c["type"] == "ACCOUNT_NOT_OPENED"} == {
        ("ACCOUNT_NOT_OPENED", CODE), ("ACCOUNT_NOT_OPENED", ELSEWHERE)}
    submit(use_cases, "account.opened", account_opened())
    found = use_cases.evaluate(date(2026, 10, 5), Isolation("accounts"), [CODE])
    assert not [c for c in found if c["type"] == "ACCOUNT_NOT_OPENED"]


def test_coverage_counts_only_the_divisions_projects(use_cases):
    report = use_cases.coverage(COUNTY, Month(2026, 9), [], alerts_complete=True)
    assert report["projects_under_construction"] == 1 and report["division"] == COUNTY


def test_project_coverage_of_an_unknown_project_is_none(use_cases):
    assert use_cases.project_coverage("NOPE", None, date(2026, 10, 5)) is None
    assert use_cases.project_coverage(CODE, Month(2026, 9), date(2026, 10, 5))["month"] == "2026-09"
