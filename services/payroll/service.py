"""payroll: records each month's payroll sheet (工资支付表) and watches for missing ones.
The use cases are in ``app.py``; this class only translates nameko's entrypoints into them."""
from __future__ import annotations

from datetime import date

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc

from services.payroll.app import Payroll
from services.payroll.repository import PayrollRepository
from services.payroll.settings import PayrollSettings
from shared.contract.alerts import PAYROLL_MISSING
from shared.errors import RecordRefused
from shared.internal import PayrollLineFacts, Submission
from shared.nameko import registry as project_registry
from shared.nameko import sweeps
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings


class PayrollService(project_registry.RegistryFeed, sweeps.MonitoringSweep):
    name = "payroll"
    alert_types = (PAYROLL_MISSING,)

    payrolls = Repository(PayrollRepository)
    registry = project_registry.LocalRegistry()
    health = HealthCheck()
    settings = Settings(PayrollSettings.from_config)
    clock = ClockProvider()
    dispatch = EventDispatcher()
    alerts = RpcProxy("alerts")

    def app(self) -> Payroll:
        """The use cases over this worker's adapters (the service's bootstrap)."""
        return Payroll(self.payrolls, self.registry, self.dispatch, self.settings.rules, self.settings.pii_key)

    @rpc(expected_exceptions=RecordRefused)
    def record_payroll(self, submission: dict) -> dict:
        """Store a ``payroll.paid``; several messages for one project-month merge by worker."""
        return self.app().record(Submission.load(submission))

    @rpc
    def payroll_lines(self, keys: list[str]) -> dict[str, dict[str, dict]]:
        """The stored lines of the sheets named ``"<project_code>:<month>"``, by the
        worker's keyed hash: ``{key: {hash: {id_masked, amount_due_fen, amount_paid_fen}}}``.
        A key with no sheet is left out. For the workers service's reconciliation."""
        return {key: {worker: PayrollLineFacts.SCHEMA.dump(line) for worker, line in lines.items()}
                for key, lines in self.payrolls.lines_of(keys).items()}

    @rpc
    def project_months(self, project_code: str) -> list[dict]:
        """A project's payroll months for operators: workers paid and totals (no personal data)."""
        return [{"month": doc["month"], "workers": len(doc.get("lines", {})),
                 "amount_due": sum(line["amount_due_fen"] for line in doc.get("lines", {}).values()) / 100,
                 "amount_paid": sum(line["amount_paid_fen"] for line in doc.get("lines", {}).values()) / 100}
                for doc in self.payrolls.project_months(project_code)]

    def _evaluate(self, day: date, isolation, project_codes: list[str] | None = None) -> list[dict]:
        return self.app().evaluate(day, isolation, project_codes)

    @rpc
    def month_totals(self, months: list[str] | None, project_codes: list[str] | None = None) -> list[dict]:
        """Totals of the sheets recorded for ``months`` (None: every month), one row per project-month:
        ``{project_code, month, workers, workers_short, amount_due_fen, amount_paid_fen}``."""
        return self.payrolls.month_totals(months, project_codes)

    @rpc
    def paid_to_date(self, project_codes: list[str] | None = None) -> dict[str, int]:
        """Fen paid out per project over all its sheets (projects with none are absent)."""
        return self.payrolls.paid_to_date(project_codes)

    def on_project_changed(self, event):
        """A change to what a project owes re-evaluates its alerts now, as of today (the
        event is retried, then parked, on error; the next sweep re-evaluates every project)."""
        self.project_changed(event)

    def _sweep_log(self):
        return self.payrolls.sweeps
