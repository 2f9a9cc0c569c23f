"""What a project owes, and from when: project status drives every monitoring rule.

A project owes monthly records (payroll, labour-cost allocations) for the months it works:
from its start month to its actual end (or the date of the sweep), while it is under
construction or completed. A planned or suspended project owes none: only the current
status is known, so a suspended project owes nothing until it resumes, and then its
unfinished months are owed again. A project registered late owes from its start date.

Set-up duties (the dedicated account, the deposit) are owed while the project is under
construction and not past its actual end date.

A month's wages, and the labour cost that funds them, are due on the project's pay day
of the next month (Regulation on Guaranteeing Payment of Wages to Migrant Workers: wages
at least monthly on the agreed payday, Arts 12-14; labour cost allocated to the dedicated
account as the contract agrees, at least monthly, Arts 24 and 29).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from shared.calendar import Month, months_between

UNDER_CONSTRUCTION = "under_construction"
# Statuses in which a project employs workers and so owes its monthly records.
WORKING_STATUSES = (UNDER_CONSTRUCTION, "completed")
# Project fields whose change can change what a project owes (and so its alerts).
EXPECTATION_FIELDS = frozenset({
    "status", "start_date", "actual_end_date", "pay_day", "funding", "contract_amount",
})


def due_date(month: Month, pay_day: int) -> date:
    """The day by which month M's wages must be paid: ``pay_day`` of month M+1."""
    return month.shift(1).day(pay_day)


def working_months(project: dict[str, Any], as_of: date) -> list[Month]:
    """The months, up to ``as_of``, in which the project works (none unless working)."""
    if project["status"] not in WORKING_STATUSES:
        return []
    first = Month.of(project["start_date"])
    last = Month.of(min(project["actual_end_date"] or as_of, as_of))
    return months_between(first, last)


def months_due(project: dict[str, Any], as_of: date) -> list[Month]:
    """Working months whose due date has passed by ``as_of``."""
    return [m for m in working_months(project, as_of) if due_date(m, project["pay_day"]) < as_of]


def works_in(project: dict[str, Any], month: Month) -> bool:
    """True when the project works during ``month`` (reports count it as under construction)."""
    if project["status"] not in WORKING_STATUSES or month < Month.of(project["start_date"]):
        return False
    return project["actual_end_date"] is None or month <= Month.of(project["actual_end_date"])


def owes_setup(project: dict[str, Any], as_of: date) -> bool:
    """True while a project owes its set-up duties: under construction and not yet ended."""
    if project["status"] != UNDER_CONSTRUCTION:
        return False
    return project["actual_end_date"] is None or as_of <= project["actual_end_date"]


def next_pay_month(project: dict[str, Any], as_of: date) -> Month:
    """The month whose wages fall due next: the earliest whose due date is not past."""
    previous = Month.of(as_of).shift(-1)
    return previous if due_date(previous, project["pay_day"]) >= as_of else Month.of(as_of)


def affects_expectations(changed: list[str]) -> bool:
    """True when a project change can change what the project owes."""
    return not EXPECTATION_FIELDS.isdisjoint(changed)


def last_month_due(project: dict[str, Any], as_of: date) -> Month:
    """The latest month whose wages have fallen due by ``as_of`` (its due date passed)."""
    month = Month.of(as_of).shift(-1)
    return month if due_date(month, project["pay_day"]) < as_of else month.shift(-1)
