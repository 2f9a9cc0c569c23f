"""Payroll rules: which project-months fall due, and when a missing payroll is an alert.

A month's wages are due on the project's pay day of the next month (default the 15th;
Regulation on Guaranteeing Payment of Wages to Migrant Workers, Arts 12-15). A project
under construction during month M owes a payroll sheet (工资支付表) for M; none after the
due date is ``PAYROLL_MISSING``: yellow once the pay day has passed, red from month M+2.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.calendar import Month, months_between
from shared.contract.alerts import PAYROLL_MISSING, RED, YELLOW, fingerprint

# Statuses in which a project employs workers and so owes monthly payroll.
WORKING_STATUSES = ("under_construction", "completed")


@dataclass(frozen=True)
class PayrollRules:
    red_from_month_offset: int = 2  # red from the first day of month M + this

    @classmethod
    def from_config(cls, config: dict) -> "PayrollRules":
        rules = (config.get("RULES") or {}).get("payroll_missing") or {}
        return cls(red_from_month_offset=int(rules.get("red_from_month_offset", 2)))


def due_date(month: Month, pay_day: int) -> date:
    """The day by which month M's wages must be paid: ``pay_day`` of month M+1."""
    return month.shift(1).day(pay_day)


def months_due(project: dict, as_of: date) -> list[Month]:
    """The months, as of a date, for which the project owes a payroll sheet.

    Months from the project's start to its actual end (or ``as_of``), each once its due
    date has passed. A planned or suspended project owes none.
    """
    if project["status"] not in WORKING_STATUSES:
        return []
    first = Month.of(project["start_date"])
    last = Month.of(min(project["actual_end_date"] or as_of, as_of))
    return [m for m in months_between(first, last) if due_date(m, project["pay_day"]) < as_of]


def missing_severity(month: Month, as_of: date, rules: PayrollRules) -> str:
    return RED if as_of >= month.shift(rules.red_from_month_offset).first_day else YELLOW


def payroll_missing_fingerprint(project_code: str, month: str) -> str:
    return fingerprint(PAYROLL_MISSING, project_code, month)


def payroll_missing(projects: list[dict], paid: set[tuple[str, str]], as_of: date,
                    rules: PayrollRules) -> list[dict]:
    """One condition per project-month past its due date with no payroll recorded."""
    conditions = []
    for project in projects:
        for month in months_due(project, as_of):
            if (project["project_code"], str(month)) not in paid:
                conditions.append(_condition(project, month, as_of, rules))
    return conditions


def _condition(project: dict, month: Month, as_of: date, rules: PayrollRules) -> dict:
    due = due_date(month, project["pay_day"])
    return {
        "type": PAYROLL_MISSING,
        "fingerprint": payroll_missing_fingerprint(project["project_code"], str(month)),
        "severity": missing_severity(month, as_of, rules),
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
