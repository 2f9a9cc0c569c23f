"""payroll: records each month's payroll sheet (工资支付表) and watches for missing ones."""
from __future__ import annotations

from datetime import date

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc

from shared.contract.alerts import PAYROLL_MISSING
from shared.contract.fields import to_fen
from shared.internal import CONDITIONS_CLEARED, PAYROLL_RECORDED, PROJECT_CHANGED, PayrollLineFactsSchema
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from shared.nameko import sweeps
from shared.nameko.sweeps import project_subject
from shared.pii import keyed_hash, mask_id_number
from shared.projects import load_facts, submission_problem
from services.payroll.domain import payroll_missing, payroll_missing_fingerprint
from services.payroll.repository import PayrollRepository
from services.payroll.settings import PayrollSettings

_LINE_FACTS = PayrollLineFactsSchema()


class PayrollService(sweeps.MonitoringSweep):
    name = "payroll"
    alert_types = (PAYROLL_MISSING,)

    payrolls = Repository(PayrollRepository)
    health = HealthCheck()
    settings = Settings(PayrollSettings.from_config)
    clock = ClockProvider()
    dispatch = EventDispatcher()
    projects = RpcProxy("projects")
    alerts = RpcProxy("alerts")

    @rpc
    def record_payroll(self, submission: dict) -> dict:
        """Store a ``payroll.paid``; several messages for one project-month merge by worker."""
        payroll = submission["payload"]
        code, month = payroll["project_code"], payroll["month"]
        project = self.projects.get_projects([code]).get(code)
        problem = submission_problem(project, submission["county"])
        if problem:
            return {"errors": {"project_code": [problem]}}
        lines = {keyed_hash(line["id_number"], self.settings.pii_key): self._line(line, payroll, submission)
                 for line in payroll["lines"]}
        self.payrolls.record(code, month, submission["county"], submission["message_id"], lines)
        self.dispatch(CONDITIONS_CLEARED, {"fingerprints": [payroll_missing_fingerprint(code, month)],
                                           "reason": f"payroll for {month} recorded"})
        self.dispatch(PAYROLL_RECORDED, {"project_code": code, "month": month, "workers": len(lines)})
        return {}

    @staticmethod
    def _line(line: dict, payroll: dict, submission: dict) -> dict:
        return {"id_masked": mask_id_number(line["id_number"]),
                "amount_due_fen": to_fen(line["amount_due"]),
                "amount_paid_fen": to_fen(line["amount_paid"]),
                "paid_on": payroll["paid_on"].isoformat(),
                "message_id": submission["message_id"]}

    @rpc
    def payroll_lines(self, keys: list[str]) -> dict[str, dict[str, dict]]:
        """The stored lines of the sheets named ``"<project_code>:<month>"``, by the
        worker's keyed hash: ``{key: {hash: {id_masked, amount_due_fen, amount_paid_fen}}}``.
        A key with no sheet is left out. For the workers service's reconciliation."""
        return {key: {worker: _LINE_FACTS.dump(line) for worker, line in lines.items()}
                for key, lines in self.payrolls.lines_of(keys).items()}

    @rpc
    def project_months(self, project_code: str) -> list[dict]:
        """A project's payroll months for operators: workers paid and totals (no personal data)."""
        return [{"month": doc["month"], "workers": len(doc.get("lines", {})),
                 "amount_due": sum(l["amount_due_fen"] for l in doc.get("lines", {}).values()) / 100,
                 "amount_paid": sum(l["amount_paid_fen"] for l in doc.get("lines", {}).values()) / 100}
                for doc in self.payrolls.project_months(project_code)]

    def _evaluate(self, day: date, isolation, project_codes: list[str] | None = None) -> list[dict]:
        """PAYROLL_MISSING for every project-month past due without payroll, as of a date."""
        found = (self.projects.list_projects() if project_codes is None
                 else self.projects.get_projects(project_codes).values())
        paid, rules = self.payrolls.paid_months(project_codes), self.settings.rules
        return isolation.each(map(load_facts, found), lambda p: payroll_missing([p], paid, day, rules),
                              project_subject)

    @rpc
    def month_totals(self, months: list[str] | None, project_codes: list[str] | None = None) -> list[dict]:
        """Totals of the sheets recorded for ``months`` (None: every month), one row per project-month:
        ``{project_code, month, workers, workers_short, amount_due_fen, amount_paid_fen}``."""
        return self.payrolls.month_totals(months, project_codes)

    @rpc
    def paid_to_date(self, project_codes: list[str] | None = None) -> dict[str, int]:
        """Fen paid out per project over all its sheets (projects with none are absent)."""
        return self.payrolls.paid_to_date(project_codes)

    # A status or date change re-evaluates the project's alerts now, as of today. Not
    # requeued on error: the next sweep re-evaluates every project anyway.
    @reliable_event_handler("projects", PROJECT_CHANGED)
    def handle_project_changed(self, body):
        self.project_changed(body)

    def _sweep_log(self):
        return self.payrolls.sweeps
