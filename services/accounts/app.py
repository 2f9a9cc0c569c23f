"""accounts' use cases: record a project's dedicated wage account (农民工工资专用账户),
labour-cost allocations (人工费用) and wage deposit (工资保证金); evaluate the four account
rules; report coverage (制度覆盖率). Plain Python over ports; ``service.py`` wires nameko's
adapters, ``tests/unit/test_accounts_app.py`` wires fakes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from services.accounts.coverage import coverage, project_systems
from services.accounts.domain import AccountRules, Facts, evaluate
from shared.calendar import Month
from shared.contract.fields import to_fen
from shared.divisions import covers
from shared.errors import RecordRefused
from shared.expectations import last_month_due, works_in
from shared.internal import ACCOUNT_RECORDED, ALLOCATION_RECORDED, DEPOSIT_RECORDED, Recorded, Submission
from shared.pii import keyed_hash, mask_account
from shared.projects import submission_problem
from shared.registry import ProjectRegistry
from shared.sweeps import Isolation, project_subject

Dispatch = Callable[[str, dict[str, Any]], None]
EnrolmentCounts = Callable[[list[str], str], "dict[str, int] | None"]     # None: not known now


class PayrollTotals(Protocol):
    """The payroll service's ``month_totals`` RPC."""

    def month_totals(self, months: list[str] | None, project_codes: list[str] | None = None) -> list[dict[str, Any]]: ...


class Ledger(Protocol):
    """What the use cases need of ``services.accounts.repository.AccountsRepository``."""

    def open_account(self, code: str, account: dict[str, Any], county: str, message_id: str) -> None: ...

    def record_allocation(self, code: str, month: str, received_on: date, amount_fen: int,
                          county: str, message_id: str) -> None: ...

    def record_deposit(self, code: str, form: str, paid_on: date, amount_fen: int,
                       county: str, message_id: str) -> None: ...

    def facts(self, project_codes: list[str] | None = None) -> Facts: ...


@dataclass
class Accounts:
    ledger: Ledger
    registry: ProjectRegistry
    dispatch: Dispatch
    payroll: PayrollTotals
    enrolment_counts: EnrolmentCounts
    rules: AccountRules
    pii_key: bytes

    # --- records (owners of account.opened, allocation.received, deposit.paid) ----------

    def record_account(self, submission: Submission) -> dict[str, Any]:
        """An ``account.opened``: the number kept only as a keyed hash and a masked form."""
        payload = submission.payload or {}
        account = {"bank": payload["bank"], "opened_on": payload["opened_on"],
                   "account_hash": keyed_hash(payload["account_no"], self.pii_key),
                   "account_masked": mask_account(payload["account_no"])}
        return self._record(submission, ACCOUNT_RECORDED, None, lambda code, county, message_id:
                            self.ledger.open_account(code, account, county, message_id))

    def record_allocation(self, submission: Submission) -> dict[str, Any]:
        """An ``allocation.received``; the same project, month and day replaces."""
        p = submission.payload or {}
        return self._record(submission, ALLOCATION_RECORDED, p["month"], lambda code, county, message_id:
                            self.ledger.record_allocation(code, p["month"], p["received_on"], to_fen(p["amount"]),
                                                          county, message_id))

    def record_deposit(self, submission: Submission) -> dict[str, Any]:
        """A ``deposit.paid``; the same project, form and day replaces."""
        p = submission.payload or {}
        return self._record(submission, DEPOSIT_RECORDED, None, lambda code, county, message_id:
                            self.ledger.record_deposit(code, p["form"], p["paid_on"], to_fen(p["amount"]),
                                                       county, message_id))

    def _record(self, submission: Submission, event: str, month: str | None,
                store: Callable[[str, str, str], object]) -> dict[str, Any]:
        """Refuse a record the county may not send (RecordRefused, naming the field), else
        store it and announce it (a redelivery stores the same values again)."""
        code, county = (submission.payload or {})["project_code"], submission.county
        problem = submission_problem(self.registry.get(code), county)
        if problem:
            raise RecordRefused({"project_code": [problem]})
        store(code, county, submission.message_id)
        self.dispatch(event, Recorded(project_code=code, month=month).dump())
        return {}

    # --- rules ---------------------------------------------------------------------------

    def evaluate(self, day: date, isolation: Isolation, project_codes: list[str] | None = None) -> list[dict[str, Any]]:
        """The four rules over every registered project (or those named) as of a date."""
        found = self.registry.all() if project_codes is None else self.registry.get_many(project_codes).values()
        facts = self.facts(project_codes, day)
        return isolation.each(found, lambda p: evaluate([p], facts, day, self.rules), project_subject)

    def facts(self, project_codes: list[str] | None, as_of: date) -> Facts:
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

    # --- the coverage report -------------------------------------------------------------

    def coverage(self, division: str, period: Month, open_alerts: list[dict[str, Any]], alerts_complete: bool) -> dict[str, Any]:
        """Coverage of the required systems among a division's projects under construction
        in a month (county, city or province)."""
        projects = [p for p in self.registry.all() if covers(division, p["division"])]
        codes = [p["project_code"] for p in projects if works_in(p, period)]
        facts = self._month_facts(codes, period)
        return coverage(division, period, projects, facts, self._enrolled(codes, str(period)), open_alerts,
                        self.rules, alerts_complete=alerts_complete)

    def project_coverage(self, project_code: str, month: Month | None, today: date) -> dict[str, Any] | None:
        """Which required systems one project has in place in a month (default: the last
        month whose wages have fallen due as of ``today``)."""
        project = self.registry.get(project_code)
        if project is None:
            return None
        period = month or last_month_due(project, today, self.rules.calendar)
        facts = self._month_facts([project_code], period)
        return project_systems(project, period, facts, self._enrolled([project_code], str(period)), self.rules)

    def _month_facts(self, codes: list[str], period: Month) -> Facts:
        facts = self.ledger.facts(codes)
        facts.payroll = {(r["project_code"], r["month"]): r for r in self.payroll.month_totals([str(period)], codes)}
        return facts

    def _enrolled(self, codes: list[str], month: str) -> dict[str, int] | None:
        return self.enrolment_counts(codes, month) if codes else {}
