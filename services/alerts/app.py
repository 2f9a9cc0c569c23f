"""The alerts service's use cases (告警): conditions in, alerts fired, escalated and
resolved, the lifecycle desks work with, silences, and the desks' notifications.

Plain Python over ports passed in (the alert repository, the policy and working
calendar, a clock, the publishers on ``wagewatch.alerts`` / ``wagewatch.notifications``
and the internal event dispatcher), so it is unit-tested with fakes
(tests/unit/test_alert_use_cases.py); ``service.py`` only translates entrypoints into
these calls. A refusal raises RequestRefused or RequestInvalid (shared/errors.py).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from services.alerts.desks import DeskNotifier, reaches
from services.alerts.domain import (
    ESCALATE,
    KEEP,
    OUTCOMES,
    RAISE,
    RERAISE,
    decide,
    higher_level,
    messages_for,
    overdue_level,
    overdue_since,
    routes,
    to_resolve,
)
from services.alerts.suppression import made_for_desk, silence_problems, silence_view
from services.alerts.views import planned, summary, view
from shared.calendar import SHANGHAI, now_iso
from shared.contract.alerts import FIRING
from shared.contract.topology import alert_key
from shared.divisions import division_prefix
from shared.errors import RequestInvalid, RequestRefused
from shared.internal import ALERT_CHANGED, SILENCES_CHANGED

if TYPE_CHECKING:   # for the reader and the type checker only: the use cases import no pymongo
    from services.alerts.policy import AlertPolicy
    from services.alerts.repository import AlertRepository
    from shared.workdays import WorkingCalendar

log = logging.getLogger(__name__)
RELAY_AFTER = timedelta(seconds=30)   # a change not published by then lost its publisher


class Clock(Protocol):
    def now(self) -> datetime: ...
    def now_iso(self) -> str: ...
    def today(self) -> date: ...


Publish = Callable[..., None]          # publish(body, routing_key=...)
Dispatch = Callable[[str, dict[str, Any]], None]


@dataclass
class Alerts:
    """The use cases, over their ports. The repository's port is AlertRepository's verbs
    (31 of them, proven against MongoDB by tests/repositories); the unit tests run the
    real one on the embedded store rather than a second, hand-written copy of them."""

    repository: AlertRepository
    policy: AlertPolicy
    calendar: WorkingCalendar
    clock: Clock
    publish_alert: Publish
    publish_notification: Publish
    dispatch: Dispatch

    # --- conditions from the monitoring rules -------------------------------------------
    def reconcile(self, source: str, types: list[str], as_of: str, reported: list[dict[str, Any]],
                  project_codes: list[str] | None = None, unevaluated: list[str] | None = None,
                  resolve_only: bool = False) -> dict[str, Any]:
        """Make the open alerts of ``types`` match what a sweep as of ``as_of`` reported:
        fire the new, escalate the worse, resolve the ones no longer reported (only those of
        ``project_codes`` when given; never those of ``unevaluated`` subjects;
        ``resolve_only``: raise nothing)."""
        # The acknowledgement clock of what this sweep raises starts on its date, never
        # before now: a sweep as of a later date does not escalate what it just raised.
        clock_from = max(self.clock.now_iso(),
                         now_iso(datetime.combine(date.fromisoformat(as_of), time(0), SHANGHAI)))
        cleared = self._cleared(source, types, reported, project_codes, unevaluated)
        with self._desks_told_once() as changed:
            raised = [] if resolve_only else [
                a for a in (self._apply({**c, "clock_from": clock_from}, changed) for c in reported) if a]
            resolved = [a for a in (self._resolve(fp, f"not reported by the {source} sweep as of {as_of}", changed)
                                    for fp in sorted(cleared)) if a]
        return {"source": source, "as_of": as_of, "reported": len(reported),
                "raised": [summary(a) for a in raised], "resolved": [summary(a) for a in resolved]}

    def preview(self, source: str, types: list[str], as_of: str, reported: list[dict[str, Any]],
                unevaluated: list[str] | None = None) -> dict[str, Any]:
        """What ``reconcile`` would raise and resolve, changing and publishing nothing."""
        plans = [plan for plan in map(self._plan, reported) if plan[0] != KEEP]
        cleared = self._cleared(source, types, reported, None, unevaluated)
        return {"source": source, "as_of": as_of, "reported": len(reported), "what_if": True,
                "raised": [planned(*plan) for plan in plans],
                "resolved": [summary(a) for a in self.repository.by_fingerprints(sorted(cleared))]}

    def report(self, source: str, reported: list[dict[str, Any]]) -> dict[str, Any]:
        """Raise (or escalate) conditions found outside a sweep; resolves nothing."""
        with self._desks_told_once() as changed:
            raised = [a for a in (self._apply(c, changed) for c in reported) if a]
        return {"source": source, "raised": [summary(a) for a in raised]}

    def clear(self, source: str, fingerprints: list[str], reason: str) -> dict[str, Any]:
        """Resolve open alerts whose condition the data has cleared."""
        with self._desks_told_once() as changed:
            resolved = [a for a in (self._resolve(fp, reason, changed) for fp in fingerprints) if a]
        return {"source": source, "resolved": [summary(a) for a in resolved]}

    def _cleared(self, source: str, types: list[str], reported: list[dict[str, Any]], project_codes: list[str] | None,
                 unevaluated: list[str] | None) -> set[str]:
        return to_resolve(self.repository.open_fingerprints(types, project_codes),
                          {c["fingerprint"] for c in reported}, source, unevaluated)

    def _plan(self, condition: dict[str, Any]) -> tuple[str, dict[str, Any] | None, dict[str, Any], list[dict[str, Any]]]:
        """What a reported condition does to its alert, and the desks it would reach."""
        existing = self.repository.get(condition["fingerprint"])
        action = decide(existing, condition)
        if action == KEEP:
            return action, existing, condition, []
        if action == ESCALATE:  # an alert never comes down a level while it is open
            assert existing is not None    # decide escalates only a stored alert
            condition = {**condition, "level": higher_level(existing["level"], condition["level"])}
        departments = self.policy.routing.departments(
            condition["type"], condition.get("sector"), condition.get("funding"),
            severity=condition["severity"], division=condition["division"], level=condition["level"],
            project_code=condition.get("project_code"), month=condition.get("month"), p1=condition.get("p1"))
        return action, existing, condition, routes(departments, condition["division"], condition["level"])

    def _apply(self, condition: dict[str, Any], changed: list[dict[str, Any]]) -> dict[str, Any] | None:
        action, existing, condition, desks = self._plan(condition)
        now = self.clock.now_iso()
        if action == ESCALATE:
            assert existing is not None    # decide escalates only a stored alert
            return self._publish(self.repository.escalate(existing, condition, desks, now), changed)
        if action == RAISE:
            return self._publish(self.repository.raise_new(condition, desks, now), changed)
        if action == RERAISE:
            assert existing is not None    # decide re-raises only a stored alert
            return self._publish(self.repository.reraise(existing, condition, desks, now), changed)
        assert action == KEEP
        return None

    def _resolve(self, fingerprint: str, reason: str, changed: list[dict[str, Any]],
                 **operator: Any) -> dict[str, Any] | None:
        return self._publish(self.repository.resolve(fingerprint, reason, self.clock.now_iso(), **operator), changed)

    def _publish(self, alert: dict[str, Any] | None, changed: list[dict[str, Any]],
                 level: str | None = None) -> dict[str, Any] | None:
        """Publish a stored change to every desk (or only the desks of ``level``); None
        (lost a race) publishes nothing."""
        if alert is None:
            return None
        for route, body in messages_for(alert):
            if level and route["level"] != level:
                continue
            self.publish_alert(body, routing_key=alert_key(route["department"], route["division"], body["severity"]))
        self.repository.mark_published(alert["_id"], alert.get("revision"))
        return self._announce(alert, changed)

    def _announce(self, alert: dict[str, Any], changed: list[dict[str, Any]]) -> dict[str, Any]:
        """Tell the console; the desks' groups are marked once the call is done."""
        self.dispatch(ALERT_CHANGED, view(alert))
        changed.append(alert)
        return alert

    @contextmanager
    def _desks_told_once(self) -> Iterator[list[dict[str, Any]]]:
        """Collects the alerts a call changes, then marks the desks' groups they concern,
        and those of the same projects' alerts they may inhibit, once for all of them (a
        sweep may change thousands: one query for their projects' other open alerts)."""
        changed: list[dict[str, Any]] = []
        try:
            yield changed
        finally:
            if changed:
                self.desks.changed(*changed)

    @property
    def desks(self) -> DeskNotifier:
        return DeskNotifier(self.repository, self.policy, self.clock, self.publish_notification, self.dispatch)

    # --- the lifecycle desks work with ----------------------------------------------------
    def acknowledge(self, fingerprint: str, desk: dict[str, Any], by: str, note: str | None = None) -> dict[str, Any]:
        """Acknowledge (签收) an open alert that reaches the desk: its escalation clock stops."""
        alert = self.repository.acknowledge(fingerprint, desk, by, note, self.clock.now_iso())
        if alert is None:
            raise RequestRefused(self._why_not(fingerprint, desk, "acknowledged"))
        with self._desks_told_once() as changed:
            return view(self._announce(alert, changed))

    def resolve(self, fingerprint: str, desk: dict[str, Any], by: str, outcome: str, note: str | None = None) -> dict[str, Any]:
        """Resolve (办结) an open alert with an outcome; published as ``resolved``. If the
        rule still finds the condition at its next sweep, the alert fires again."""
        if outcome not in OUTCOMES:
            raise RequestInvalid({"outcome": [f"unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}."]})
        reason = f"resolved by {by}: {OUTCOMES[outcome]}" + (f" ({note})" if note else "")
        with self._desks_told_once() as changed:
            alert = self._resolve(fingerprint, reason, changed, by=by, outcome=outcome, desk=desk)
        if alert is None:
            raise RequestRefused(self._why_not(fingerprint, desk, "resolved"))
        return view(alert)

    def _why_not(self, fingerprint: str, desk: dict[str, Any], verb: str) -> str:
        alert = self.repository.get(fingerprint)
        if alert is None or not reaches(alert, desk):
            return f"no alert {fingerprint} reaches {desk['department']}@{desk['division']}"
        if alert["status"] != FIRING:
            return f"alert {fingerprint} is already resolved"
        return f"alert {fingerprint} was already {verb} by {alert.get('acknowledged_by')}"

    def escalate_overdue(self, as_of: date, what_if: bool = False) -> list[dict[str, Any]]:
        """Escalate every red or orange alert not acknowledged in time, as of a date
        (``what_if``: say which would be escalated, changing nothing)."""
        within = self.policy.acknowledge_within
        escalated = []
        with self._desks_told_once() as changed:
            for alert in sorted(self.repository.unacknowledged(sorted(within)), key=lambda a: a["_id"]):
                level = overdue_level(alert, within, self.calendar, as_of)
                if level is None:
                    continue
                desks = routes(list(dict.fromkeys(r["department"] for r in alert["routes"])), alert["division"], level)
                if what_if:
                    escalated.append({**alert, "level": level, "routes": desks})
                elif (stored := self._escalate(alert, level, desks, within, changed)) is not None:
                    escalated.append(stored)
        return escalated

    def _escalate(self, alert: dict[str, Any], level: str, desks: list[dict[str, Any]], within: dict[str, Any],
                  changed: list[dict[str, Any]]) -> dict[str, Any] | None:
        reason = f"not acknowledged within {within[alert['severity']]} working day(s) at {alert['level']} level"
        overdue_from = overdue_since(alert, within, self.calendar)
        assert overdue_from is not None    # only an overdue alert is escalated
        since = datetime.combine(overdue_from, time(0), SHANGHAI)
        stored = self.repository.escalate_level(alert, level, desks, reason, self.clock.now_iso(), since)
        # Only the new level's desks hear of it: for the desks below, the alert is still
        # the one they have (the console shows them where it went). None: another
        # instance escalated it first.
        return self._publish(stored, changed, level)

    # --- silences -------------------------------------------------------------------------
    def silence(self, matchers: dict[str, Any], created_by: str, reason: str, ends_at: str,
                starts_at: str | None = None) -> dict[str, Any]:
        """Mute notifications of matching alerts (they are still recorded and published)."""
        now = self.clock.now_iso()
        try:
            request = {"matchers": matchers, "created_by": created_by, "reason": reason,
                       "starts_at": instant(starts_at) if starts_at else now, "ends_at": instant(ends_at)}
        except ValueError as exc:
            field = "starts_at" if starts_at and "start" in str(exc) else "ends_at"
            raise RequestInvalid({field: [str(exc)]}) from None
        problems = silence_problems(request, now)
        if problems:
            raise RequestInvalid(problems)
        silence = self.repository.add_silence({**request, "created_at": now})
        self._silences_changed(silence)
        return silence_view(silence)

    def expire_silence(self, silence_id: str, by: str, desk: dict[str, Any] | None = None) -> dict[str, Any]:
        """End a silence now. A desk may end only silences made for it."""
        silence = self.repository.get_silence(silence_id)
        if silence is None or (desk and not made_for_desk(silence, desk["department"], desk["division"])):
            raise RequestRefused(f"no silence {silence_id} for this desk")
        ended = self.repository.expire_silence(silence_id, by, self.clock.now_iso())
        if ended is None:
            raise RequestRefused(f"silence {silence_id} has already ended")
        self._silences_changed(ended)
        return silence_view(ended)

    def silences(self, department: str | None = None, division: str | None = None) -> list[dict[str, Any]]:
        current = self.repository.current_silences(self.clock.now_iso())
        return [silence_view(s) for s in current if not department or made_for_desk(s, department, division)]

    def notice_silences_ending(self) -> None:
        """A silence that ran out lets its alerts be notified again."""
        for silence in self.repository.silences_ended_unnoticed(self.clock.now_iso()):
            if self.repository.mark_end_noticed(silence["_id"]):
                self._silences_changed(silence)

    def _silences_changed(self, silence: dict[str, Any]) -> None:
        self.dispatch(SILENCES_CHANGED, silence_view(silence))
        self.desks.touch(self.repository.find(status=FIRING, limit=5000))

    # --- reading ----------------------------------------------------------------------------
    def list_alerts(self, status: str | None, types: list[str] | None, division: str | None) -> list[dict[str, Any]]:
        prefix = division_prefix(division) if division else None
        return [summary(a) for a in self.repository.find(status=status, types=types, division_prefix=prefix)]

    def desk_alerts(self, desk: dict[str, Any], status: str | None = None, project_code: str | None = None,
                    since: str | None = None) -> list[dict[str, Any]]:
        """The alerts that reach one desk, each with its lifecycle and why it is muted."""
        found = self.repository.for_desk(desk, status=status, project_code=project_code, since=since)
        muted = self.desks.suppressed(found, desk, self.clock.now_iso())
        return [view(a, muted.get(a["_id"])) for a in found]

    def project_departments(self, sector: str | None, funding: str | None) -> list[str]:
        """Departments that receive a project's alerts (monitoring rules or complaints)."""
        found = [d for alert_type in ("PAYROLL_MISSING", "COMPLAINT_FILED")
                 for d in self.policy.routing.departments(alert_type, sector, funding)]
        return list(dict.fromkeys(found))

    def desk_notifications(self, desk: dict[str, Any], limit: int = 50) -> list[dict[str, Any]]:
        return [{k: v for k, v in n.items() if k != "_id"} for n in self.repository.notifications_for(desk, limit)]

    # --- recovery ---------------------------------------------------------------------------
    def relay_unpublished(self) -> None:
        """Publish changes whose publisher died between storing and publishing them."""
        cutoff = now_iso(self.clock.now() - RELAY_AFTER)
        with self._desks_told_once() as changed:
            for alert in self.repository.unpublished():
                if alert["updated_at"] < cutoff:
                    log.warning("relaying unpublished alert change %s", alert["_id"])
                    self._publish(alert, changed)


def instant(text: str) -> str:
    """An operator's date or timestamp as the platform's ISO form (Asia/Shanghai)."""
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return now_iso(moment)
