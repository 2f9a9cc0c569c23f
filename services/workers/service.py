"""workers: real-name records (实名制). Enrolments, exits and gate clock-ins; reconciles
attendance against payroll and watches sites whose gate records are out of order."""
from __future__ import annotations

import logging
from datetime import date

from marshmallow import ValidationError
from nameko.rpc import RpcProxy, rpc

from shared.calendar import Month
from shared.internal import PAYROLL_RECORDED, PayrollRecordedSchema
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Kept, Repository, Settings
from shared.nameko import sweeps
from shared.nameko.sweeps import project_subject
from shared.pii import keyed_hash, mask_id_number, mask_name, mask_phone
from shared.projects import ProjectDivisions, load_facts
from shared.sweeps import Isolation
from services.workers.domain import (
    ClockIn, apply_batch, enrolment_after, enrolment_after_exit, plan_attendance, roster_entry,
)
from services.workers.reconciliation import RECONCILED_TYPES, conditions, month_summary, reconcile_months
from services.workers.repository import WorkersRepository, project_month_key
from services.workers.settings import WorkersSettings
from services.workers.site_rules import SITE_TYPES, attendance_unregistered, no_attendance, silences_broken

log = logging.getLogger(__name__)
SOURCE = "workers"
RECONCILE_CHUNK = 500   # project-months per payroll RPC and per bulk write during a sweep
_PAYROLL_RECORDED = PayrollRecordedSchema()


class WorkersService(sweeps.MonitoringSweep):
    name = "workers"
    alert_types = (*RECONCILED_TYPES, *SITE_TYPES)

    health = HealthCheck()

    records = Repository(WorkersRepository)
    settings = Settings(WorkersSettings.from_config)
    clock = ClockProvider()
    divisions = Kept(ProjectDivisions)
    projects = RpcProxy("projects")
    payroll = RpcProxy("payroll")
    alerts = RpcProxy("alerts")

    # Ingress owners ----------------------------------------------------------------------

    @rpc
    def enrol_workers(self, submission: dict) -> dict:
        """Store a ``worker.enrol`` batch; answers the refused records by index."""
        items = [(r["index"], r["record"]["project_code"], self._worker(r["record"]["id_number"]),
                  self._enrolment(r["record"], submission)) for r in submission["records"]]
        return self._apply(items, submission["county"], enrolment_after)

    @rpc
    def record_exits(self, submission: dict) -> dict:
        """Store a ``worker.exit`` batch; answers the refused records by index."""
        items = [(r["index"], r["record"]["project_code"], self._worker(r["record"]["id_number"]),
                  r["record"]["exit_date"]) for r in submission["records"]]
        return self._apply(items, submission["county"], enrolment_after_exit)

    @rpc
    def record_attendance(self, submission: dict) -> dict:
        """Store an ``attendance.batch`` with a few bulk writes; clock-ins by people not
        enrolled on the project that day are refused by index and counted."""
        people = {number: (self._worker(number), mask_id_number(number))   # each worker clocks in twice a day
                  for number in {r["record"]["id_number"] for r in submission["records"]}}
        clock_ins = [ClockIn(r["index"], r["record"]["project_code"], *people[r["record"]["id_number"]],
                             r["record"]["at"]) for r in submission["records"]]
        refused = self._refused_projects({c.project_code for c in clock_ins}, submission["county"])
        enrolments = self.records.enrolments_by_worker(
            {(c.project_code, c.worker) for c in clock_ins if c.project_code not in refused},
            fields=("contract_signed",))
        plan = plan_attendance(clock_ins, enrolments, refused)
        previous = self.records.last_days(sorted(plan.days_by_project)) if plan.days_by_project else {}
        self.records.store_attendance(plan)
        self._clear_silences(previous, plan.days_by_project)
        return {"rejected": plan.rejected}

    def _clear_silences(self, previous: dict, days_by_project: dict) -> None:
        """A silent gate that clocks in again clears its NO_ATTENDANCE at once (a clear
        lost to a failure here is left to the next sweep, which resolves it)."""
        cleared = silences_broken(previous, days_by_project, self.clock.today(), self.settings.site)
        if cleared:
            self.alerts.clear(SOURCE, cleared, "clock-ins resumed")

    def _apply(self, items, county: str, apply) -> dict:
        refused = self._refused_projects({code for _i, code, _w, _c in items}, county)
        current = self.records.enrolments_by_worker({(code, w) for _i, code, w, _c in items if code not in refused})
        outcome = apply_batch(items, current, refused, apply)
        self.records.save_enrolments(list(outcome.changed.values()))
        return {"rejected": outcome.rejected}

    def _refused_projects(self, codes: set[str], county: str) -> dict[str, str]:
        """Projects this county may not send records for (unknown, or another county's)."""
        return self.divisions.refused(codes, county, self.projects.get_projects)

    def _worker(self, id_number: str) -> str:
        return keyed_hash(id_number, self.settings.pii_key)

    def _enrolment(self, record: dict, submission: dict) -> dict:
        """What is kept of an enrolment: the ID number only as keyed hash and masked form,
        the phone only masked; the name in full (实名), masked whenever it leaves."""
        return {"project_code": record["project_code"], "worker": self._worker(record["id_number"]),
                "id_masked": mask_id_number(record["id_number"]), "name": record["name"],
                "phone_masked": mask_phone(record["phone"]) if record.get("phone") else None,
                "employer_uscc": record["employer_uscc"], "team": record.get("team"), "trade": record["trade"],
                "contract_signed": record["contract_signed"], "entry_date": record["entry_date"],
                "county": submission["county"], "message_id": submission["message_id"]}

    # Questions other services and operators ask ----------------------------------------

    @rpc
    def enrolment_counts(self, project_codes: list[str], month: str) -> dict[str, int]:
        """For each project code, the distinct workers enrolled on it at any time in the
        month (entry by its last day, no exit before its first); 0 when none."""
        return self.records.enrolment_counts(list(project_codes), Month.parse(month))

    @rpc
    def roster(self, project_code: str, as_of: str | None = None) -> dict:
        """A project's enrolled workers (masked), and who is on site as of a date."""
        day = date.fromisoformat(as_of) if as_of else self.clock.today()
        workers = sorted((roster_entry(e, day) for e in self.records.enrolments_of([project_code])),
                         key=lambda w: (w["team"] or "", w["id_masked"]))
        return {"project_code": project_code, "as_of": day.isoformat(), "enrolled": len(workers),
                "on_site": sum(1 for w in workers if w["on_site"]), "workers": workers}

    @rpc
    def attendance_summary(self, project_code: str, month: str) -> dict:
        """Who clocked in on a project in a month and on how many days (masked), with the
        latest reconciliation against payroll."""
        month = str(Month.parse(month))
        names = {e["worker"]: mask_name(e["name"]) for e in self.records.enrolments_of([project_code])}
        return month_summary(project_code, month, self.records.attendance_of(project_code, month), names,
                             self.records.project_month(project_code, month))

    # Monitoring ------------------------------------------------------------------------

    def _evaluate(self, day: date, isolation: Isolation, project_codes: list[str] | None = None) -> list[dict]:
        """Reconcile attendance against payroll for every project-month past its due date,
        and check every site's gate records, as of a date. Set-based: a fixed number of
        queries per sweep and an RPC per 500 project-months to check, none per project.
        (Only sweeps call it: records re-evaluate nothing here but what they clear.)"""
        projects = {p["project_code"]: p for p in map(load_facts, self.projects.list_projects())}
        subject = _subject_in(projects)
        since = Month.of(day).shift(-self.settings.reconciliation.recheck_months)
        self._reconcile(self.records.to_reconcile(str(since)), isolation=isolation, subject=subject)
        rules = self.settings.reconciliation
        found = isolation.each([d for d in self.records.reported_findings() if d["project_code"] in projects],
                               lambda d: conditions(projects[d["project_code"]], d["month"], d["findings"], day, rules),
                               subject)
        return found + self._site_conditions(projects, day, isolation)

    def _site_conditions(self, projects: dict[str, dict], day: date, isolation: Isolation) -> list[dict]:
        """NO_ATTENDANCE and ATTENDANCE_UNREGISTERED, project by project."""
        site, last_days = self.settings.site, self.records.last_days()
        found = isolation.each(projects.values(), lambda p: no_attendance([p], last_days, day, site), project_subject)
        irregular: dict[str, list[dict]] = {}
        for group in self.records.irregular_between(site.window_start(day), day):
            irregular.setdefault(group["project_code"], []).append(group)
        return found + isolation.each(sorted(irregular.keys() & projects.keys()),
                                      lambda code: attendance_unregistered(projects, irregular[code], day, site),
                                      lambda code: project_subject(projects[code]))

    def _reconcile(self, months: list[dict], clear_reason: str | None = None, isolation: Isolation | None = None,
                   subject=None) -> None:
        """Recompute and store findings: attendance and enrolments read in one query each,
        payroll lines asked and findings stored per chunk. With ``clear_reason``, alerts
        the new data no longer stands for are cleared first, so a failure before the
        store leaves the month marked and the clear is simply done again. A month whose
        records the comparison cannot compute with is skipped (and reported by a sweep)."""
        if not months:
            return
        isolation, subject = isolation or Isolation(SOURCE), subject or _subject_in({})
        attended = self.records.attended([m["_id"] for m in months])
        enrolments: dict[str, list[dict]] = {}
        for enrolment in self.records.enrolled_on(sorted({m["project_code"] for m in months})):
            enrolments.setdefault(enrolment["project_code"], []).append(enrolment)
        for start in range(0, len(months), RECONCILE_CHUNK):
            chunk = months[start:start + RECONCILE_CHUNK]
            lines = self.payroll.payroll_lines([m["_id"] for m in chunk])
            results = isolation.each(chunk, lambda m: reconcile_months([m], attended, lines, enrolments), subject)
            cleared = sorted(fp for r in results for fp in r["cleared"])
            if clear_reason and cleared:
                self.alerts.clear(SOURCE, cleared, clear_reason)
            self.records.save_findings([(r["key"], r["changes"], r["findings"], r["flagged"])
                                        for r in results if not r["unchanged"]])

    # A payroll that arrives clears what it pays at once, not at the next sweep. Requeued
    # on error: marking the month is a single write that fails only with storage away.
    @reliable_event_handler("payroll", PAYROLL_RECORDED)
    def handle_payroll_recorded(self, body):
        try:
            event = _PAYROLL_RECORDED.load(body)
        except ValidationError as exc:
            log.error("ignoring malformed %s event: %s", PAYROLL_RECORDED, exc.messages)
            return
        month = self.records.mark_stale(event["project_code"], event["month"])
        try:
            self._reconcile([month], clear_reason=f"payroll for {event['month']} recorded")
        except Exception:  # noqa: BLE001 - the month stays marked; the next sweep reconciles it
            log.warning("could not reconcile %s on arrival of its payroll; the next sweep will",
                        project_month_key(event["project_code"], event["month"]), exc_info=True)

    def _sweep_log(self):
        return self.records.sweeps


def _subject_in(projects: dict[str, dict]):
    """Names a project-month's project as a skipped subject (division from the registry)."""
    def subject(doc: dict) -> tuple[str, str, str]:
        code = doc["project_code"]
        return code, (projects.get(code) or {}).get("division") or code[:6], code
    return subject
