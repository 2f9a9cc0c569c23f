"""payroll's use cases over fakes: recording a sheet and the sweep's PAYROLL_MISSING, with
project facts from the service's local registry (no projects service, no broker)."""
from __future__ import annotations

from datetime import date

import pytest

from services.payroll.app import Payroll
from services.payroll.domain import PayrollRules
from shared.contract.messages import PayrollSchema
from shared.errors import RecordRefused
from shared.internal import CONDITIONS_CLEARED, PAYROLL_RECORDED, Submission
from shared.registry import InMemoryRegistryStore, LocalProjectRegistry
from shared.sweeps import Isolation
from tests.factories import COUNTY, OTHER_COUNTY, payroll, project_facts, worker_id
from tests.unit.fakes import FakeEvents, FakePayrollStore, FakeProjectSource

CODE = "430102-2026-0001"
KEY = b"unit-test-key"


@pytest.fixture
def source():
    return FakeProjectSource()


@pytest.fixture
def use_cases(source):
    registry = LocalProjectRegistry(InMemoryRegistryStore([project_facts(1)]), source)
    return Payroll(FakePayrollStore(), registry, FakeEvents(), PayrollRules(), KEY)


def submission(payload, county=COUNTY, message_id="m1"):
    return Submission(county=county, message_id=message_id, type="payroll.paid", sent_at="", received_at="",
                      payload=PayrollSchema().load(payload))


def test_a_sheet_is_stored_by_keyed_hash_with_masked_ids_and_announced(use_cases, source):
    assert use_cases.record(submission(payroll("2026-08", workers=2))) == {}
    sheet = use_cases.payrolls.sheets[(CODE, "2026-08")]
    assert len(sheet["lines"]) == 2 and worker_id(1) not in str(sheet)
    assert worker_id(1)[:3] + "*" * 11 + worker_id(1)[-4:] in str(sheet)
    assert [event for event, _ in use_cases.dispatch.sent] == [CONDITIONS_CLEARED, PAYROLL_RECORDED]
    assert use_cases.dispatch.sent[1][1] == {"project_code": CODE, "month": "2026-08", "workers": 2}
    assert source.asked == []   # the project came from the local registry


def test_messages_for_one_month_merge_by_worker(use_cases):
    use_cases.record(submission(payroll("2026-08", workers=2), message_id="m1"))
    use_cases.record(submission(payroll("2026-08", workers=3), message_id="m2"))
    sheet = use_cases.payrolls.sheets[(CODE, "2026-08")]
    assert len(sheet["lines"]) == 3 and sheet["message_ids"] == {"m1", "m2"}


@pytest.mark.parametrize("payload, county, problem", [
    (payroll("2026-08", project_code="NOPE"), COUNTY, "Unknown project: register it with project.upsert first."),
    (payroll("2026-08"), OTHER_COUNTY, "Belongs to another county's project registry."),
])
def test_a_sheet_the_county_may_not_send_is_refused_naming_the_field(use_cases, payload, county, problem):
    with pytest.raises(RecordRefused) as refused:
        use_cases.record(submission(payload, county))
    assert refused.value.errors == {"project_code": [problem]}
    assert use_cases.payrolls.sheets == {} and use_cases.dispatch.sent == []


def test_the_sweep_finds_each_month_past_due_without_a_sheet(use_cases):
    use_cases.record(submission(payroll("2026-09")))
    found = use_cases.evaluate(date(2026, 11, 20), Isolation("payroll"))
    assert [(c["month"], c["severity"]) for c in found] == [("2026-08", "red"), ("2026-10", "orange")]


def test_a_project_the_rule_cannot_evaluate_is_skipped_not_the_sweep(source):
    broken = {**project_facts(1, project_code="430102-2026-0002"), "pay_day": 0}   # no such day: the rule raises
    registry = LocalProjectRegistry(InMemoryRegistryStore([project_facts(1), broken]), source)
    use_cases = Payroll(FakePayrollStore(), registry, FakeEvents(), PayrollRules(), KEY)
    isolation = Isolation("payroll")
    found = use_cases.evaluate(date(2026, 9, 20), isolation)
    assert {c["project_code"] for c in found} == {CODE}
    assert isolation.unevaluated() == ["430102-2026-0002"]


def test_a_re_evaluation_reads_only_the_projects_named(use_cases):
    registry = use_cases.registry
    registry.store.apply(project_facts(1, project_code="430102-2026-0002"))
    found = use_cases.evaluate(date(2026, 9, 20), Isolation("payroll"), ["430102-2026-0002"])
    assert {c["project_code"] for c in found} == {"430102-2026-0002"}
