"""payroll: records each month's payroll sheet (工资支付表) and watches for missing ones."""
from __future__ import annotations

from datetime import date

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from shared.contract.alerts import PAYROLL_MISSING
from shared.contract.fields import to_fen
from shared.internal import CONDITIONS_CLEARED, PAYROLL_RECORDED
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from shared.pii import keyed_hash, mask_id_number
from shared.projects import load_facts, submission_problem
from services.payroll.domain import payroll_missing, payroll_missing_fingerprint
from services.payroll.repository import PayrollRepository
from services.payroll.settings import PayrollSettings


class PayrollService:
    name = "payroll"

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
    def sweep(self, as_of: str) -> dict:
        """Raise PAYROLL_MISSING for every project-month past due without payroll, as of a date."""
        day = date.fromisoformat(as_of)
        projects = [load_facts(p) for p in self.projects.list_projects()]
        conditions = payroll_missing(projects, self.payrolls.paid_months(), day, self.settings.rules)
        return self.alerts.reconcile("payroll", [PAYROLL_MISSING], as_of, conditions)

    @timer(interval=60)
    def sweep_daily(self):
        """Run the sweep once a day with today's date (every instance asks; one wins)."""
        if self.settings.daily_sweep:
            today = self.clock.today().isoformat()
            if self.payrolls.claim_sweep(today):
                self.sweep(today)
