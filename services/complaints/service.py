"""complaints: wage-arrears complaints (欠薪投诉) from arrival to closing.

Owns ``complaint.filed``. A complaint opens a case at once and tells its county's hrss
desk (``COMPLAINT_FILED``); desks then move the case through its lifecycle by RPC
(``wagewatch complaints …``); every change is recorded and published as a
``complaint_*`` event; the daily sweep watches the working-day clocks
(``COMPLAINT_OVERDUE``); and the figures are reported per division and period.

After each change the service publishes its events and brings the case's alerts up to
date. Both are idempotent; a change whose follow-up failed (the alerts service away) is
kept ``pending`` and relayed by a timer, so the change itself is never refused for it.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from shared.calendar import now_iso
from shared.contract.alerts import COMPLAINT_OVERDUE
from shared.divisions import validate_division
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from shared.nameko import sweeps
from services.complaints import domain
from services.complaints.clocks import clock_at
from services.complaints.exceptions import CaseError, CaseNotFound, ConcurrentChange, InvalidChange, travel_as_themselves
from services.complaints.figures import figures
from services.complaints.intake import complainant_hash, intake_problems, new_case
from services.complaints.repository import CaseRepository
from services.complaints.rules import alerts_for, overdue_condition, stale_fingerprints
from services.complaints.schemas import load_change
from services.complaints.settings import ComplaintSettings
from services.complaints.views import case_view, event_body, summary

log = logging.getLogger(__name__)
travel_as_themselves()

SOURCE = "complaints"
RELAY_AFTER = timedelta(seconds=30)
_PERSONAL = ("submission.payload.complainant", "submission.payload.description")


class ComplaintsService(sweeps.MonitoringSweep):
    name = "complaints"
    alert_types = (COMPLAINT_OVERDUE,)

    health = HealthCheck()

    cases = Repository(CaseRepository)
    settings = Settings(ComplaintSettings.from_config)
    clock = ClockProvider()
    dispatch = EventDispatcher()
    projects = RpcProxy("projects")
    alerts = RpcProxy("alerts")

    # ---- intake: the owner of complaint.filed -------------------------------------------

    @rpc(sensitive_arguments=_PERSONAL)
    def file_complaint(self, submission: dict) -> dict:
        """Open the case for a ``complaint.filed`` and tell the desks at once. The same
        complaint again (same county and complaint_id) changes nothing."""
        payload = submission["payload"]
        problems = intake_problems(payload, submission["received_at"])
        if problems:
            return {"errors": problems}
        case = self._new_case(submission)
        if not self.cases.insert(case):
            case = self.cases.get(case["_id"])
        if case["pending"]:   # new, or the first attempt died before its follow-up
            case["related"] = self._link_related(case)
            self._follow_up(case)
        return {}

    def _new_case(self, submission: dict) -> dict:
        payload, rules = submission["payload"], self.settings.rules
        code = payload.get("project_code")
        project = self.projects.get_projects([code]).get(code) if code else None
        return new_case(submission, project, pii_key=self.settings.pii_key,
                        referral=rules.referral.reason(payload["workers_affected"], payload["amount_claimed"]))

    def _link_related(self, case: dict) -> list[str]:
        """After storing, so two related complaints arriving together still find each other."""
        related = self.cases.related_to(case["_id"], case.get("project_code"), case.get("employer_uscc"),
                                        date.fromisoformat(case["filed_on"]), self.settings.rules.related_within_days)
        self.cases.link(related, case["_id"])
        return sorted({*case.get("related", []), *related})

    # ---- a desk's changes -----------------------------------------------------------------

    @rpc(expected_exceptions=CaseError)
    def accept(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        """受理: take the case on; the investigation clock starts."""
        return self._change(case_id, domain.ACCEPT, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def refuse(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        """不予受理: refuse in writing, with the reason."""
        return self._change(case_id, domain.REFUSE, by=by, on=on, reason=reason)

    @rpc(expected_exceptions=CaseError)
    def investigate(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        return self._change(case_id, domain.INVESTIGATE, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def suspend(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        """中止: wait (for the complainant's materials, another authority); the clock pauses."""
        return self._change(case_id, domain.SUSPEND, by=by, on=on, reason=reason)

    @rpc(expected_exceptions=CaseError)
    def resume(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        return self._change(case_id, domain.RESUME, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def resolve(self, case_id: str, by: str, outcome: str, amount_recovered, workers_paid: int,
                on: str | None = None, note: str | None = None) -> dict:
        """处理完毕: the outcome, the wages recovered (yuan) and the workers paid."""
        return self._change(case_id, domain.RESOLVE, by=by, on=on, outcome=outcome,
                            amount_recovered=amount_recovered, workers_paid=workers_paid, note=note)

    @rpc(expected_exceptions=CaseError)
    def close(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        """结案."""
        return self._change(case_id, domain.CLOSE, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def transfer(self, case_id: str, by: str, reason: str, to_division: str | None = None,
                 to_department: str | None = None, on: str | None = None) -> dict:
        """转办: hand the case to the competent division or department (never turn it away)."""
        return self._change(case_id, domain.TRANSFER, by=by, on=on, reason=reason,
                            to_division=to_division, to_department=to_department)

    @rpc(expected_exceptions=CaseError)
    def reopen(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        return self._change(case_id, domain.REOPEN, by=by, on=on, reason=reason)

    @rpc(expected_exceptions=CaseError)
    def extend(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        """延期: the investigation deadline + 30 working days, once, with the approval's reason."""
        return self._change(case_id, domain.EXTEND, by=by, on=on, reason=reason)

    def _change(self, case_id: str, action: str, **request) -> dict:
        params = load_change(action, request)
        case = self._case(case_id)
        today = self.clock.today()
        changes, entry = domain.apply(case, action, params, by=params["by"], at=self.clock.now_iso(),
                                      on=params.get("on") or today, today=today)
        stored = self.cases.apply(case, changes, entry)
        if stored is None:
            raise ConcurrentChange(f"Case {case_id} was changed by someone else meanwhile; "
                                   f"look at it again (wagewatch complaints show {case_id}) and retry.")
        self._follow_up(stored)
        return case_view(stored, self._clock(stored, today))

    # ---- reading ------------------------------------------------------------------------

    @rpc(expected_exceptions=CaseError)
    def get_case(self, case_id: str, as_of: str | None = None) -> dict:
        case = self._case(case_id)
        return case_view(case, self._clock(case, _day(as_of, "as_of") or self.clock.today()))

    @rpc(expected_exceptions=CaseError, sensitive_arguments=("complainant",))
    def list_cases(self, division: str | None = None, status: str | None = None, project_code: str | None = None,
                   employer_uscc: str | None = None, complainant: str | None = None, limit: int = 100,
                   as_of: str | None = None) -> list[dict]:
        """Cases newest first. ``complainant`` is a phone or ID number, matched by its
        keyed hash (it is never stored or returned)."""
        _check_filters(division, status)
        day = _day(as_of, "as_of") or self.clock.today()
        found = self.cases.find(division=division, status=status, project_code=project_code,
                                employer_uscc=employer_uscc, limit=limit,
                                complainant_hash=complainant_hash(complainant, self.settings.pii_key) if complainant else None)
        return [summary(case, self._clock(case, day)) for case in found]

    @rpc(expected_exceptions=CaseError)
    def figures(self, division: str, date_from: str, date_to: str, as_of: str | None = None) -> dict:
        """Filed, accepted, closed, closure and on-time rates, recovered, helped: see figures.py."""
        if not division:
            raise InvalidChange({"division": ["Required: a county, city or province code."]})
        _check_filters(division, None)
        start, end = _day(date_from, "from"), _day(date_to, "to")
        if start is None or end is None or end < start:
            raise InvalidChange({"to": ["Give a period: from and to, with from not after to."]})
        cases = self.cases.filed_within(division, start, end)
        rules = self.settings.rules
        return figures(cases, division, start, end, _day(as_of, "as_of") or self.clock.today(),
                       self.settings.calendar, rules.limits)

    # ---- monitoring ---------------------------------------------------------------------

    def _evaluate(self, day: date, isolation, project_codes: list[str] | None = None) -> list[dict]:
        """COMPLAINT_OVERDUE for every open case whose clock is at 80% or past its deadline
        as of a date (the sweep resolves the ones no longer late)."""
        def overdue(case: dict) -> list[dict]:
            condition = overdue_condition(case, self._clock(case, day), self.settings.rules)
            return [condition] if condition else []
        return isolation.each(self.cases.open_cases(), overdue,
                              lambda case: (case["_id"], case["division"], case.get("project_code")))

    def _after_sweep(self, outcome: dict, conditions: list[dict], day: date) -> None:
        self._withdraw_raced(outcome, conditions, day)

    def _withdraw_raced(self, outcome: dict, conditions: list[dict], day: date) -> None:
        """A case closed while the sweep ran must not keep the overdue alert it raised."""
        case_of = {c["fingerprint"]: c["details"]["case_id"] for c in conditions if c["type"] == COMPLAINT_OVERDUE}
        raised = [a["fingerprint"] for a in outcome["raised"] if a["fingerprint"] in case_of]
        fresh = {case["_id"]: case for case in self.cases.get_many([case_of[fp] for fp in raised])}
        stale = [fp for fp in raised if fp in stale_fingerprints(fresh[case_of[fp]],
                                                                   self._clock(fresh[case_of[fp]], day))]
        if stale:
            self.alerts.clear(SOURCE, stale, "the case changed while the sweep ran")

    def _sweep_log(self):
        return self.cases.sweeps

    @timer(interval=15)
    def relay_pending(self):
        """Publish what a change's follow-up could not (the alerts service was away)."""
        for case in self.cases.with_pending(now_iso(self.clock.now() - RELAY_AFTER)):
            log.warning("relaying the follow-up of case %s", case["_id"])
            self._follow_up(case)

    # ---- follow-up: events and alerts -----------------------------------------------------

    def _follow_up(self, case: dict) -> None:
        try:
            for entry in case["history"]:
                if entry["seq"] in case["pending"]:
                    self.dispatch(domain.event_of(entry["action"]), event_body(case, entry))
            self._bring_alerts_up_to_date(case)
        except Exception:  # noqa: BLE001 - the change is stored; the relay finishes the rest
            log.warning("case %s: events or alerts deferred to the relay", case["_id"], exc_info=True)
            return
        self.cases.followed_up(case["_id"], case["pending"])

    def _bring_alerts_up_to_date(self, case: dict) -> None:
        code, uscc = case.get("project_code"), case.get("employer_uscc")
        report, stale = alerts_for(case, self._clock(case, self.clock.today()),
                                   self.cases.on_project_month(code, case["month"]) if code else [],
                                   self.cases.of_employer(uscc) if uscc else [], self.settings.rules)
        if stale:
            last = case["history"][-1]
            self.alerts.clear(SOURCE, stale, f"complaint {case['_id']}: {last['action']} by {last['by']} on {last['on']}")
        if report:
            self.alerts.report(SOURCE, report)

    # ---- helpers ----------------------------------------------------------------------

    def _case(self, case_id: str) -> dict:
        case = self.cases.get(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def _clock(self, case: dict, day: date):
        return clock_at(case["history"], day, self.settings.calendar, self.settings.rules.limits)


def _day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidChange({field: [f"Not a date in YYYY-MM-DD form: {text!r}."]}) from None


def _check_filters(division: str | None, status: str | None) -> None:
    errors = {}
    if division and validate_division(division):
        errors["division"] = validate_division(division)
    if status and status not in domain.STATUSES:
        errors["status"] = [f"Must be one of: {', '.join(domain.STATUSES)}."]
    if errors:
        raise InvalidChange(errors)
