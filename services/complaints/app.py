"""The complaints service's use cases (欠薪投诉): intake, a desk's changes, reading, the
figures and the overdue watch, over small ports (this module imports no nameko and no
pymongo). ``service.py`` translates entrypoints into these calls; ``tests/unit/
test_complaints_app.py`` drives them with fakes.

After each change the use cases publish its events and bring the case's alerts up to
date. Both are idempotent; a change whose follow-up failed (the alerts service away) is
kept ``pending`` and relayed later (:meth:`Complaints.relay_pending`), so the change
itself is never refused for it.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from services.complaints import domain
from services.complaints.clocks import Clock as CaseClock
from services.complaints.clocks import clock_at
from services.complaints.exceptions import CaseNotFound, ConcurrentChange, InvalidChange
from services.complaints.figures import figures
from services.complaints.intake import complainant_hash, intake_problems, new_case
from services.complaints.rules import alerts_for, overdue_condition, referral_condition, stale_fingerprints
from services.complaints.schemas import load_change
from services.complaints.settings import ComplaintSettings
from services.complaints.views import case_view, complaint_event, summary
from shared.calendar import now_iso
from shared.contract.alerts import COMPLAINT_OVERDUE, CRIMINAL_REFERRAL_DUE
from shared.divisions import validate_division
from shared.errors import RecordRefused
from shared.internal import Submission
from shared.registry import ProjectRegistry
from shared.sweeps import Isolation

log = logging.getLogger(__name__)
SOURCE = "complaints"
RELAY_AFTER = timedelta(seconds=30)


class Cases(Protocol):
    """The service's own storage (``services.complaints.repository.CaseRepository``)."""

    def insert(self, case: dict[str, Any]) -> bool: ...
    def get(self, case_id: str) -> dict[str, Any] | None: ...
    def get_many(self, case_ids: list[str]) -> list[dict[str, Any]]: ...
    def related_to(self, case_id: str, project_code: str | None, employer_uscc: str | None,
                   filed_on: date, within_days: int) -> list[str]: ...
    def link(self, case_ids: list[str], case_id: str) -> None: ...
    def find(self, *, division: str | None = None, status: str | None = None, project_code: str | None = None,
             employer_uscc: str | None = None, complainant_hash: str | None = None,
             limit: int = 100) -> list[dict[str, Any]]: ...
    def on_project_month(self, project_code: str, month: str) -> list[dict[str, Any]]: ...
    def of_employer(self, employer_uscc: str) -> list[dict[str, Any]]: ...
    def open_cases(self) -> list[dict[str, Any]]: ...
    def filed_within(self, scope: str, date_from: date, date_to: date) -> list[dict[str, Any]]: ...
    def apply(self, case: dict[str, Any], changes: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any] | None: ...
    def followed_up(self, case_id: str, seqs: list[int]) -> None: ...
    def with_pending(self, changed_before: str) -> list[dict[str, Any]]: ...


class Alerts(Protocol):
    """The alerts service's RPC, as this service reports and clears a case's alerts."""

    def report(self, source: str, conditions: list[dict[str, Any]]) -> object: ...
    def clear(self, source: str, fingerprints: list[str], reason: str) -> object: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
    def today(self) -> date: ...
    def now_iso(self) -> str: ...


Publish = Callable[[str, dict[str, Any]], None]   # (event type, body): a ``complaint_*`` event


@dataclass(frozen=True)
class CaseFilter:
    """What a desk lists cases by (all optional); ``complainant`` is a phone or ID number,
    matched by its keyed hash (it is never stored or returned)."""

    division: str | None = None
    status: str | None = None
    project_code: str | None = None
    employer_uscc: str | None = None
    complainant: str | None = None
    limit: int = 100


class Complaints:
    def __init__(self, *, cases: Cases, registry: ProjectRegistry, alerts: Alerts, publish: Publish,
                 settings: ComplaintSettings, clock: Clock):
        self.cases, self.registry, self.alerts, self.publish = cases, registry, alerts, publish
        self.settings, self.clock = settings, clock

    # ---- intake: the owner of complaint.filed -------------------------------------------

    def file(self, submission: Submission) -> dict[str, Any]:
        """Open the case for a ``complaint.filed`` and tell the desks at once. The same
        complaint again (same county and complaint_id) changes nothing; a refused one
        raises RecordRefused naming its fields."""
        problems = intake_problems(submission.payload or {}, submission.received_at)
        if problems:
            raise RecordRefused(problems)
        case = self._new_case(submission)
        if not self.cases.insert(case):
            stored = self.cases.get(case["_id"])
            assert stored is not None    # the insert was refused: the case is there
            case = stored
        if case["pending"]:   # new, or the first attempt died before its follow-up
            case["related"] = self._link_related(case)
            self.follow_up(case)
        return {}

    def _new_case(self, submission: Submission) -> dict[str, Any]:
        code = (submission.payload or {}).get("project_code")
        return new_case(submission, self.registry.get(code) if code else None, pii_key=self.settings.pii_key)

    def _link_related(self, case: dict[str, Any]) -> list[str]:
        """After storing, so two related complaints arriving together still find each other."""
        related = self.cases.related_to(case["_id"], case.get("project_code"), case.get("employer_uscc"),
                                        date.fromisoformat(case["filed_on"]), self.settings.rules.related_within_days)
        self.cases.link(related, case["_id"])
        return sorted({*case.get("related", []), *related})

    # ---- a desk's changes -----------------------------------------------------------------

    def change(self, case_id: str, action: str, request: dict[str, Any]) -> dict[str, Any]:
        """One lifecycle ``action`` (domain.ACCEPT …) on a case, as of ``request['on']`` or today."""
        params = load_change(action, request)
        case = self._case(case_id)
        today = self.clock.today()
        changes, entry = domain.apply(case, action, params, by=params["by"], at=self.clock.now_iso(),
                                      on=params.get("on") or today, today=today)
        stored = self.cases.apply(case, changes, entry)
        if stored is None:
            raise ConcurrentChange(f"Case {case_id} was changed by someone else meanwhile; "
                                   f"look at it again (wagewatch complaints show {case_id}) and retry.")
        self.follow_up(stored)
        return self._view(stored, today)

    # ---- reading ------------------------------------------------------------------------

    def get_case(self, case_id: str, as_of: str | None = None) -> dict[str, Any]:
        return self._view(self._case(case_id), _day(as_of, "as_of") or self.clock.today())

    def list_cases(self, wanted: CaseFilter, as_of: str | None = None) -> list[dict[str, Any]]:
        """Cases newest first."""
        _check_filters(wanted.division, wanted.status)
        day = _day(as_of, "as_of") or self.clock.today()
        hashed = complainant_hash(wanted.complainant, self.settings.pii_key) if wanted.complainant else None
        found = self.cases.find(division=wanted.division, status=wanted.status, project_code=wanted.project_code,
                                employer_uscc=wanted.employer_uscc, limit=wanted.limit, complainant_hash=hashed)
        return [summary(case, self._clock(case, day), self._referral(case, day)) for case in found]

    def figures(self, division: str, date_from: str, date_to: str, as_of: str | None = None) -> dict[str, Any]:
        """Filed, accepted, closed, closure and on-time rates, recovered, helped: see figures.py."""
        if not division:
            raise InvalidChange({"division": ["Required: a county, city or province code."]})
        _check_filters(division, None)
        start, end = _day(date_from, "from"), _day(date_to, "to")
        if start is None or end is None or end < start:
            raise InvalidChange({"to": ["Give a period: from and to, with from not after to."]})
        return figures(self.cases.filed_within(division, start, end), division, start, end,
                       _day(as_of, "as_of") or self.clock.today(), self.settings.calendar, self.settings.rules.limits)

    # ---- monitoring ---------------------------------------------------------------------

    def watch(self, day: date, isolation: Isolation) -> list[dict[str, Any]]:
        """As of a date, for every open case: COMPLAINT_OVERDUE when its clock is at 80% or
        past its deadline, CRIMINAL_REFERRAL_DUE when its order to pay went unheeded at the
        threshold (the sweep resolves what no longer holds)."""
        def watched(case: dict[str, Any]) -> list[dict[str, Any]]:
            found = [overdue_condition(case, self._clock(case, day), self.settings.rules),
                     referral_condition(case, day, self.settings.rules)]
            return [condition for condition in found if condition]
        return isolation.each(self.cases.open_cases(), watched,
                              lambda case: (case["_id"], case["division"], case.get("project_code")))

    def withdraw_raced(self, outcome: dict[str, Any], conditions: list[dict[str, Any]], day: date) -> None:
        """A case closed (or resolved) while the sweep ran must not keep the overdue or
        referral alert the sweep raised for it."""
        case_of = {c["fingerprint"]: c["details"]["case_id"] for c in conditions
                   if c["type"] in (COMPLAINT_OVERDUE, CRIMINAL_REFERRAL_DUE)}
        raised = [a["fingerprint"] for a in outcome["raised"] if a["fingerprint"] in case_of]
        fresh = {case["_id"]: case for case in self.cases.get_many([case_of[fp] for fp in raised])}

        def still_stale(case: dict[str, Any]) -> list[str]:
            return stale_fingerprints(case, self._clock(case, day), self._referral(case, day) is not None)
        stale = [fp for fp in raised if fp in still_stale(fresh[case_of[fp]])]
        if stale:
            self.alerts.clear(SOURCE, stale, "the case changed while the sweep ran")

    def relay_pending(self) -> None:
        """Publish what a change's follow-up could not (the alerts service was away)."""
        for case in self.cases.with_pending(now_iso(self.clock.now() - RELAY_AFTER)):
            log.warning("relaying the follow-up of case %s", case["_id"])
            self.follow_up(case)

    # ---- follow-up: events and alerts -----------------------------------------------------

    def follow_up(self, case: dict[str, Any]) -> None:
        try:
            for entry in case["history"]:
                if entry["seq"] in case["pending"]:
                    self.publish(domain.event_of(entry["action"]), complaint_event(case, entry).dump())
            self._bring_alerts_up_to_date(case)
        except Exception:  # noqa: BLE001 - the change is stored; the relay finishes the rest
            log.warning("case %s: events or alerts deferred to the relay", case["_id"], exc_info=True)
            return
        self.cases.followed_up(case["_id"], case["pending"])

    def _bring_alerts_up_to_date(self, case: dict[str, Any]) -> None:
        code, uscc = case.get("project_code"), case.get("employer_uscc")
        today = self.clock.today()
        report, stale = alerts_for(case, self._clock(case, today),
                                   self.cases.on_project_month(code, case["month"]) if code else [],
                                   self.cases.of_employer(uscc) if uscc else [], self.settings.rules, today)
        if stale:
            last = case["history"][-1]
            reason = f"complaint {case['_id']}: {last['action']} by {last['by']} on {last['on']}"
            self.alerts.clear(SOURCE, stale, reason)
        if report:
            self.alerts.report(SOURCE, report)

    # ---- helpers ----------------------------------------------------------------------

    def _case(self, case_id: str) -> dict[str, Any]:
        case = self.cases.get(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def _view(self, case: dict[str, Any], day: date) -> dict[str, Any]:
        return case_view(case, self._clock(case, day), self._referral(case, day))

    def _referral(self, case: dict[str, Any], day: date) -> dict[str, Any] | None:
        return referral_condition(case, day, self.settings.rules)

    def _clock(self, case: dict[str, Any], day: date) -> CaseClock | None:
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
