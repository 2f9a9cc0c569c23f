"""The workers service's use cases over fakes: project facts come from the service's own
copy of the registry (the projects service is asked only about a code the copy does not
know, and once to fill an empty copy), clock-ins clear a silent site's alert at once, and
a payroll whose reconciliation fails leaves its month to the next sweep."""
from __future__ import annotations

from datetime import date

from services.workers.app import Workers
from services.workers.settings import WorkersSettings
from shared.contract.alerts import NO_ATTENDANCE
from shared.contract.messages import AttendanceSchema, WorkerEnrolmentSchema, WorkerExitSchema
from shared.internal import PayrollRecorded, Submission
from shared.projects import UNKNOWN_PROJECT
from shared.registry import InMemoryRegistryStore, LocalProjectRegistry
from shared.sweeps import Isolation
from tests.factories import COUNTY, OTHER_COUNTY, clock_in, enrolment, project_facts
from tests.unit.fake_worker_records import FakeWorkerRecords
from tests.unit.fakes import FakeAlerts, FakePayroll, FakeProjectSource, FixedClock

CODE = f"{COUNTY}-2026-0001"
OTHERS = f"{OTHER_COUNTY}-2026-0001"
UNKNOWN = f"{COUNTY}-2026-9999"
SCHEMAS = {"enrol": WorkerEnrolmentSchema(), "exit": WorkerExitSchema(), "attendance": AttendanceSchema()}


class Province:
    """The use cases over fakes: their storage, a local registry copy and their neighbours."""

    def __init__(self, *stored: dict, known_to_projects: tuple[dict, ...] = (), backfilled: bool = True,
                 now: str = "2026-10-20T09:00:00+08:00"):
        self.source = FakeProjectSource(*stored, *known_to_projects)
        self.registry = LocalProjectRegistry(InMemoryRegistryStore(stored, backfilled), self.source)
        self.records = FakeWorkerRecords()
        self.alerts, self.payroll, self.clock = FakeAlerts(), FakePayroll(), FixedClock(now)
        self.app = Workers(records=self.records, registry=self.registry, payroll=self.payroll, alerts=self.alerts,
                           settings=WorkersSettings.from_config({"PII_HASH_KEY": "unit"}), today=self.clock.today)

    def submit(self, kind: str, records: list[dict], county: str = COUNTY) -> dict:
        submission = Submission.load({"county": county, "message_id": "m1", "type": kind, "records": [
            {"index": i, "record": SCHEMAS[kind].load(r)} for i, r in enumerate(records)]})
        use_case = {"enrol": self.app.enrol, "exit": self.app.record_exits, "attendance": self.app.record_attendance}
        return use_case[kind](submission)


def on_site(**overrides) -> dict:
    return project_facts(project_code=CODE, division=COUNTY, start_date="2026-10-01", **overrides)


def test_records_for_projects_the_local_copy_knows_ask_the_projects_service_nothing():
    province = Province(on_site(), project_facts(project_code=OTHERS, division=OTHER_COUNTY))
    answer = province.submit("enrol", [enrolment(1), enrolment(2, project_code=OTHERS),
                                       enrolment(3, project_code=UNKNOWN)])
    assert answer["rejected"] == [
        {"index": 1, "errors": {"project_code": ["Belongs to another county's project registry."]}},
        {"index": 2, "errors": {"project_code": [UNKNOWN_PROJECT]}}]
    assert province.source.asked == [[UNKNOWN]], "one call, for the unknown code only"
    assert province.app.roster(CODE, date(2026, 10, 20))["enrolled"] == 1


def test_a_project_registered_a_moment_ago_is_found_by_one_call_and_kept():
    province = Province(known_to_projects=(on_site(),))   # project_registered not here yet
    assert province.submit("enrol", [enrolment(1)]) == {"rejected": []}
    assert province.submit("exit", [{"project_code": CODE, "id_number": enrolment(1)["id_number"],
                                     "exit_date": "2026-10-15"}]) == {"rejected": []}
    assert province.source.asked == [[CODE]]
    assert province.app.roster(CODE, date(2026, 10, 20))["on_site"] == 0


def test_a_sweep_reads_the_local_copy_filling_an_empty_one_once():
    province = Province(known_to_projects=(on_site(),), backfilled=False)
    for day in (date(2026, 10, 20), date(2026, 10, 21)):
        found = province.app.evaluate(day, Isolation("workers"))
        assert [c["type"] for c in found] == [NO_ATTENDANCE]
    assert province.source.asked == [None], "one list_projects, to fill the copy; none per sweep"


def test_clock_ins_on_a_silent_site_clear_its_alert_at_once_and_strangers_are_refused_by_index():
    province = Province(on_site())
    [silent] = province.app.evaluate(date(2026, 10, 20), Isolation("workers"))
    province.submit("enrol", [enrolment(1)])
    answer = province.submit("attendance", [clock_in(1, at="2026-10-20T07:31:00+08:00"),
                                            clock_in(2, at="2026-10-20T07:32:00+08:00")])
    assert [r["index"] for r in answer["rejected"]] == [1]
    assert province.alerts.cleared == [([silent["fingerprint"]], "clock-ins resumed")]


def test_a_payroll_whose_reconciliation_fails_leaves_its_month_to_the_next_sweep():
    province = Province(on_site())
    province.submit("enrol", [enrolment(1)])
    province.submit("attendance", [clock_in(1, at="2026-10-08T07:31:00+08:00")])
    for day in (date(2026, 12, 20), date(2026, 12, 21)):   # reconciled once, then past the recheck window
        province.app.evaluate(day, Isolation("workers"))
    assert province.payroll.asked == [[f"{CODE}:2026-10"]]
    province.payroll.away = True
    province.app.payroll_recorded(PayrollRecorded(project_code=CODE, month="2026-10"))   # does not raise: the event is done with
    province.payroll.away = False
    province.app.evaluate(date(2026, 12, 22), Isolation("workers"))
    assert province.payroll.asked[1:] == [[f"{CODE}:2026-10"]]
