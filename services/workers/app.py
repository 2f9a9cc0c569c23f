"""The workers service's use cases (实名制 real-name records): storing enrolments, exits and
clock-ins, answering questions about them, reconciling attendance against payroll and
watching sites, over small ports (this module imports no nameko and no pymongo).

``service.py`` translates entrypoints into these calls; ``bootstrap`` wires the real
adapters; ``tests/unit/test_workers_app.py`` drives them with fakes.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any, Protocol

from services.workers.domain import (
    AttendancePlan,
    ClockIn,
    RecordChange,
    Refused,
    apply_batch,
    enrolment_after,
    enrolment_after_exit,
    plan_attendance,
    project_month_key,
    roster_entry,
)
from services.workers.minimum_wage import MinimumFor, MonthlyMinimum
from services.workers.reconciliation import conditions, month_summary, reconcile_months
from services.workers.settings import WorkersSettings
from services.workers.site_rules import attendance_unregistered, no_attendance, silences_broken
from shared.calendar import Month
from shared.internal import PayrollRecorded, Submission
from shared.pii import keyed_hash, mask_id_number, mask_name, mask_phone
from shared.projects import submission_problem
from shared.registry import ProjectRegistry
from shared.sweeps import Isolation, project_subject

log = logging.getLogger(__name__)
SOURCE = "workers"
# Names a subject that a rule could not evaluate: (subject, division, project code).
Subject = Callable[[dict[str, Any]], tuple[str, str, str | None]]
RECONCILE_CHUNK = 500   # project-months per payroll RPC and per bulk write during a sweep


class WorkerRecords(Protocol):
    """The service's own storage (``services.workers.repository.WorkersRepository``)."""

    def enrolments_by_worker(self, pairs: set[tuple[str, str]],
                             fields: tuple[str, ...] | None = None) -> dict[tuple[str, str], dict[str, Any]]: ...
    def save_enrolments(self, enrolments: list[dict[str, Any]]) -> None: ...
    def enrolments_of(self, project_codes: list[str]) -> list[dict[str, Any]]: ...
    def enrolled_on(self, project_codes: list[str]) -> list[dict[str, Any]]: ...
    def enrolment_counts(self, project_codes: list[str], month: Month) -> dict[str, int]: ...
    def store_attendance(self, plan: AttendancePlan) -> None: ...
    def attendance_of(self, project_code: str, month: str) -> list[dict[str, Any]]: ...
    def attended(self, keys: list[str]) -> dict[str, dict[str, dict[str, Any]]]: ...
    def last_days(self, project_codes: list[str] | None = None) -> dict[str, date]: ...
    def irregular_between(self, first: date, last: date) -> list[dict[str, Any]]: ...
    def mark_stale(self, project_code: str, month: str) -> dict[str, Any]: ...
    def to_reconcile(self, since_month: str) -> list[dict[str, Any]]: ...
    def project_month(self, project_code: str, month: str) -> dict[str, Any] | None: ...
    def save_findings(self, results: list[tuple[str, int, dict[str, Any], bool]]) -> None: ...
    def reported_findings(self) -> list[dict[str, Any]]: ...


class PayrollLines(Protocol):
    """The payroll service's RPC: each project-month's payroll lines per worker."""

    def payroll_lines(self, keys: list[str]) -> dict[str, dict[str, Any]]: ...


class AlertClearing(Protocol):
    """The alerts service's RPC, as far as this service clears alerts between sweeps."""

    def clear(self, source: str, fingerprints: list[str], reason: str) -> object: ...


class Workers:
    """Real-name records of one province, as of ``today()`` unless a date is given."""

    def __init__(self, *, records: WorkerRecords, registry: ProjectRegistry, payroll: PayrollLines,
                 alerts: AlertClearing, settings: WorkersSettings, today: Callable[[], date]):
        self.records, self.registry, self.payroll, self.alerts = records, registry, payroll, alerts
        self.settings, self.today = settings, today

    # Ingress owners ----------------------------------------------------------------------

    def enrol(self, submission: Submission) -> dict[str, Any]:
        """Store a ``worker.enrol`` batch; answers the refused records by index."""
        changes = [RecordChange(index, r["project_code"], self.worker(r["id_number"]), self._enrolment(r, submission))
                   for index, r in submission.indexed()]
        return self._apply(changes, submission.county, enrolment_after)

    def record_exits(self, submission: Submission) -> dict[str, Any]:
        """Store a ``worker.exit`` batch; answers the refused records by index."""
        changes = [RecordChange(index, r["project_code"], self.worker(r["id_number"]), r["exit_date"])
                   for index, r in submission.indexed()]
        return self._apply(changes, submission.county, enrolment_after_exit)

    def record_attendance(self, submission: Submission) -> dict[str, Any]:
        """Store an ``attendance.batch`` with a few bulk writes; clock-ins by people not
        enrolled on the project that day are refused by index (and counted for the
        ATTENDANCE_UNREGISTERED warning)."""
        people = {number: (self.worker(number), mask_id_number(number))   # each worker clocks in twice a day
                  for number in {r["id_number"] for _i, r in submission.indexed()}}
        clock_ins = [ClockIn(index, r["project_code"], *people[r["id_number"]], r["at"])
                     for index, r in submission.indexed()]
        refused = self.refused_projects({c.project_code for c in clock_ins}, submission.county)
        enrolments = self.records.enrolments_by_worker(
            {(c.project_code, c.worker) for c in clock_ins if c.project_code not in refused},
            fields=("contract_signed",))
        plan = plan_attendance(clock_ins, enrolments, refused)
        previous = self.records.last_days(sorted(plan.days_by_project)) if plan.days_by_project else {}
        self.records.store_attendance(plan)
        self._clear_silences(previous, plan.days_by_project)
        return {"rejected": plan.rejected}

    def _clear_silences(self, previous: dict[str, Any], days_by_project: dict[str, Any]) -> None:
        """A silent gate that clocks in again clears its NO_ATTENDANCE at once (a clear
        lost to a failure here is left to the next sweep, which resolves it)."""
        cleared = silences_broken(previous, days_by_project, self.today(), self.settings.site)
        if cleared:
            self.alerts.clear(SOURCE, cleared, "clock-ins resumed")

    def _apply(self, changes: list[RecordChange], county: str,
               apply: Callable[[dict[str, Any] | None, Any], dict[str, Any] | Refused]) -> dict[str, Any]:
        refused = self.refused_projects({c.project_code for c in changes}, county)
        current = self.records.enrolments_by_worker(
            {(c.project_code, c.worker) for c in changes if c.project_code not in refused})
        outcome = apply_batch(changes, current, refused, apply)
        self.records.save_enrolments(list(outcome.changed.values()))
        return {"rejected": outcome.rejected}

    def refused_projects(self, codes: set[str], county: str) -> dict[str, str]:
        """Projects this county may not send records for (unknown, or another county's)."""
        known = self.registry.get_many(codes)
        return {code: problem for code in codes if (problem := submission_problem(known.get(code), county))}

    def worker(self, id_number: str) -> str:
        return keyed_hash(id_number, self.settings.pii_key)

    def _enrolment(self, record: dict[str, Any], submission: Submission) -> dict[str, Any]:
        """What is kept of an enrolment: the ID number only as keyed hash and masked form,
        the phone only masked; the name in full (实名), masked whenever it leaves."""
        return {"project_code": record["project_code"], "worker": self.worker(record["id_number"]),
                "id_masked": mask_id_number(record["id_number"]), "name": record["name"],
                "phone_masked": mask_phone(record["phone"]) if record.get("phone") else None,
                "employer_uscc": record["employer_uscc"], "team": record.get("team"), "trade": record["trade"],
                "contract_signed": record["contract_signed"], "entry_date": record["entry_date"],
                "county": submission.county, "message_id": submission.message_id}

    # Questions other services and operators ask ----------------------------------------

    def enrolment_counts(self, project_codes: Iterable[str], month: Month) -> dict[str, int]:
        """For each project code, the distinct workers enrolled on it at any time in the
        month (entry by its last day, no exit before its first); 0 when none."""
        return self.records.enrolment_counts(list(project_codes), month)

    def roster(self, project_code: str, as_of: date | None = None) -> dict[str, Any]:
        """A project's enrolled workers (masked), and who is on site as of a date."""
        day = as_of or self.today()
        workers = sorted((roster_entry(e, day) for e in self.records.enrolments_of([project_code])),
                         key=lambda w: (w["team"] or "", w["id_masked"]))
        return {"project_code": project_code, "as_of": day.isoformat(), "enrolled": len(workers),
                "on_site": sum(1 for w in workers if w["on_site"]), "workers": workers}

    def attendance_summary(self, project_code: str, month: Month) -> dict[str, Any]:
        """Who clocked in on a project in a month and on how many days (masked), with the
        latest reconciliation against payroll."""
        period = str(month)
        names = {e["worker"]: mask_name(e["name"]) for e in self.records.enrolments_of([project_code])}
        return month_summary(project_code, period, self.records.attendance_of(project_code, period), names,
                             self.records.project_month(project_code, period))

    # Monitoring ------------------------------------------------------------------------

    def evaluate(self, day: date, isolation: Isolation) -> list[dict[str, Any]]:
        """Reconcile attendance against payroll for every project-month past its due date,
        and check every site's gate records, as of a date. Set-based: a fixed number of
        queries per sweep and a payroll call per 500 project-months to check, none per
        project; project facts come from the service's own registry copy."""
        projects = {p["project_code"]: p for p in self.registry.all()}
        subject = subject_in(projects)
        since = Month.of(day).shift(-self.settings.reconciliation.recheck_months)
        self.reconcile(self.records.to_reconcile(str(since)), isolation=isolation, subject=subject)
        rules = self.settings.reconciliation
        found = isolation.each([d for d in self.records.reported_findings() if d["project_code"] in projects],
                               lambda d: conditions(projects[d["project_code"]], d["month"], d["findings"], day, rules),
                               subject)
        return found + self._site_conditions(projects, day, isolation)

    def _site_conditions(self, projects: dict[str, dict[str, Any]], day: date, isolation: Isolation) -> list[dict[str, Any]]:
        """NO_ATTENDANCE and ATTENDANCE_UNREGISTERED, project by project."""
        site, last_days = self.settings.site, self.records.last_days()
        found = isolation.each(projects.values(), lambda p: no_attendance([p], last_days, day, site), project_subject)
        irregular: dict[str, list[dict[str, Any]]] = {}
        for group in self.records.irregular_between(site.window_start(day), day):
            irregular.setdefault(group["project_code"], []).append(group)
        return found + isolation.each(sorted(irregular.keys() & projects.keys()),
                                      lambda code: attendance_unregistered(projects, irregular[code], day, site),
                                      lambda code: project_subject(projects[code]))

    def reconcile(self, months: list[dict[str, Any]], clear_reason: str | None = None,
                  isolation: Isolation | None = None, subject: Subject | None = None) -> None:
        """Recompute and store findings: attendance and enrolments read in one query each,
        payroll lines asked and findings stored per chunk. With ``clear_reason``, alerts
        the new data no longer stands for are cleared first, so a failure before the
        store leaves the month marked and the clear is simply done again. A month whose
        records the comparison cannot compute with is skipped (and reported by a sweep)."""
        if not months:
            return
        isolation, subject = isolation or Isolation(SOURCE), subject or subject_in({})
        attended = self.records.attended([m["_id"] for m in months])
        enrolments: dict[str, list[dict[str, Any]]] = {}
        for enrolment in self.records.enrolled_on(sorted({m["project_code"] for m in months})):
            enrolments.setdefault(enrolment["project_code"], []).append(enrolment)
        minimum_for = self._minimum_wages(sorted({m["project_code"] for m in months}))
        for start in range(0, len(months), RECONCILE_CHUNK):
            chunk = months[start:start + RECONCILE_CHUNK]
            lines = self.payroll.payroll_lines([m["_id"] for m in chunk])
            results = isolation.each(chunk, partial(_reconcile_one, attended, lines, enrolments, minimum_for),
                                     subject)
            cleared = sorted(fp for r in results for fp in r["cleared"])
            if clear_reason and cleared:
                self.alerts.clear(SOURCE, cleared, clear_reason)
            self.records.save_findings([(r["key"], r["changes"], r["findings"], r["flagged"])
                                        for r in results if not r["unchanged"]])

    def _minimum_wages(self, project_codes: list[str]) -> MinimumFor:
        """``(code, month) → MonthlyMinimum``: the county's monthly minimum wage for a
        project-month (divisions from the registry copy, read once); None for a project the
        copy does not know."""
        divisions = {code: p["division"] for code, p in self.registry.get_many(project_codes).items()}
        minimum, calendar = self.settings.reconciliation.minimum_wage, self.settings.calendar

        def minimum_for(project_code: str, month: str) -> MonthlyMinimum | None:
            division = divisions.get(project_code)
            return minimum.for_month(division, month, calendar) if division else None
        return minimum_for

    def payroll_recorded(self, event: PayrollRecorded) -> None:
        """A payroll that arrives clears what it pays at once, not at the next sweep. Marking
        the month is one write (it raises only with storage away: the event is retried);
        a reconciliation that fails after it is left to the next sweep."""
        project_code, month = event.project_code, event.month
        marked = self.records.mark_stale(project_code, month)
        try:
            self.reconcile([marked], clear_reason=f"payroll for {month} recorded")
        except Exception:  # noqa: BLE001 - the month stays marked; the next sweep reconciles it
            log.warning("could not reconcile %s on arrival of its payroll; the next sweep will",
                        project_month_key(project_code, month), exc_info=True)


def _reconcile_one(attended: dict[str, dict[str, Any]], lines: dict[str, dict[str, Any]],
                   enrolments: dict[str, list[dict[str, Any]]], minimum_for: MinimumFor,
                   month: dict[str, Any]) -> list[dict[str, Any]]:
    return reconcile_months([month], attended, lines, enrolments, minimum_for)


def subject_in(projects: dict[str, dict[str, Any]]) -> Subject:
    """Names a project-month's project as a skipped subject (division from the registry)."""
    def subject(doc: dict[str, Any]) -> tuple[str, str, str]:
        code = doc["project_code"]
        return code, (projects.get(code) or {}).get("division") or code[:6], code
    return subject
