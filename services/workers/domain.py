"""Real-name records (实名制): who is enrolled on which project, when, and which clock-ins count.

No one works on a site without registration and a labour contract (Regulation on
Guaranteeing Payment of Wages to Migrant Workers, Art 28). A worker is enrolled on a
project for one or more *stints* (entry to exit): people leave for the harvest or the
Spring Festival and come back. A clock-in counts when it falls within a stint; anything
else is refused by index in the receipt and kept as an *irregular* clock-in for the
"attendance without registration" warning. Attended days are Asia/Shanghai dates.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.calendar import SHANGHAI, Month
from shared.pii import mask_name

NOT_ENROLLED = "Not enrolled on this project."
# Why a clock-in is irregular (kept for the ATTENDANCE_UNREGISTERED warning).
UNREGISTERED, BEFORE_ENTRY, AFTER_EXIT, NO_CONTRACT = "not_enrolled", "before_entry", "after_exit", "no_contract"


def project_month_key(project_code: str, month: str) -> str:
    """``"<project_code>:<month>"``: also the payroll service's key for a month's sheet."""
    return f"{project_code}:{month}"


@dataclass(frozen=True)
class Stint:
    """One period on a project: from the entry date to the exit date (open while on site)."""

    entry_date: date
    exit_date: date | None = None

    def covers(self, day: date) -> bool:
        return self.entry_date <= day and (self.exit_date is None or day <= self.exit_date)

    def overlaps(self, first: date, last: date) -> bool:
        return self.entry_date <= last and (self.exit_date is None or self.exit_date >= first)


@dataclass(frozen=True)
class Refused:
    """A record the domain refuses, with the field to name in the receipt."""

    field: str
    message: str

    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


def stints_after_entry(stints: list[Stint], entry: date) -> list[Stint] | Refused:
    """The stints once a ``worker.enrol`` with this entry date is applied.

    Re-sending an enrolment changes nothing; a new entry date for a worker still on site
    corrects the open stint; after an exit it starts a new stint.
    """
    if any(s.entry_date == entry for s in stints):
        return stints
    if stints and stints[-1].exit_date is None:
        earlier = stints[-2] if len(stints) > 1 else None
        if earlier is not None and entry <= _exit_of(earlier):
            return Refused("entry_date", f"Must be after the worker's exit on {_exit_of(earlier).isoformat()} "
                                         "from an earlier stint on this project.")
        return [*stints[:-1], Stint(entry)]
    if not stints or entry > _exit_of(stints[-1]):
        return [*stints, Stint(entry)]
    return Refused("entry_date", f"Must be after the worker's last exit from this project "
                                 f"({_exit_of(stints[-1]).isoformat()}).")


def _exit_of(stint: Stint) -> date:
    """The exit date of a stint known to be closed (every stint but an open latest one)."""
    assert stint.exit_date is not None, "only the latest stint can be open"
    return stint.exit_date


def stints_after_exit(stints: list[Stint], exit_date: date) -> list[Stint] | Refused:
    """The stints once a ``worker.exit`` is applied: it closes (or corrects) the latest stint
    that began on or before the exit date."""
    if not stints:
        return Refused("id_number", NOT_ENROLLED)
    started = [i for i, s in enumerate(stints) if s.entry_date <= exit_date]
    if not started:
        return Refused("exit_date", f"Must not be before the worker's entry date "
                                    f"({stints[0].entry_date.isoformat()}).")
    i = started[-1]
    return [*stints[:i], Stint(stints[i].entry_date, exit_date), *stints[i + 1:]]


def enrolment_after(existing: dict[str, Any] | None, record: dict[str, Any]) -> dict[str, Any] | Refused:
    """An enrolment document once a ``worker.enrol`` record is applied (details replaced,
    stints updated). ``record`` carries the worker's keyed hash and masked forms already."""
    stints = stints_after_entry(existing["stints"] if existing else [], record["entry_date"])
    if isinstance(stints, Refused):
        return stints
    details = {k: v for k, v in record.items() if k != "entry_date"}
    return {**(existing or {}), **details, "stints": stints}


def enrolment_after_exit(existing: dict[str, Any] | None, exit_date: date) -> dict[str, Any] | Refused:
    stints = stints_after_exit(existing["stints"] if existing else [], exit_date)
    if isinstance(stints, Refused):
        return stints
    assert existing is not None    # with no stints, stints_after_exit refused
    return {**existing, "stints": stints}


def enrolled_during(stints: list[Stint], month: Month) -> bool:
    """Enrolled at any time in the month (entry by its last day, no exit before its first)."""
    return any(s.overlaps(month.first_day, month.last_day) for s in stints)


def on_site(stints: list[Stint], day: date) -> bool:
    return any(s.covers(day) for s in stints)


def clock_in_problem(enrolment: dict[str, Any] | None, day: date) -> tuple[str, Refused] | None:
    """Why a clock-in on ``day`` does not count (reason, refusal), or None when it does."""
    if enrolment is None or not enrolment["stints"]:
        return UNREGISTERED, Refused("id_number", NOT_ENROLLED)
    stints = enrolment["stints"]
    if on_site(stints, day):
        return None
    if day < stints[0].entry_date:
        return BEFORE_ENTRY, Refused("at", f"Before the worker's entry date ({stints[0].entry_date.isoformat()}).")
    left = max(s.exit_date for s in stints if s.exit_date is not None and s.exit_date < day)
    return AFTER_EXIT, Refused("at", f"After the worker's exit date ({left.isoformat()}).")


def attended_day(at: datetime) -> date:
    """The day a clock-in counts for: its Asia/Shanghai date."""
    return at.astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class ClockIn:
    """One attendance record, with the worker already pseudonymised."""

    index: int
    project_code: str
    worker: str          # keyed hash of the ID number
    id_masked: str
    at: datetime

    @property
    def day(self) -> date:
        return attended_day(self.at)

    @property
    def key(self) -> str:
        return f"{self.project_code}:{self.worker}:{self.at.astimezone(SHANGHAI).isoformat()}"


@dataclass
class AttendancePlan:
    """What one attendance batch writes: every write is an idempotent upsert or delete."""

    rejected: list[dict[str, Any]] = field(default_factory=list)
    # (project_code, month, worker) -> {"id_masked", "days": set[str], "clock_ins": set[str]}
    rollups: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    days_by_project: dict[str, set[date]] = field(default_factory=dict)
    irregular: list[dict[str, Any]] = field(default_factory=list)
    regularised: list[str] = field(default_factory=list)   # keys of irregular clock-ins now accepted

    @property
    def project_months(self) -> set[tuple[str, str]]:
        return {(code, month) for code, month, _worker in self.rollups}


def plan_attendance(clock_ins: list[ClockIn], enrolments: dict[tuple[str, str], dict[str, Any]],
                    refused_projects: dict[str, str]) -> AttendancePlan:
    """Sort a batch into accepted clock-ins (rolled up per project-month-worker, distinct
    days), refusals by index, and irregular clock-ins to count for the warning."""
    plan = AttendancePlan()
    for clock_in in clock_ins:
        if clock_in.project_code in refused_projects:
            plan.rejected.append({"index": clock_in.index,
                                  "errors": {"project_code": [refused_projects[clock_in.project_code]]}})
            continue
        enrolment = enrolments.get((clock_in.project_code, clock_in.worker))
        problem = clock_in_problem(enrolment, clock_in.day)
        if problem is not None:
            reason, refused = problem
            plan.rejected.append({"index": clock_in.index, "errors": refused.errors()})
            plan.irregular.append(_irregular(clock_in, reason))
            continue
        assert enrolment is not None    # clock_in_problem refuses a clock-in with no enrolment
        _accept(plan, clock_in, enrolment)
    return plan


def _accept(plan: AttendancePlan, clock_in: ClockIn, enrolment: dict[str, Any]) -> None:
    day = clock_in.day
    key = (clock_in.project_code, str(Month.of(day)), clock_in.worker)
    rollup = plan.rollups.setdefault(key, {"id_masked": clock_in.id_masked, "days": set(), "clock_ins": set()})
    rollup["days"].add(day.isoformat())
    rollup["clock_ins"].add(clock_in.at.astimezone(SHANGHAI).isoformat())
    plan.days_by_project.setdefault(clock_in.project_code, set()).add(day)
    if enrolment.get("contract_signed"):
        plan.regularised.append(clock_in.key)
    else:
        plan.irregular.append(_irregular(clock_in, NO_CONTRACT))


def _irregular(clock_in: ClockIn, reason: str) -> dict[str, Any]:
    day = clock_in.day
    return {"key": clock_in.key, "project_code": clock_in.project_code, "worker": clock_in.worker,
            "id_masked": clock_in.id_masked, "day": day.isoformat(), "month": str(Month.of(day)),
            "reason": reason}


def roster_entry(enrolment: dict[str, Any], as_of: date) -> dict[str, Any]:
    """A worker as operators see them: masked, with the stints and whether on site."""
    stints = enrolment["stints"]
    return {
        "id_masked": enrolment["id_masked"], "name_masked": mask_name(enrolment["name"]),
        "phone_masked": enrolment.get("phone_masked"), "employer_uscc": enrolment["employer_uscc"],
        "team": enrolment.get("team"), "trade": enrolment["trade"],
        "contract_signed": enrolment["contract_signed"],
        "entry_date": stints[-1].entry_date.isoformat(),
        "exit_date": stints[-1].exit_date.isoformat() if stints[-1].exit_date else None,
        "stints": len(stints), "on_site": on_site(stints, as_of),
    }


@dataclass
class BatchOutcome:
    """Enrolments changed by a batch (to store) and the records refused, by index."""

    changed: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RecordChange:
    """One enrolment or exit of a batch, the worker already pseudonymised; ``change`` is what
    ``enrolment_after``/``enrolment_after_exit`` applies (the enrolment kept, or an exit date)."""

    index: int
    project_code: str
    worker: str          # keyed hash of the ID number
    change: object


def apply_batch(items: list[RecordChange], current: dict[tuple[str, str], dict[str, Any]],
                refused_projects: dict[str, str],
                apply: Callable[[dict[str, Any] | None, Any], dict[str, Any] | Refused]) -> BatchOutcome:
    """Apply ``worker.enrol`` or ``worker.exit`` records in order: ``apply(enrolment or
    None, change)`` answers the new enrolment or a :class:`Refused`. A later record for the
    same worker sees the earlier."""
    outcome = BatchOutcome()
    state = dict(current)
    for index, code, worker, change in ((i.index, i.project_code, i.worker, i.change) for i in items):
        if code in refused_projects:
            outcome.rejected.append({"index": index, "errors": {"project_code": [refused_projects[code]]}})
            continue
        result = apply(state.get((code, worker)), change)
        if isinstance(result, Refused):
            outcome.rejected.append({"index": index, "errors": result.errors()})
            continue
        state[(code, worker)] = outcome.changed[(code, worker)] = result
    return outcome
