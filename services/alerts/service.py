"""alerts: turns monitoring conditions into alerts, one open alert per fingerprint, and
publishes each to its department desks on ``wagewatch.alerts``."""
from __future__ import annotations

import logging
from datetime import timedelta

from marshmallow import ValidationError
from nameko.messaging import Publisher
from nameko.rpc import rpc
from nameko.timer import timer

from shared.calendar import now_iso
from shared.contract.alerts import FIRING
from shared.contract.topology import alert_key, alerts_exchange
from shared.divisions import division_prefix
from shared.internal import CONDITIONS_CLEARED, ConditionSchema, ConditionsClearedSchema
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from services.alerts.domain import (
    ESCALATE, KEEP, RAISE, RERAISE, decide, higher_level, messages_for, routes, to_resolve,
)
from services.alerts.repository import AlertRepository
from services.alerts.routing import RoutingTable

log = logging.getLogger(__name__)
_CONDITIONS = ConditionSchema(many=True)
_CLEARED = ConditionsClearedSchema()
RELAY_AFTER = timedelta(seconds=30)


class AlertsService:
    name = "alerts"

    alerts = Repository(AlertRepository)
    health = HealthCheck()
    routing = Settings(RoutingTable.from_config)
    clock = ClockProvider()
    publish_alert = Publisher(exchange=alerts_exchange)

    @rpc
    def reconcile(self, source: str, types: list[str], as_of: str, conditions: list[dict]) -> dict:
        """Make the open alerts of ``types`` match what a sweep as of ``as_of`` reported:
        fire the new, escalate the worse, resolve the ones no longer reported."""
        reported = _CONDITIONS.load(conditions)
        raised = [a for a in (self._apply(c) for c in reported) if a]
        cleared = to_resolve(self.alerts.open_fingerprints(types), {c["fingerprint"] for c in reported})
        resolved = [a for a in (self._resolve(fp, f"not reported by the {source} sweep as of {as_of}")
                                for fp in sorted(cleared)) if a]
        return {"source": source, "as_of": as_of, "reported": len(reported),
                "raised": [_summary(a) for a in raised], "resolved": [_summary(a) for a in resolved]}

    @rpc
    def report(self, source: str, conditions: list[dict]) -> dict:
        """Raise (or escalate) conditions found outside a sweep, e.g. a complaint as it
        arrives. Unlike ``reconcile`` it resolves nothing."""
        raised = [a for a in (self._apply(c) for c in _CONDITIONS.load(conditions)) if a]
        return {"source": source, "raised": [_summary(a) for a in raised]}

    @rpc
    def clear(self, source: str, fingerprints: list[str], reason: str) -> dict:
        """Resolve open alerts whose condition the data has cleared."""
        resolved = [a for a in (self._resolve(fp, reason) for fp in fingerprints) if a]
        return {"source": source, "resolved": [_summary(a) for a in resolved]}

    def _apply(self, condition: dict) -> dict | None:
        existing = self.alerts.get(condition["fingerprint"])
        action = decide(existing, condition)
        if action == KEEP:
            return None
        now = self.clock.now_iso()
        if action == ESCALATE:  # an alert never comes down a level while it is open
            condition = {**condition, "level": higher_level(existing["level"], condition["level"])}
        departments = self.routing.departments(condition["type"], condition.get("sector"),
                                               condition.get("funding"))
        desks = routes(departments, condition["division"], condition["level"])
        if action == ESCALATE:
            return self._publish(self.alerts.escalate(existing, condition, desks, now))
        if action == RAISE:
            return self._publish(self.alerts.raise_new(condition, desks, now))
        assert action == RERAISE
        return self._publish(self.alerts.reraise(existing, condition, desks, now))

    def _resolve(self, fingerprint: str, reason: str) -> dict | None:
        return self._publish(self.alerts.resolve(fingerprint, reason, self.clock.now_iso()))

    def _publish(self, alert: dict | None) -> dict | None:
        """Publish a stored change to every desk; None (lost a race) publishes nothing."""
        if alert is None:
            return None
        for route, body in messages_for(alert):
            self.publish_alert(body, routing_key=alert_key(route["department"], route["division"], body["severity"]))
        self.alerts.mark_published(alert["_id"], alert.get("revision"))
        return alert

    @rpc
    def list_alerts(self, status: str | None = FIRING, types: list[str] | None = None,
                    division: str | None = None) -> list[dict]:
        prefix = division_prefix(division) if division else None
        return [_summary(a) for a in self.alerts.find(status=status, types=types, division_prefix=prefix)]

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
            "project_code": alert.get("project_code"), "month": alert.get("month"),
            "departments": [r["department"] for r in alert["routes"]], "summary": alert["summary"],
            "raised_at": alert["raised_at"], "resolved_at": alert.get("resolved_at")}
