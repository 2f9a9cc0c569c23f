"""What a project owes, and from when: project status drives every monitoring rule.

A project owes monthly records (payroll, labour-cost allocations) for the months it works:
from its start month to its actual end (or the date of the sweep), while it is under
construction, completed or suspended. A planned project owes none. A project registered
late owes from its start date.

Suspension (停工, contract 1.1 ``suspended_on``/``resumed_on``): wages for work done stay
owed (Regulation on Guaranteeing Payment of Wages to Migrant Workers, Arts 3, 12, 16), so a
month with at least one day worked before ``suspended_on`` is owed on its usual due date,
suspended or not; a month wholly inside the suspension owes nothing new; from
``resumed_on`` months are owed again. A set-up duty (the dedicated account, the deposit)
that was already overdue before the suspension stays owed; one that was not yet overdue is
not owed while suspended, and its clock restarts on ``resumed_on``. A project stored
suspended with no ``suspended_on`` (before contract 1.1: the projects service now records
the day a 1.0 message was received) is taken as suspended from its start, as before. An
upsert states only the last suspension: the projects service remembers the earlier, ended
ones (``suspensions``; a 1.0 county's suspension ends on the day its ``under_construction``
message is received), and every one of them counts.

Set-up duties are owed while the project is under construction (or suspended, as above)
and not past its actual end date; the dedicated account also by a planned project whose
construction contract is signed (its clock starts at ``contract_signed_on``).

A month's wages, and the labour cost that funds them, are due on the project's pay day
of the next month (Regulation on Guaranteeing Payment of Wages to Migrant Workers: wages
at least monthly on the agreed payday, Arts 12-14; labour cost allocated to the dedicated
account as the contract agrees, at least monthly, Arts 24 and 29); a pay day on a statutory
holiday or rest day moves to the last working day before it (Art 14: "遇法定节假日或者休息日的，
应当在法定节假日或者休息日前支付"), by the platform's working calendar (shared/workdays.py):
the days ``WORKING_CALENDAR`` in deploy/config.yml lists first (holidays and make-up working
days of a year chinesecalendar does not know yet), then chinesecalendar's published years,
then, for a year neither knows, weekends only (Saturday and Sunday are rest days). The rules
carry the configured calendar (``calendar=``); the default knows chinesecalendar's years only.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from shared.calendar import Month, months_between
from shared.workdays import WorkingCalendar

UNDER_CONSTRUCTION = "under_construction"
SUSPENDED = "suspended"
PLANNED = "planned"
# Statuses in which a project employs workers and so owes its monthly records.
WORKING_STATUSES = (UNDER_CONSTRUCTION, "completed")
# ... and those in which it may owe them for months worked (a suspension keeps what was owed).
OWING_STATUSES = WORKING_STATUSES + (SUSPENDED,)
# Project fields whose change can change what a project owes (and so its alerts).
EXPECTATION_FIELDS = frozenset({
    "status", "start_date", "actual_end_date", "pay_day", "funding", "contract_amount",
    "contract_signed_on", "suspended_on", "resumed_on", "labour_cost_monthly", "payment_guarantee",
    "construction_permit", "wage_officer", "signboard_posted_on", "schema_version", "suspensions",
})
# Paydays without configuration: chinesecalendar's statutory holidays, rest days and make-up
# working days (调休) only. Services pass the configured calendar (their rules' ``calendar``).
PAYDAY_CALENDAR = WorkingCalendar()


@lru_cache(maxsize=4096)
def due_date(month: Month, pay_day: int, calendar: WorkingCalendar = PAYDAY_CALENDAR) -> date:
    """The day by which month M's wages must be paid: ``pay_day`` of month M+1, or the last
    working day before it when that is a statutory holiday or rest day (Art 14). Cached: a
    sweep asks it for every project and month, and the calendar's answer never changes."""
    day = month.shift(1).day(pay_day)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


Period = tuple[date, date | None]   # a suspension: (first day, day work resumed or None while it lasts)


def halts(project: dict[str, Any]) -> list[Period]:
    """Every suspension that bears on what a project owes, oldest first: the ended ones the
    projects service remembers (``suspensions``) and the one the last upsert states. A
    resumption on the day of the suspension (or before it) leaves nothing suspended."""
    periods: list[Period] = [(_day(p["from"]), _day(p["to"])) for p in project.get("suspensions") or ()]
    stopped, resumed = project.get("suspended_on"), project.get("resumed_on")
    if project["status"] == SUSPENDED:
        periods.append((stopped or project["start_date"], None))
    elif stopped is not None and resumed is not None and resumed > stopped:
        periods.append((stopped, resumed))
    return sorted((p for p in periods if p[1] is None or p[1] > p[0]), key=lambda p: p[0])


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _worked(first: date, last: date, stops: list[Period]) -> bool:
    """True when a day in [first, last] is outside every suspension in ``stops``."""
    cursor = first
    for stopped, resumed in stops:
        if cursor > last:
            return False
        if stopped > cursor:
            return True
        if resumed is None:
            return False
        cursor = max(cursor, resumed)
    return cursor <= last


def working_months(project: dict[str, Any], as_of: date) -> list[Month]:
    """The months, up to ``as_of``, in which the project worked at least one day."""
    if project["status"] not in OWING_STATUSES:
        return []
    start, end = project["start_date"], min(project["actual_end_date"] or as_of, as_of)
    stops = halts(project)
    return [m for m in months_between(Month.of(start), Month.of(end))
            if _worked(max(m.first_day, start), min(m.last_day, end), stops)]


def months_due(project: dict[str, Any], as_of: date, calendar: WorkingCalendar = PAYDAY_CALENDAR) -> list[Month]:
    """Working months whose due date has passed by ``as_of``."""
    return [m for m in working_months(project, as_of) if due_date(m, project["pay_day"], calendar) < as_of]


def works_in(project: dict[str, Any], month: Month) -> bool:
    """True when the project works during ``month`` (reports count it as under construction)."""
    if project["status"] not in OWING_STATUSES or month < Month.of(project["start_date"]):
        return False
    end = project["actual_end_date"]
    if end is not None and month > Month.of(end):
        return False
    last = month.last_day if end is None else min(month.last_day, end)
    return _worked(max(month.first_day, project["start_date"]), last, halts(project))


def owes_setup(project: dict[str, Any], as_of: date) -> bool:
    """True while a project owes its set-up duties: under construction and not yet ended."""
    if project["status"] != UNDER_CONSTRUCTION:
        return False
    return project["actual_end_date"] is None or as_of <= project["actual_end_date"]


def setup_clock(project: dict[str, Any], start: date, within_days: int, as_of: date, *, planned: bool = False) -> date | None:
    """The day a set-up duty's clock counts from as of ``as_of`` (the duty is overdue once
    more than ``within_days`` days have passed since it), or None when it is not owed.

    Owed while under construction or suspended (and, with ``planned``, by a planned project)
    and not past the actual end. Across each suspension that had begun by ``as_of``: overdue
    on a day before it (``clock + within_days + 1 < suspended_on``), it stays owed from its
    clock; otherwise nothing is owed while suspended, and after the resumption the clock
    counts from the day work resumed."""
    ended = project["actual_end_date"]
    if ended is not None and as_of > ended:
        return None
    if project["status"] not in (UNDER_CONSTRUCTION, SUSPENDED) and not (planned and project["status"] == PLANNED):
        return None
    clock = start
    for stopped, resumed in halts(project):
        if as_of < stopped or clock + timedelta(days=within_days + 1) < stopped:
            return clock
        if resumed is None or as_of < resumed:
            return None
        clock = max(clock, resumed)
    return clock


def next_pay_month(project: dict[str, Any], as_of: date, calendar: WorkingCalendar = PAYDAY_CALENDAR) -> Month:
    """The month whose wages fall due next: the earliest whose due date is not past."""
    previous = Month.of(as_of).shift(-1)
    return previous if due_date(previous, project["pay_day"], calendar) >= as_of else Month.of(as_of)


def affects_expectations(changed: list[str]) -> bool:
    """True when a project change can change what the project owes."""
    return not EXPECTATION_FIELDS.isdisjoint(changed)


def last_month_due(project: dict[str, Any], as_of: date, calendar: WorkingCalendar = PAYDAY_CALENDAR) -> Month:
    """The latest month whose wages have fallen due by ``as_of`` (its due date passed)."""
    month = Month.of(as_of).shift(-1)
    return month if due_date(month, project["pay_day"], calendar) < as_of else month.shift(-1)
