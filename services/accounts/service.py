"""accounts: the payroll-account monitoring service. Keeps each project's dedicated wage
account (农民工工资专用账户), labour-cost allocations (人工费用) and wage deposit (工资保证金),
watches them, and reports the coverage a province is judged on (制度覆盖率). The use cases
are in ``app.py``; this class only translates nameko's entrypoints into them."""
from __future__ import annotations

import logging
from datetime import date

from nameko.events import EventDispatcher
from nameko.exceptions import UnknownService
from nameko.rpc import RpcProxy, rpc

from services.accounts.app import Accounts
from services.accounts.domain import TYPES
from services.accounts.repository import AccountsRepository
from services.accounts.settings import AccountsSettings
from shared.calendar import Month
from shared.contract.alerts import FIRING
from shared.divisions import validate_division
from shared.errors import RecordRefused
from shared.internal import (
    ACCOUNT_RECORDED,
    ALLOCATION_RECORDED,
    DEPOSIT_RECORDED,
    PAYROLL_RECORDED,
    PayrollRecorded,
    Recorded,
    Submission,
)
from shared.nameko import registry as project_registry
from shared.nameko import sweeps
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings

log = logging.getLogger(__name__)
ALERTS_LIST_LIMIT = 1000  # alerts.list_alerts answers at most this many


class AccountsService(project_registry.RegistryFeed, sweeps.MonitoringSweep):
    name = "accounts"
    alert_types = tuple(TYPES)

    health = HealthCheck()

    ledger = Repository(AccountsRepository)
    registry = project_registry.LocalRegistry()
    settings = Settings(AccountsSettings.from_config)
    clock = ClockProvider()
    dispatch = EventDispatcher()
    payroll = RpcProxy("payroll")
    alerts = RpcProxy("alerts")
    workers = RpcProxy("workers")

    def app(self) -> Accounts:
        """The use cases over this worker's adapters (the service's bootstrap)."""
        return Accounts(self.ledger, self.registry, self.dispatch, self.payroll,
                        self._enrolment_counts, self.settings.rules, self.settings.pii_key)

    # --- records (owners of account.opened, allocation.received, deposit.paid) ----------

    @rpc(expected_exceptions=RecordRefused)
    def record_account(self, submission: dict) -> dict:
        """Store an ``account.opened``: the number only as a keyed hash and a masked form."""
        return self.app().record_account(Submission.load(submission))

    @rpc(expected_exceptions=RecordRefused)
    def record_allocation(self, submission: dict) -> dict:
        """Store an ``allocation.received``; the same project, month and day replaces."""
        return self.app().record_allocation(Submission.load(submission))

    @rpc(expected_exceptions=RecordRefused)
    def record_deposit(self, submission: dict) -> dict:
        """Store a ``deposit.paid``; the same project, form and day replaces."""
        return self.app().record_deposit(Submission.load(submission))

    @rpc
    def get_account(self, project_code: str) -> dict | None:
        """The project's dedicated account: bank, masked number, opening date."""
        return self.ledger.account(project_code)

    # --- rules ---------------------------------------------------------------------------

    def _evaluate(self, day: date, isolation, project_codes: list[str] | None = None) -> list[dict]:
        return self.app().evaluate(day, isolation, project_codes)

    def _sweep_log(self):
        return self.ledger.sweeps

    # Registry changes re-evaluate the project at once; new records and payroll resolve at
    # once what they clear (as of today; see MonitoringSweep.reevaluate). A failing event
    # is retried, then parked (shared.nameko.events); the next sweep re-evaluates every project.
    # A malformed event raises ``ValidationError`` as it is loaded: parked with its error.
    @reliable_event_handler("accounts", ACCOUNT_RECORDED)
    def handle_account_recorded(self, body):
        self._records_arrived(Recorded.load(body).project_code)

    @reliable_event_handler("accounts", ALLOCATION_RECORDED)
    def handle_allocation_recorded(self, body):
        self._records_arrived(Recorded.load(body).project_code)

    @reliable_event_handler("accounts", DEPOSIT_RECORDED)
    def handle_deposit_recorded(self, body):
        self._records_arrived(Recorded.load(body).project_code)

    @reliable_event_handler("payroll", PAYROLL_RECORDED)
    def handle_payroll_recorded(self, body):
        self._records_arrived(PayrollRecorded.load(body).project_code)

    def on_project_changed(self, event):
        self.project_changed(event)

    def _records_arrived(self, code: str) -> None:
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
        open_alerts = self.alerts.list_alerts(FIRING, None, division)
        return self.app().coverage(division, period, open_alerts, alerts_complete=len(open_alerts) < ALERTS_LIST_LIMIT)

    @rpc
    def project_coverage(self, project_code: str, month: str | None = None) -> dict | None:
        """Which required systems one project has in place in a month (default: the last
        month whose wages have fallen due): the console's project page."""
        return self.app().project_coverage(project_code, _month(month) if month else None, self.clock.today())

    def _enrolment_counts(self, codes: list[str], month: str) -> dict[str, int] | None:
        """Workers enrolled per project during the month, from the workers service."""
        try:
            return self.workers.enrolment_counts(codes, month)
        except UnknownService:
            log.warning("workers service not running: coverage reports real-name enrolment as unknown")
            return None


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError:
        raise ValueError(f"month: not a month in YYYY-MM form: {text!r}") from None
