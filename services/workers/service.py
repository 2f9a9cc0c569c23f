"""workers: real-name records (实名制). Enrolments, exits and gate clock-ins; reconciles
attendance against payroll and watches sites whose gate records are out of order.

The rules and use cases are in ``app.py``; this class only turns entrypoints into calls
(``bootstrap`` wires the real adapters: the service's repository, its own copy of the
project registry, the payroll and alerts services' RPC)."""
from __future__ import annotations

from datetime import date

from nameko.rpc import RpcProxy, rpc

from services.workers.app import Workers
from services.workers.reconciliation import RECONCILED_TYPES
from services.workers.repository import WorkersRepository
from services.workers.settings import WorkersSettings
from services.workers.site_rules import SITE_TYPES
from shared.calendar import Month
from shared.internal import PAYROLL_RECORDED, PayrollRecorded, Submission
from shared.nameko import registry as project_registry
from shared.nameko import sweeps
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from shared.sweeps import Isolation


def bootstrap(service: WorkersService) -> Workers:
    """The use cases over the real adapters a worker of the service was given."""
    return Workers(records=service.records, registry=service.registry, payroll=service.payroll,
                   alerts=service.alerts, settings=service.settings, today=service.clock.today)


class WorkersService(project_registry.RegistryFeed, sweeps.MonitoringSweep):
    name = "workers"
    alert_types = (*RECONCILED_TYPES, *SITE_TYPES)

    health = HealthCheck()

    records = Repository(WorkersRepository)
    settings = Settings(WorkersSettings.from_config)
    clock = ClockProvider()
    registry = project_registry.LocalRegistry()
    payroll = RpcProxy("payroll")
    alerts = RpcProxy("alerts")

    # Ingress owners ----------------------------------------------------------------------

    @rpc
    def enrol_workers(self, submission: dict) -> dict:
        """Store a ``worker.enrol`` batch; answers the refused records by index."""
        return bootstrap(self).enrol(Submission.load(submission))

    @rpc
    def record_exits(self, submission: dict) -> dict:
        """Store a ``worker.exit`` batch; answers the refused records by index."""
        return bootstrap(self).record_exits(Submission.load(submission))

    @rpc
    def record_attendance(self, submission: dict) -> dict:
        """Store an ``attendance.batch``; answers the refused clock-ins by index."""
        return bootstrap(self).record_attendance(Submission.load(submission))

    # Questions other services and operators ask ----------------------------------------

    @rpc
    def enrolment_counts(self, project_codes: list[str], month: str) -> dict[str, int]:
        return bootstrap(self).enrolment_counts(project_codes, Month.parse(month))

    @rpc
    def roster(self, project_code: str, as_of: str | None = None) -> dict:
        return bootstrap(self).roster(project_code, date.fromisoformat(as_of) if as_of else None)

    @rpc
    def attendance_summary(self, project_code: str, month: str) -> dict:
        return bootstrap(self).attendance_summary(project_code, Month.parse(month))

    # Monitoring ------------------------------------------------------------------------

    def _evaluate(self, day: date, isolation: Isolation, project_codes: list[str] | None = None) -> list[dict]:
        # Only sweeps call it: records re-evaluate nothing here but what they clear.
        return bootstrap(self).evaluate(day, isolation)

    # Retried on error, then parked (marking the month is a single write that fails only
    # with storage away); a malformed event is parked at once with its error.
    @reliable_event_handler("payroll", PAYROLL_RECORDED)
    def handle_payroll_recorded(self, body):
        bootstrap(self).payroll_recorded(PayrollRecorded.load(body))

    def _sweep_log(self):
        return self.records.sweeps
