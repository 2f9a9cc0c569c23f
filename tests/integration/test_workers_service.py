"""The workers service in a real container, with the registry, payroll and alerts."""
from __future__ import annotations

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.alerts.service import AlertsService
from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from services.workers.repository import WorkersRepository
from services.workers.service import WorkersService
from shared.contract.client import alerts_listener
from shared.contract.messages import AttendanceSchema, PayrollSchema, ProjectSchema, WorkerEnrolmentSchema, WorkerExitSchema
from shared.internal import PAYROLL_RECORDED
from shared.nameko.providers import Repository
from shared.pii import mask_id_number
from shared.storage import database_for
from testkit.synthetic import phone
from tests.factories import COUNTY, OTHER_COUNTY, clock_in, enrolment, month_of_clock_ins, payroll, project, worker_id

CODE = f"{COUNTY}-2026-0001"
SCHEMAS = {"worker.enrol": WorkerEnrolmentSchema(), "worker.exit": WorkerExitSchema(),
           "attendance.batch": AttendanceSchema()}
METHODS = {"worker.enrol": "enrol_workers", "worker.exit": "record_exits", "attendance.batch": "record_attendance"}


@pytest.fixture
def services(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService, WorkersService, AlertsService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    for code, county in ((CODE, COUNTY), ("P-OTHER", OTHER_COUNTY)):
        with entrypoint_hook(containers["projects"], "register_project") as register:
            register({"county": county, "message_id": code, "type": "project.upsert",
                      "payload": ProjectSchema().load(project(project_code=code, division=county,
                                                              start_date="2026-10-01"))})
    return containers


def submit(services, message_type, records, county=COUNTY, message_id="m1"):
    schema = SCHEMAS[message_type]
    with entrypoint_hook(services["workers"], METHODS[message_type]) as hook:
        return hook({"county": county, "message_id": message_id, "type": message_type,
                     "records": [{"index": i, "record": schema.load(r)} for i, r in enumerate(records)]})


def call(services, method, *args):
    with entrypoint_hook(services["workers"], method) as hook:
        return hook(*args)


class CountingCollection:
    """A collection that counts the calls that go to the database (round trips)."""

    def __init__(self, collection, calls):
        self._collection, self._calls = collection, calls

    def __getattr__(self, name):
        attribute = getattr(self._collection, name)
        if not callable(attribute):
            return attribute

        def counted(*args, **kwargs):
            self._calls.append(f"{self._collection.name}.{name}")
            return attribute(*args, **kwargs)
        return counted


class CountingDatabase:
    def __init__(self, database):
        self._database, self.calls = database, []

    def __getitem__(self, name):
        return CountingCollection(self._database[name], self.calls)


def count_storage_calls(container, config) -> list[str]:
    provider = next(d for d in container.dependencies if isinstance(d, Repository))
    counting = CountingDatabase(database_for(config["MONGO_URI"], "workers"))
    provider.repository = WorkersRepository(counting)
    return counting.calls


def test_a_1000_record_batch_costs_a_handful_of_storage_calls_and_rolls_up_distinct_days(services, config):
    submit(services, "worker.enrol", [enrolment(i) for i in range(1, 26)])
    records = month_of_clock_ins(range(1, 26), "2026-10", range(1, 21))
    assert len(records) == 1000
    calls = count_storage_calls(services["workers"], config)
    assert submit(services, "attendance.batch", records) == {"rejected": []}
    print("storage calls for a 1000-record batch:", calls)
    assert len(calls) <= 6, calls   # enrolments, previous last days, and one bulk write per collection
    assert calls.count("attendance.bulk_write") == 1

    submit(services, "attendance.batch", records)   # a redelivery writes the same values again
    summary = call(services, "attendance_summary", CODE, "2026-10")
    assert (summary["attended"], summary["worker_days"]) == (25, 500)
    assert {w["days"] for w in summary["workers"]} == {20}


def test_what_is_stored_keeps_no_full_id_number_or_phone(services, config):
    submit(services, "worker.enrol", [enrolment(1), enrolment(2, contract_signed=False)])
    submit(services, "attendance.batch", [clock_in(1), clock_in(2), clock_in(3)])
    database = database_for(config["MONGO_URI"], "workers")
    stored = str([list(database[name].find()) for name in database.list_collection_names()])
    assert not any(secret in stored for i in (1, 2, 3) for secret in (worker_id(i), phone(i)))
    assert mask_id_number(worker_id(1)) in stored and "李建国" in stored


def test_records_for_another_countys_project_or_someone_not_enrolled_are_refused_by_index(services):
    answer = submit(services, "worker.enrol", [enrolment(1), enrolment(2, project_code="P-OTHER"),
                                               enrolment(3, project_code="NOPE")])
    assert answer == {"rejected": [
        {"index": 1, "errors": {"project_code": ["Belongs to another county's project registry."]}},
        {"index": 2, "errors": {"project_code": ["Unknown project: register it with project.upsert first."]}}]}
    exits = submit(services, "worker.exit", [{"project_code": CODE, "id_number": worker_id(2), "exit_date": "2026-10-09"},
                                             {"project_code": CODE, "id_number": worker_id(1), "exit_date": "2026-09-09"}])
    assert exits == {"rejected": [
        {"index": 0, "errors": {"id_number": ["Not enrolled on this project."]}},
        {"index": 1, "errors": {"exit_date": ["Must not be before the worker's entry date (2026-10-01)."]}}]}


def test_enrolment_counts_count_everyone_enrolled_at_any_time_in_the_month(services):
    submit(services, "worker.enrol", [enrolment(1, entry_date="2026-09-01"), enrolment(2, entry_date="2026-10-31"),
                                      enrolment(3, entry_date="2026-11-01"), enrolment(4, entry_date="2026-08-01")])
    submit(services, "worker.exit", [{"project_code": CODE, "id_number": worker_id(4), "exit_date": "2026-09-30"},
                                     {"project_code": CODE, "id_number": worker_id(1), "exit_date": "2026-10-01"}])
    counts = call(services, "enrolment_counts", [CODE, "P-OTHER", "NOPE"], "2026-10")
    assert counts == {CODE: 2, "P-OTHER": 0, "NOPE": 0}
    assert call(services, "enrolment_counts", [CODE], "2026-09") == {CODE: 2}
    assert call(services, "enrolment_counts", [CODE], "2026-11") == {CODE: 2}


def test_the_roster_is_masked_and_knows_who_is_on_site(services):
    submit(services, "worker.enrol", [enrolment(1, name="张建军"), enrolment(2, name="王小明", team="木工班")])
    submit(services, "worker.exit", [{"project_code": CODE, "id_number": worker_id(2), "exit_date": "2026-10-20"}])
    roster = call(services, "roster", CODE, "2026-10-25")
    assert (roster["enrolled"], roster["on_site"]) == (2, 1)
    assert [(w["name_masked"], w["on_site"], w["exit_date"]) for w in roster["workers"]] == [
        ("王**", False, "2026-10-20"), ("张**", True, None)]
    assert not any(secret in str(roster) for secret in (worker_id(1), phone(1), "张建军"))


def test_the_sweep_raises_once_recomputes_only_what_changed_and_payroll_clears_at_once(services, config):
    desk = alerts_listener(config["AMQP_URI"], department="hrss", division=COUNTY)
    submit(services, "worker.enrol", [enrolment(1), enrolment(2)])
    submit(services, "attendance.batch", month_of_clock_ins([1, 2], "2026-10", range(1, 29)))
    with entrypoint_hook(services["payroll"], "record_payroll") as record:
        record({"county": COUNTY, "message_id": "pay-1", "type": "payroll.paid",
                "payload": PayrollSchema().load(payroll("2026-10", workers=1, project_code=CODE))})
    first = call(services, "sweep", "2026-11-20")
    again = call(services, "sweep", "2026-11-20")
    raised = sorted((a["type"], a["project_code"]) for a in first["raised"])
    assert raised == [("HEADCOUNT_MISMATCH", CODE), ("NO_ATTENDANCE", CODE), ("NO_ATTENDANCE", "P-OTHER"),
                      ("WORKER_UNPAID", CODE)]
    assert again["raised"] == [] and again["resolved"] == []
    repository = WorkersRepository(database_for(config["MONGO_URI"], "workers"))
    assert repository.project_month(CODE, "2026-10")["stale"] is False

    with entrypoint_hook(services["payroll"], "record_payroll") as record:
        record({"county": COUNTY, "message_id": "pay-2", "type": "payroll.paid",
                "payload": PayrollSchema().load(payroll("2026-10", workers=2, project_code=CODE))})
    messages = desk.wait_for(4)
    desk.close()
    assert sorted((m["body"]["type"], m["body"]["status"]) for m in messages[2:]) == [
        ("HEADCOUNT_MISMATCH", "resolved"), ("WORKER_UNPAID", "resolved")]
    assert repository.project_month(CODE, "2026-10")["has_findings"] is False


def test_a_malformed_payroll_recorded_event_is_parked_at_once_with_its_error(services, config, caplog):
    with entrypoint_waiter(services["workers"], "handle_payroll_recorded"):
        event_dispatcher(config)("payroll", PAYROLL_RECORDED, {"month": "2026-10"})
    assert "parking payroll_recorded event after 1 attempt(s)" in caplog.text
    assert "'project_code': ['Missing data for required field.']" in caplog.text
