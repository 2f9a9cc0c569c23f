"""alerts: turns monitoring conditions into alerts, one open alert per fingerprint,
publishes each to its department desks on ``wagewatch.alerts``, and runs the alert
lifecycle desks work with: acknowledgement, escalation of what nobody acknowledged,
resolution by an operator, silences, and grouped notifications."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from marshmallow import ValidationError
from nameko.events import EventDispatcher, event_handler
from nameko.messaging import Publisher
from nameko.rpc import rpc
from nameko.timer import timer

from shared.calendar import SHANGHAI, now_iso
from shared.contract.alerts import FIRING
from shared.contract.topology import alert_key, alerts_exchange
from shared.divisions import division_prefix
from shared.internal import (
    ALERT_CHANGED, CONDITIONS_CLEARED, SILENCES_CHANGED, ConditionSchema, ConditionsClearedSchema,
)
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from shared.workdays import WorkingCalendar
from services.alerts.desks import DeskNotifier
from services.alerts.domain import (
    ESCALATE, KEEP, OUTCOMES, RAISE, RERAISE, decide, higher_level, messages_for, overdue_level, overdue_since,
    routes, to_resolve,
)
from services.alerts.notify import notifications_exchange
from services.alerts.policy import AlertPolicy
from services.alerts.repository import AlertRepository
from services.alerts.suppression import made_for_desk, silence_problems, silence_view
from services.alerts.views import view

log = logging.getLogger(__name__)
_CONDITIONS = ConditionSchema(many=True)
_CLEARED = ConditionsClearedSchema()
RELAY_AFTER = timedelta(seconds=30)


class AlertsService:
    name = "alerts"

    alerts = Repository(AlertRepository)
    health = HealthCheck()
    policy = Settings(AlertPolicy.from_config)
    calendar = Settings(WorkingCalendar.from_config)
    clock = ClockProvider()
    publish_alert = Publisher(exchange=alerts_exchange)
    publish_notification = Publisher(exchange=notifications_exchange)
    dispatch = EventDispatcher()

    # --- conditions from the monitoring rules -------------------------------------------
    @rpc
    def reconcile(self, source: str, types: list[str], as_of: str, conditions: list[dict],
                  project_codes: list[str] | None = None, unevaluated: list[str] | None = None,
                  resolve_only: bool = False) -> dict:
        """Make the open alerts of ``types`` match what a sweep as of ``as_of`` reported:
        fire the new, escalate the worse, resolve the ones no longer reported.

        With ``project_codes``, only those projects were evaluated (e.g. one project whose
        data or registry entry changed): only their open alerts of ``types`` may resolve.
        ``unevaluated``: subjects (project codes, case ids) the sweep had to skip; their
        open alerts stay as they are. ``resolve_only``: a record arrived, which can only
        show that a duty was met: resolve what no longer holds, raise nothing."""
        reported = _CONDITIONS.load(conditions)
        # The acknowledgement clock of what this sweep raises starts on its date, never
        # before now: a sweep as of a later date does not escalate what it just raised.
        clock_from = max(self.clock.now_iso(), now_iso(datetime.combine(date.fromisoformat(as_of), time(0), SHANGHAI)))
        cleared = self._cleared(source, types, reported, project_codes, unevaluated)
        with self._desks_told_once():
            raised = [] if resolve_only else [
                a for a in (self._apply({**c, "clock_from": clock_from}) for c in reported) if a]
            resolved = [a for a in (self._resolve(fp, f"not reported by the {source} sweep as of {as_of}")
                                    for fp in sorted(cleared)) if a]
        return {"source": source, "as_of": as_of, "reported": len(reported),
                "raised": [_summary(a) for a in raised], "resolved": [_summary(a) for a in resolved]}

    @rpc
    def preview(self, source: str, types: list[str], as_of: str, conditions: list[dict],
                unevaluated: list[str] | None = None) -> dict:
        """What ``reconcile`` would raise and resolve, changing and publishing nothing (a
        what-if sweep)."""
        reported = _CONDITIONS.load(conditions)
        plans = [plan for plan in map(self._plan, reported) if plan[0] != KEEP]
        cleared = self._cleared(source, types, reported, None, unevaluated)
        return {"source": source, "as_of": as_of, "reported": len(reported), "what_if": True,
                "raised": [_planned(*plan) for plan in plans],
                "resolved": [_summary(a) for a in self.alerts.by_fingerprints(sorted(cleared))]}

    def _cleared(self, source: str, types: list[str], reported: list[dict], project_codes, unevaluated) -> set[str]:
        return to_resolve(self.alerts.open_fingerprints(types, project_codes), {c["fingerprint"] for c in reported},
                          source, unevaluated)

    @rpc
    def report(self, source: str, conditions: list[dict]) -> dict:
        """Raise (or escalate) conditions found outside a sweep, e.g. a complaint as it
        arrives. Unlike ``reconcile`` it resolves nothing."""
        with self._desks_told_once():
            raised = [a for a in (self._apply(c) for c in _CONDITIONS.load(conditions)) if a]
        return {"source": source, "raised": [_summary(a) for a in raised]}

    @rpc
    def clear(self, source: str, fingerprints: list[str], reason: str) -> dict:
        """Resolve open alerts whose condition the data has cleared."""
        with self._desks_told_once():
            resolved = [a for a in (self._resolve(fp, reason) for fp in fingerprints) if a]
        return {"source": source, "resolved": [_summary(a) for a in resolved]}

    def _plan(self, condition: dict) -> tuple[str, dict | None, dict, list[dict]]:
        """What a reported condition does to its alert, and the desks it would reach."""
        existing = self.alerts.get(condition["fingerprint"])
        action = decide(existing, condition)
        if action == KEEP:
            return action, existing, condition, []
        if action == ESCALATE:  # an alert never comes down a level while it is open
            condition = {**condition, "level": higher_level(existing["level"], condition["level"])}
        departments = self.policy.routing.departments(
            condition["type"], condition.get("sector"), condition.get("funding"),
            severity=condition["severity"], division=condition["division"], level=condition["level"],
            project_code=condition.get("project_code"), month=condition.get("month"), p1=condition.get("p1"))
        return action, existing, condition, routes(departments, condition["division"], condition["level"])

    def _apply(self, condition: dict) -> dict | None:
        action, existing, condition, desks = self._plan(condition)
        if action == KEEP:
            return None
        now = self.clock.now_iso()
        if action == ESCALATE:
            return self._publish(self.alerts.escalate(existing, condition, desks, now))
        if action == RAISE:
            return self._publish(self.alerts.raise_new(condition, desks, now))
        assert action == RERAISE
        return self._publish(self.alerts.reraise(existing, condition, desks, now))

    def _resolve(self, fingerprint: str, reason: str, **operator) -> dict | None:
        return self._publish(self.alerts.resolve(fingerprint, reason, self.clock.now_iso(), **operator))

    def _publish(self, alert: dict | None, level: str | None = None) -> dict | None:
        """Publish a stored change to every desk (or only the desks of ``level``); None
        (lost a race) publishes nothing."""
        if alert is None:
            return None
        for route, body in messages_for(alert):
            if level and route["level"] != level:
                continue
            self.publish_alert(body, routing_key=alert_key(route["department"], route["division"], body["severity"]))
        self.alerts.mark_published(alert["_id"], alert.get("revision"))
        return self._announce(alert)

    def _announce(self, alert: dict) -> dict:
        """Tell the console, and mark the desks' notification groups that this change
        concerns: its own, and those of the same project's alerts it may inhibit."""
        self.dispatch(ALERT_CHANGED, view(alert))
        if self._changed is not None:
            self._changed.append(alert)
        else:
            self._desks().changed(alert)
        return alert

    _changed: list[dict] | None = None   # alerts whose desks are told together (one worker's)

    @contextmanager
    def _desks_told_once(self):
        """Mark the desks' groups once for every alert a call changes, not once per alert
        (a sweep may change thousands: one query for their projects' other open alerts)."""
        self._changed = []
        try:
            yield
        finally:
            changed, self._changed = self._changed, None
            if changed:
                self._desks().changed(*changed)

    def _desks(self) -> DeskNotifier:
        return DeskNotifier(self.alerts, self.policy, self.clock, self.publish_notification, self.dispatch)

    # --- the lifecycle desks work with ----------------------------------------------------
    @rpc
    def acknowledge(self, fingerprint: str, department: str, division: str, by: str, note: str | None = None) -> dict:
        """Acknowledge (签收) an open alert that reaches the desk: its escalation clock stops."""
        desk = {"department": department, "division": division}
        alert = self.alerts.acknowledge(fingerprint, desk, by, note, self.clock.now_iso())
        if alert is None:
            return {"error": self._why_not(fingerprint, desk, "acknowledged")}
        return {"alert": view(self._announce(alert))}

    @rpc
    def resolve(self, fingerprint: str, department: str, division: str, by: str, outcome: str,
                note: str | None = None) -> dict:
        """Resolve (办结) an open alert with an outcome; published as ``resolved``. If the rule
        still finds the condition at its next sweep, the alert fires again."""
        if outcome not in OUTCOMES:
            return {"error": f"outcome: unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}."}
        desk = {"department": department, "division": division}
        reason = f"resolved by {by}: {OUTCOMES[outcome]}" + (f" ({note})" if note else "")
        alert = self._resolve(fingerprint, reason, by=by, outcome=outcome, desk=desk)
        if alert is None:
            return {"error": self._why_not(fingerprint, desk, "resolved")}
        return {"alert": view(alert)}

    def _why_not(self, fingerprint: str, desk: dict, verb: str) -> str:
        alert = self.alerts.get(fingerprint)
        if alert is None or not any(r["department"] == desk["department"] and r["division"] == desk["division"]
                                    for r in alert["routes"]):
            return f"no alert {fingerprint} reaches {desk['department']}@{desk['division']}"
        if alert["status"] != FIRING:
            return f"alert {fingerprint} is already resolved"
        return f"alert {fingerprint} was already {verb} by {alert.get('acknowledged_by')}"

    @rpc
    def sweep(self, as_of: str, what_if: bool = False, force: bool = False) -> dict:
        """Escalate every red or orange alert not acknowledged in time, as of a date
        (``what_if``: say which would be escalated, changing nothing). Escalation never goes
        back down, so an older date needs no ``force``."""
        escalated = self._escalate_overdue(date.fromisoformat(as_of), what_if)
        return {"source": "alerts", "as_of": as_of, "reported": 0, "raised": [], "resolved": [],
                "escalated": [_summary(a) for a in escalated], "what_if": what_if}

    @timer(interval=60)
    def escalate_overdue(self):
        """The acknowledgement clock, checked every minute with today's date."""
        self._escalate_overdue(self.clock.today())

    def _escalate_overdue(self, as_of: date, what_if: bool = False) -> list[dict]:
        within = self.policy.acknowledge_within
        escalated = []
        for alert in sorted(self.alerts.unacknowledged(sorted(within)), key=lambda a: a["_id"]):
            level = overdue_level(alert, within, self.calendar, as_of)
            if level is None:
                continue
            departments = list(dict.fromkeys(r["department"] for r in alert["routes"]))
            desks = routes(departments, alert["division"], level)
            if what_if:
                escalated.append({**alert, "level": level, "routes": desks})
                continue
            reason = f"not acknowledged within {within[alert['severity']]} working day(s) at {alert['level']} level"
            since = datetime.combine(overdue_since(alert, within, self.calendar), time(0), SHANGHAI)
            changed = self.alerts.escalate_level(alert, level, desks, reason, self.clock.now_iso(), since)
            # Only the new level's desks hear of it: for the desks below, the alert is
            # still the one they have (the console shows them where it went).
            if self._publish(changed, level):      # None: another instance escalated it first
                escalated.append(changed)
        return escalated

    # --- silences -------------------------------------------------------------------------
    @rpc
    def silence(self, matchers: dict, created_by: str, reason: str, ends_at: str,
                starts_at: str | None = None) -> dict:
        """Mute notifications of matching alerts (they are still recorded and published)."""
        now = self.clock.now_iso()
        try:
            request = {"matchers": matchers, "created_by": created_by, "reason": reason,
                       "starts_at": _instant(starts_at) if starts_at else now, "ends_at": _instant(ends_at)}
        except ValueError as exc:
            return {"errors": {"starts_at" if starts_at and "start" in str(exc) else "ends_at": [str(exc)]}}
        problems = silence_problems(request, now)
        if problems:
            return {"errors": problems}
        silence = self.alerts.add_silence({**request, "created_at": now})
        self._silences_changed(silence)
        return {"silence": silence_view(silence)}

    @rpc
    def expire_silence(self, silence_id: str, by: str, department: str | None = None,
                       division: str | None = None) -> dict:
        """End a silence now. A desk may end only silences made for it."""
        silence = self.alerts.get_silence(silence_id)
        if silence is None or (department and not made_for_desk(silence, department, division)):
            return {"error": f"no silence {silence_id} for this desk"}
        ended = self.alerts.expire_silence(silence_id, by, self.clock.now_iso())
        if ended is None:
            return {"error": f"silence {silence_id} has already ended"}
        self._silences_changed(ended)
        return {"silence": silence_view(ended)}

    @rpc
    def silences(self, department: str | None = None, division: str | None = None) -> list[dict]:
        current = self.alerts.current_silences(self.clock.now_iso())
        return [silence_view(s) for s in current if not department or made_for_desk(s, department, division)]

    def _silences_changed(self, silence: dict) -> None:
        self.dispatch(SILENCES_CHANGED, silence_view(silence))
        self._desks().touch(self.alerts.find(status=FIRING, limit=5000))

    @timer(interval=30)
    def notice_silences_ending(self):
        """A silence that ran out lets its alerts be notified again."""
        now = self.clock.now_iso()
        for silence in self.alerts.silences_ended_unnoticed(now):
            if self.alerts.mark_end_noticed(silence["_id"]):
                self._silences_changed(silence)

    # --- what desks are told --------------------------------------------------------------
    @timer(interval=1)
    def notify_desks(self):
        """Send every group notification that is due (one instance per group)."""
        self._desks().send_due()

    # --- reading ----------------------------------------------------------------------------
    @rpc
    def list_alerts(self, status: str | None = FIRING, types: list[str] | None = None,
                    division: str | None = None) -> list[dict]:
        prefix = division_prefix(division) if division else None
        return [_summary(a) for a in self.alerts.find(status=status, types=types, division_prefix=prefix)]

    @rpc
    def desk_alerts(self, department: str, division: str, status: str | None = None,
                    project_code: str | None = None, since: str | None = None) -> list[dict]:
        """The alerts that reach one desk, each with its lifecycle and why it is muted."""
        desk = {"department": department, "division": division}
        found = self.alerts.for_desk(desk, status=status, project_code=project_code, since=since)
        muted = self._desks().suppressed(found, desk, self.clock.now_iso())
        return [view(a, muted.get(a["_id"])) for a in found]

    @rpc
    def outcomes(self) -> dict[str, str]:
        """The outcomes an operator may resolve an alert with (code → 中文)."""
        return dict(OUTCOMES)

    @rpc
    def project_departments(self, sector: str | None, funding: str | None) -> list[str]:
        """Departments that receive a project's alerts (monitoring rules or complaints)."""
        found = [d for alert_type in ("PAYROLL_MISSING", "COMPLAINT_FILED")
                 for d in self.policy.routing.departments(alert_type, sector, funding)]
        return list(dict.fromkeys(found))

    @rpc
    def desk_notifications(self, department: str, division: str, limit: int = 50) -> list[dict]:
        found = self.alerts.notifications_for({"department": department, "division": division}, limit)
        return [{k: v for k, v in n.items() if k != "_id"} for n in found]

    # Data that clears a condition resolves its alert at once, not at the next sweep.
    # A failure (storage away) is retried a few times, then the event is parked.
    @reliable_event_handler("payroll", CONDITIONS_CLEARED)
    def handle_payroll_conditions_cleared(self, body):
        self._clear(body)

    def _clear(self, body: dict) -> None:
        try:
            cleared = _CLEARED.load(body)
        except ValidationError as exc:
            log.error("ignoring malformed %s event: %s", CONDITIONS_CLEARED, exc.messages)
            return
        with self._desks_told_once():
            for fingerprint in cleared["fingerprints"]:
                self._resolve(fingerprint, cleared["reason"])

    @timer(interval=15)
    def relay_unpublished(self):
        """Publish changes whose publisher died between storing and publishing them."""
        cutoff = now_iso(self.clock.now() - RELAY_AFTER)
        for alert in self.alerts.unpublished():
            if alert["updated_at"] < cutoff:
                log.warning("relaying unpublished alert change %s", alert["_id"])
                self._publish(alert)


def _summary(alert: dict) -> dict:
    return {"alert_id": alert["alert_id"], "fingerprint": alert["_id"], "type": alert["type"],
            "severity": alert["severity"], "status": alert["status"], "division": alert["division"],
            "level": alert.get("level", "county"),
            "project_code": alert.get("project_code"), "month": alert.get("month"),
            "departments": list(dict.fromkeys(r["department"] for r in alert["routes"])),
            "summary": alert["summary"], "raised_at": alert["raised_at"], "resolved_at": alert.get("resolved_at")}


def _planned(action: str, existing: dict | None, condition: dict, desks: list[dict]) -> dict:
    """A what-if sweep's line for an alert it would raise or escalate (nothing stored)."""
    return {"alert_id": existing["alert_id"] if existing else None, "fingerprint": condition["fingerprint"],
            "type": condition["type"], "severity": condition["severity"], "status": FIRING,
            "division": condition["division"], "level": condition.get("level", "county"),
            "project_code": condition.get("project_code"), "month": condition.get("month"),
            "departments": list(dict.fromkeys(d["department"] for d in desks)), "summary": condition["summary"],
            "raised_at": None, "resolved_at": None, "action": action}


def _instant(text: str) -> str:
    """An operator's date or timestamp as the platform's ISO form (Asia/Shanghai)."""
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return now_iso(moment)
