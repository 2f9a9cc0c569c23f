"""Payroll-account rules: the money that must be in place before wages fall due.

The general contractor opens a dedicated wage account (农民工工资专用账户) within 30 days
(Arts 26, 31), the owner allocates labour cost (人工费用) into it at least monthly (Arts
24, 29; Art 27's early warning when it does not), and the contractor lodges a wage deposit
(工资保证金). Each rule is a plain function: a project, the facts recorded about its
money, a date and the thresholds → the conditions that hold as of that date. A rule
whose data has cleared reports nothing, and the alerts service resolves its alert.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any, TypeVar

from services.accounts import terms as project_terms
from shared.calendar import Month
from shared.contract.alerts import (
    ACCOUNT_NOT_OPENED,
    BALANCE_LOW,
    DEPOSIT_MISSING,
    LABOUR_COST_NOT_ALLOCATED,
    LABOUR_COST_SHORT,
    ORANGE,
    RED,
    YELLOW,
    fingerprint,
)
from shared.contract.fields import from_fen, to_fen
from shared.expectations import due_date, months_due, next_pay_month, setup_clock, works_in
from shared.funding import PublicFunding
from shared.workdays import WorkingCalendar

TYPES = [ACCOUNT_NOT_OPENED, LABOUR_COST_NOT_ALLOCATED, LABOUR_COST_SHORT, DEPOSIT_MISSING, BALANCE_LOW, *project_terms.TYPES]


@dataclass(frozen=True)
class AccountRules:
    """Thresholds from ``RULES`` in ``deploy/config.yml`` (defaults from DOMAIN.md)."""

    account_yellow_after_days: int = 30
    account_red_after_days: int = 45
    labour_red_when_months_missed: int = 2
    labour_short_red_when_months_short: int = 2
    deposit_after_days: int = 30
    deposit_red_after_days: int | None = 60
    deposit_rate: Decimal = Decimal("0.02")
    deposit_exempt_below: Decimal | None = None  # contract amount (yuan) below which no deposit is owed
    public_funding: PublicFunding = field(default_factory=PublicFunding)
    terms: project_terms.TermsRules = field(default_factory=project_terms.TermsRules)
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)   # paydays moved before holidays

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AccountRules:
        rules = config.get("RULES") or {}
        account = rules.get("account_not_opened") or {}
        labour = rules.get("labour_cost_not_allocated") or {}
        short = rules.get("labour_cost_short") or {}
        deposit = rules.get("deposit_missing") or {}
        defaults = cls()
        return cls(
            account_yellow_after_days=int(account.get("yellow_after_days", defaults.account_yellow_after_days)),
            account_red_after_days=int(account.get("red_after_days", defaults.account_red_after_days)),
            labour_red_when_months_missed=int(labour.get("red_when_months_missed",
                                                         defaults.labour_red_when_months_missed)),
            labour_short_red_when_months_short=int(short.get("red_when_months_short",
                                                             defaults.labour_short_red_when_months_short)),
            deposit_after_days=int(deposit.get("after_days", defaults.deposit_after_days)),
            deposit_red_after_days=_optional(deposit.get("red_after_days", defaults.deposit_red_after_days), int),
            deposit_rate=Decimal(str(deposit.get("rate", defaults.deposit_rate))),
            deposit_exempt_below=_optional(deposit.get("exempt_below_contract_amount"), lambda v: Decimal(str(v))),
            public_funding=PublicFunding.from_config(config),
            terms=project_terms.TermsRules.from_config(config),
            calendar=WorkingCalendar.from_config(config),
        )

    def deposit_required_fen(self, project: dict[str, Any]) -> int:
        """rate × contract amount, rounded up to the fen; 0 for an exempt project."""
        if self.deposit_exempt_below is not None and project["contract_amount"] < self.deposit_exempt_below:
            return 0
        return int((Decimal(to_fen(project["contract_amount"])) * self.deposit_rate).to_integral_value(ROUND_CEILING))


_T = TypeVar("_T")


def _optional(value: Any, convert: Callable[[Any], _T]) -> _T | None:
    return None if value is None else convert(value)


@dataclass
class Facts:
    """What is recorded about projects' money; every map is keyed by project code."""

    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)                 # {opened_on, bank, account_masked}
    allocations: dict[str, dict[str, int]] = field(default_factory=dict)    # month → fen credited
    deposits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)           # [{paid_on, amount_fen, form}]
    payroll: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)      # (code, month) → sheet totals
    paid_to_date: dict[str, int] = field(default_factory=dict)              # fen paid out, all months

    def deposit_fen(self, code: str) -> int:
        return sum(d["amount_fen"] for d in self.deposits.get(code, ()))

    def balance_fen(self, code: str) -> int:
        """Labour cost credited minus wages paid out: what the account should hold."""
        return sum(self.allocations.get(code, {}).values()) - self.paid_to_date.get(code, 0)


def evaluate(projects: list[dict[str, Any]], facts: Facts, as_of: date, rules: AccountRules) -> list[dict[str, Any]]:
    """Every condition of the account rules and the project-terms rules for these projects, as of a date."""
    return [condition for project in projects
            for condition in [*(c for rule in RULES for c in rule(project, facts, as_of, rules)),
                              *project_terms.evaluate(project, as_of, rules.terms)]]


def account_clock(project: dict[str, Any], as_of: date, rules: AccountRules) -> tuple[date | None, str]:
    """When the dedicated account's 30 days count from (专户管理暂行办法: within 30 days of the
    construction contract's signing; ``start_date`` when the contract date is not known),
    and which date that is; None when no account is owed as of ``as_of``. A planned
    project whose contract is signed owes it too."""
    signed = project.get("contract_signed_on")
    start, basis = (signed, "contract_signed_on") if signed is not None else (project["start_date"], "start_date")
    clock = setup_clock(project, start, rules.account_yellow_after_days, as_of, planned=signed is not None)
    return clock, (basis if clock == start else "resumed_on")


def account_not_opened(project: dict[str, Any], facts: Facts, as_of: date, rules: AccountRules) -> list[dict[str, Any]]:
    """No dedicated account 30 days after the contract's signing (else the start): yellow;
    45 days: red."""
    if project["project_code"] in facts.accounts:
        return []
    clock, basis = account_clock(project, as_of, rules)
    if clock is None:
        return []
    days = (as_of - clock).days
    if days <= rules.account_yellow_after_days:
        return []
    severity = RED if days > rules.account_red_after_days else YELLOW
    summary = (f"未开设农民工工资专用账户 No dedicated wage account on project {project['project_code']} "
               f"({project['name']}) {days} days after its {_CLOCK_WORDS[basis]} on {clock.isoformat()}.")
    return [_condition(ACCOUNT_NOT_OPENED, project, None, severity, summary, as_of,
                       {"days_since_start": days, "due_within_days": rules.account_yellow_after_days,
                        "clock_start": clock.isoformat(), "clock_from": basis})]


_CLOCK_WORDS = {"contract_signed_on": "construction contract's signing", "start_date": "start",
                "resumed_on": "resumption"}


def labour_cost_not_allocated(project: dict[str, Any], facts: Facts, as_of: date, rules: AccountRules) -> list[dict[str, Any]]:
    """No allocation for month M after M's due date: yellow, red once two months are missed.

    Inhibited while the account is not opened: ACCOUNT_NOT_OPENED covers it, and no
    money can be credited to an account that does not exist.
    """
    code = project["project_code"]
    if code not in facts.accounts:
        return []
    allocated = facts.allocations.get(code, {})
    missed = [m for m in months_due(project, as_of, rules.calendar) if str(m) not in allocated]
    base = RED if len(missed) >= rules.labour_red_when_months_missed else YELLOW
    severity = rules.public_funding.severity(LABOUR_COST_NOT_ALLOCATED, project["funding"], base)
    return [_labour_condition(project, month, severity, len(missed), as_of, rules) for month in missed]


def _labour_condition(project: dict[str, Any], month: Month, severity: str, missed: int, as_of: date,
                      rules: AccountRules) -> dict[str, Any]:
    due = due_date(month, project["pay_day"], rules.calendar)
    summary = (f"人工费用未按月拨付 No labour cost allocated for {month} on project {project['project_code']} "
               f"({project['name']}): it was due by {due.isoformat()}; {missed} month(s) missed.")
    return _condition(LABOUR_COST_NOT_ALLOCATED, project, month, severity, summary, as_of,
                      {"due_date": due.isoformat(), "months_missed": missed})


def deposit_missing(project: dict[str, Any], facts: Facts, as_of: date, rules: AccountRules) -> list[dict[str, Any]]:
    """No deposit, or less than rate × contract amount, 30 days after the start (or the
    resumption, when the deposit was not yet overdue at the suspension)."""
    clock = setup_clock(project, project["start_date"], rules.deposit_after_days, as_of)
    if clock is None:
        return []
    days = (as_of - clock).days
    if days <= rules.deposit_after_days:
        return []
    required, lodged = rules.deposit_required_fen(project), facts.deposit_fen(project["project_code"])
    if lodged >= required:
        return []
    late = rules.deposit_red_after_days is not None and days > rules.deposit_red_after_days
    what = "未缴纳工资保证金 No wage deposit" if lodged == 0 else "工资保证金不足 Wage deposit short"
    after = "its start" if clock == project["start_date"] else f"its resumption on {clock.isoformat()}"
    summary = (f"{what} on project {project['project_code']} ({project['name']}): "
               f"{_yuan(lodged)} of {_yuan(required)} yuan lodged {days} days after {after}.")
    return [_condition(DEPOSIT_MISSING, project, None, RED if late else YELLOW, summary, as_of,
                       {"required": _number(required), "lodged": _number(lodged), "days_since_start": days,
                        "rate": str(rules.deposit_rate)})]


def labour_cost_short(project: dict[str, Any], facts: Facts, as_of: date, rules: AccountRules) -> list[dict[str, Any]]:
    """Month M's allocations total less than the agreed ``labour_cost.monthly_amount`` after
    M's due date (Arts 24, 29: the owner allocates the agreed labour cost in full, on time):
    orange, red once two months are short; one colour higher on public projects.

    Only months with some allocation: a month with none is LABOUR_COST_NOT_ALLOCATED. Held
    back without an account, as that rule is."""
    code, agreed = project["project_code"], project.get("labour_cost_monthly")
    if agreed is None or code not in facts.accounts:
        return []
    agreed_fen, allocated = to_fen(agreed), facts.allocations.get(code, {})
    short = [(m, allocated[str(m)]) for m in months_due(project, as_of, rules.calendar)
             if 0 < allocated.get(str(m), 0) < agreed_fen]
    base = RED if len(short) >= rules.labour_short_red_when_months_short else ORANGE
    severity = rules.public_funding.severity(LABOUR_COST_SHORT, project["funding"], base)
    conditions = []
    for month, fen in short:
        due = due_date(month, project["pay_day"], rules.calendar)
        summary = (f"人工费用拨付不足 Labour cost for {month} on project {code} ({project['name']}): "
                   f"{_yuan(fen)} of the agreed {_yuan(agreed_fen)} yuan allocated by its due date "
                   f"{due.isoformat()}; {len(short)} month(s) short.")
        conditions.append(_condition(LABOUR_COST_SHORT, project, month, severity, summary, as_of,
                                     {"due_date": due.isoformat(), "allocated": _number(fen),
                                      "agreed": _number(agreed_fen), "shortfall": _number(agreed_fen - fen),
                                      "months_short": len(short)}))
    return conditions


def balance_low(project: dict[str, Any], facts: Facts, as_of: date, rules: AccountRules) -> list[dict[str, Any]]:
    """The account holds less than the payroll awaiting payout for the month due next (orange).

    Balance = labour cost credited − wages paid out. The payroll awaiting payout is what
    that month's sheet still owes, or, before the sheet is in, the previous month's payroll
    (the best estimate of the next). No account (ACCOUNT_NOT_OPENED covers it) or no sheet
    to go by: nothing to compare.
    """
    code, month = project["project_code"], next_pay_month(project, as_of, rules.calendar)
    if code not in facts.accounts or not works_in(project, month):
        return []
    awaiting, basis = _awaiting(facts, code, month)
    balance = facts.balance_fen(code)
    if awaiting <= 0 or balance >= awaiting:
        return []
    severity = rules.public_funding.severity(BALANCE_LOW, project["funding"], ORANGE)
    summary = (f"专户余额不足 Dedicated account of project {code} ({project['name']}) holds {_yuan(balance)} "
               f"yuan, less than the {_yuan(awaiting)} yuan of {month}'s payroll due by "
               f"{due_date(month, project['pay_day'], rules.calendar).isoformat()}.")
    return [_condition(BALANCE_LOW, project, month, severity, summary, as_of,
                       {"balance": _number(balance), "awaiting_payout": _number(awaiting), "basis": basis})]


def _awaiting(facts: Facts, code: str, month: Month) -> tuple[int, str]:
    sheet = facts.payroll.get((code, str(month)))
    if sheet is not None:
        return sheet["amount_due_fen"] - sheet["amount_paid_fen"], f"payroll sheet for {month}"
    previous = facts.payroll.get((code, str(month.shift(-1))))
    if previous is not None:
        return previous["amount_due_fen"], f"estimated from the payroll for {month.shift(-1)}"
    return 0, "no payroll sheet to go by"


RULES = (account_not_opened, labour_cost_not_allocated, labour_cost_short, deposit_missing, balance_low)


def _condition(alert_type: str, project: dict[str, Any], month: Month | None, severity: str, summary: str,
               as_of: date, details: dict[str, Any]) -> dict[str, Any]:
    code = project["project_code"]
    subject = (code,) if month is None else (code, str(month))
    return {
        "type": alert_type, "fingerprint": fingerprint(alert_type, *subject), "severity": severity,
        "division": project["division"], "sector": project["sector"], "funding": project["funding"],
        "project_code": code, "month": None if month is None else str(month), "summary": summary,
        "details": {**details, "as_of": as_of.isoformat(), "project_name": project["name"]},
    }


def _yuan(fen: int) -> str:
    return f"{from_fen(fen):,.2f}"


def _number(fen: int) -> float:
    return float(from_fen(fen))
