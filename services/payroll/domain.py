"""Payroll rules: which project-months fall due, and when a missing payroll is an alert.

A month's wages are due on the project's pay day of the next month (default the 15th;
Regulation on Guaranteeing Payment of Wages to Migrant Workers, Arts 12-14: at least
monthly, on the agreed payday). A project under construction during month M owes a
payroll sheet (工资支付表) for M (prepared by the subcontractor from the month's
attendance, Art 31; kept at least 3 years, Art 15); none after the
due date is ``PAYROLL_MISSING``: yellow once the pay day has passed, red from month M+2,
one colour higher on government- and SOE-funded projects (shared/funding.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.calendar import Month
from shared.contract.alerts import PAYROLL_MISSING, RED, YELLOW, fingerprint

# What a project owes and from when is shared by every rule (shared/expectations.py):
# months from the start to the actual end, none while planned or suspended.
from shared.expectations import WORKING_STATUSES, due_date, months_due  # noqa: F401 - re-exported
from shared.funding import PublicFunding
from shared.workdays import WorkingCalendar


@dataclass(frozen=True)
class PayrollRules:
    red_from_month_offset: int = 2  # red from the first day of month M + this
    public_funding: PublicFunding = field(default_factory=PublicFunding)  # one colour higher
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)   # paydays moved before holidays

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PayrollRules:
        rules = (config.get("RULES") or {}).get("payroll_missing") or {}
        return cls(red_from_month_offset=int(rules.get("red_from_month_offset", 2)),
                   public_funding=PublicFunding.from_config(config),
                   calendar=WorkingCalendar.from_config(config))


def missing_severity(month: Month, as_of: date, rules: PayrollRules) -> str:
    return RED if as_of >= month.shift(rules.red_from_month_offset).first_day else YELLOW


def payroll_missing_fingerprint(project_code: str, month: str) -> str:
    return fingerprint(PAYROLL_MISSING, project_code, month)


def payroll_missing(projects: list[dict[str, Any]], paid: set[tuple[str, str]], as_of: date,
                    rules: PayrollRules) -> list[dict[str, Any]]:
    """One condition per project-month past its due date with no payroll recorded."""
    conditions = []
    for project in projects:
        for month in months_due(project, as_of, rules.calendar):
            if (project["project_code"], str(month)) not in paid:
                conditions.append(_condition(project, month, as_of, rules))
    return conditions


def _condition(project: dict[str, Any], month: Month, as_of: date, rules: PayrollRules) -> dict[str, Any]:
    due = due_date(month, project["pay_day"], rules.calendar)
    return {
        "type": PAYROLL_MISSING,
        "fingerprint": payroll_missing_fingerprint(project["project_code"], str(month)),
        "severity": rules.public_funding.severity(PAYROLL_MISSING, project["funding"],
                                                  missing_severity(month, as_of, rules)),
        "division": project["division"],
        "sector": project["sector"],
        "funding": project["funding"],
        "project_code": project["project_code"],
        "month": str(month),
        "summary": (f"工资未发放 No payroll for {month} on project {project['project_code']} "
                    f"({project['name']}): wages were due by {due.isoformat()}."),
        "details": {"due_date": due.isoformat(), "as_of": as_of.isoformat(),
                    "project_name": project["name"]},
    }
