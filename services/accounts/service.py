"""accounts: the payroll-account monitoring service. Keeps each project's dedicated wage
account (农民工工资专用账户), labour-cost allocations (人工费用) and wage deposit (工资保证金),
watches them, and reports the coverage a province is judged on (制度覆盖率)."""
from __future__ import annotations

import logging
from datetime import date

from marshmallow import ValidationError
from nameko.events import EventDispatcher
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy, rpc

from shared.calendar import Month
from shared.contract.alerts import FIRING
from shared.contract.fields import to_fen
from shared.divisions import validate_division
from shared.expectations import last_month_due, works_in
from shared.internal import (
    ACCOUNT_RECORDED, ALLOCATION_RECORDED, DEPOSIT_RECORDED, PAYROLL_RECORDED, PROJECT_CHANGED, RecordedSchema,
)
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from shared.nameko import sweeps
from shared.nameko.sweeps import project_subject
from shared.pii import keyed_hash, mask_account
from shared.projects import load_facts, submission_problem
from services.accounts.coverage import coverage, project_systems
from services.accounts.domain import TYPES, Facts, evaluate
from services.accounts.repository import AccountsRepository
from services.accounts.settings import AccountsSettings

log = logging.getLogger(__name__)
_RECORDED = RecordedSchema()
ALERTS_LIST_LIMIT = 1000  # alerts.list_alerts answers at most this many


class AccountsService(sweeps.MonitoringSweep):
    name = "accounts"
    alert_types = tuple(TYPES)

    health = HealthCheck()

    ledger = Repository(AccountsRepository)
    settings = Settings(AccountsSettings.from_config)
    clock = ClockProvider()
    dispatch = EventDispatcher()
    projects = RpcProxy("projects")
    payroll = RpcProxy("payroll")
    alerts = RpcProxy("alerts")
    workers = RpcProxy("workers")

    # --- records (owners of account.opened, allocation.received, deposit.paid) ----------

    @rpc
    def record_account(self, submission: dict) -> dict:
        """Store an ``account.opened``: the number only as a keyed hash and a masked form."""
        payload = submission["payload"]
        refusal = self._refusal(payload["project_code"], submission["county"])
        if refusal:
            return refusal
        account = {"bank": payload["bank"], "opened_on": payload["opened_on"],
                   "account_hash": keyed_hash(payload["account_no"], self.settings.pii_key),
                   "account_masked": mask_account(payload["account_no"])}
        self.ledger.open_account(payload["project_code"], account, submission["county"], submission["message_id"])
        self.dispatch(ACCOUNT_RECORDED, {"project_code": payload["project_code"]})
        return {}

    @rpc
    def record_allocation(self, submission: dict) -> dict:
        """Store an ``allocation.received``; the same project, month and day replaces."""
        payload = submission["payload"]
        refusal = self._refusal(payload["project_code"], submission["county"])
        if refusal:
            return refusal
        self.ledger.record_allocation(payload["project_code"], payload["month"], payload["received_on"],
                                      to_fen(payload["amount"]), submission["county"], submission["message_id"])
        self.dispatch(ALLOCATION_RECORDED, {"project_code": payload["project_code"], "month": payload["month"]})
        return {}

    @rpc
    def record_deposit(self, submission: dict) -> dict:
        """Store a ``deposit.paid``; the same project, form and day replaces."""
        payload = submission["payload"]
        refusal = self._refusal(payload["project_code"], submission["county"])
        if refusal:
            return refusal
        self.ledger.record_deposit(payload["project_code"], payload["form"], payload["paid_on"],
                                   to_fen(payload["amount"]), submission["county"], submission["message_id"])
        self.dispatch(DEPOSIT_RECORDED, {"project_code": payload["project_code"]})
        return {}

    def _refusal(self, code: str, county: str) -> dict | None:
        problem = submission_problem(self.projects.get_projects([code]).get(code), county)
        return {"errors": {"project_code": [problem]}} if problem else None

    @rpc
    def get_account(self, project_code: str) -> dict | None:
        """The project's dedicated account: bank, masked number, opening date."""
        return self.ledger.account(project_code)

    # --- rules ---------------------------------------------------------------------------

    def _evaluate(self, day: date, isolation, project_codes: list[str] | None = None) -> list[dict]:
        """The four rules over every project (or those named) as of a date."""
        found = (self.projects.list_projects() if project_codes is None
                 else self.projects.get_projects(project_codes).values())
        facts, rules = self._facts(project_codes, day), self.settings.rules
        return isolation.each(map(load_facts, found), lambda p: evaluate([p], facts, day, rules), project_subject)

    def _sweep_log(self):
        return self.ledger.sweeps

    def _facts(self, project_codes: list[str] | None, as_of: date) -> Facts:
        """Everything the rules read, in four queries whatever the number of projects.
        Payroll months: those that can be the next pay month (as_of's or the one before)
        and the month before each, whose payroll estimates the next; paid to date: every
        sheet's payout (one ask for the totals of every sheet gives both)."""
        facts = self.ledger.facts(project_codes)
        months = {str(Month.of(as_of).shift(back)) for back in (-2, -1, 0)}
        paid: dict[str, int] = {}
        for row in self.payroll.month_totals(None, project_codes):
            paid[row["project_code"]] = paid.get(row["project_code"], 0) + row["amount_paid_fen"]
            if row["month"] in months:
                facts.payroll[(row["project_code"], row["month"])] = row
        facts.paid_to_date = paid
        return facts

    # Registry changes re-evaluate the project at once; new records and payroll resolve at
    # once what they clear (as of today; see MonitoringSweep.reevaluate). Not requeued on
    # error: the next sweep re-evaluates every project.
    @reliable_event_handler("accounts", ACCOUNT_RECORDED)
    def handle_account_recorded(self, body):
        self._records_arrived(_project_of(body))

    @reliable_event_handler("accounts", ALLOCATION_RECORDED)
    def handle_allocation_recorded(self, body):
        self._records_arrived(_project_of(body))

    @reliable_event_handler("accounts", DEPOSIT_RECORDED)
    def handle_deposit_recorded(self, body):
        self._records_arrived(_project_of(body))

    @reliable_event_handler("payroll", PAYROLL_RECORDED)
    def handle_payroll_recorded(self, body):
        self._records_arrived(_project_of(body))

    @reliable_event_handler("projects", PROJECT_CHANGED)
    def handle_project_changed(self, body):
        self.project_changed(body)

    def _records_arrived(self, code: str | None) -> None:
        if code is not None:
            self.reevaluate([code], resolve_only=True)

    # --- the coverage report -------------------------------------------------------------

    @rpc
    def coverage(self, division: str, month: str) -> dict:
        """Coverage of the required systems among a division's projects under construction
        in a month (county, city or province), and the alerts open there now."""
        period = _month(month)
        problems = validate_division(division)
        if problems:
            raise ValueError(f"division: {problems[0]}")
        projects = [load_facts(p) for p in self.projects.list_projects(division)]
        codes = [p["project_code"] for p in projects if works_in(p, period)]
        facts = self.ledger.facts(codes)
        facts.payroll = {(r["project_code"], r["month"]): r for r in self.payroll.month_totals([month], codes)}
        open_alerts = self.alerts.list_alerts(FIRING, None, division)
        return coverage(division, period, projects, facts, self._enrolment_counts(codes, month), open_alerts,
                        self.settings.rules, alerts_complete=len(open_alerts) < ALERTS_LIST_LIMIT)

    @rpc
    def project_coverage(self, project_code: str, month: str | None = None) -> dict | None:
        """Which required systems one project has in place in a month (default: the last
        month whose wages have fallen due): the console's project page."""
        found = self.projects.get_projects([project_code]).get(project_code)
        if found is None:
            return None
        project = load_facts(found)
        period = _month(month) if month else last_month_due(project, self.clock.today())
        facts = self.ledger.facts([project_code])
        facts.payroll = {(r["project_code"], r["month"]): r
                         for r in self.payroll.month_totals([str(period)], [project_code])}
        enrolled = self._enrolment_counts([project_code], str(period))
        return project_systems(project, period, facts, enrolled, self.settings.rules)

    def _enrolment_counts(self, codes: list[str], month: str) -> dict[str, int] | None:
        """Workers enrolled per project during the month, from the workers service."""
        if not codes:
            return {}
        try:
            return self.workers.enrolment_counts(codes, month)
        except UnknownService:
            log.warning("workers service not running: coverage reports real-name enrolment as unknown")
            return None


def _project_of(body: dict) -> str | None:
    try:
        return _RECORDED.load(body)["project_code"]
    except ValidationError as exc:
        log.error("ignoring malformed record event: %s", exc.messages)
        return None


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError:
        raise ValueError(f"month: not a month in YYYY-MM form: {text!r}") from None
