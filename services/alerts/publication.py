"""What every use case that changes an alert shares: publish the stored change to its
desks on ``wagewatch.alerts``, announce it to the console (``alert_changed``), mark the
desks' notification groups once per call, and relay changes whose publisher died."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from services.alerts.desks import DeskNotifier
from services.alerts.domain import messages_for
from services.alerts.ports import Clock, Dispatch, Publish
from services.alerts.views import view
from shared.calendar import now_iso
from shared.contract.topology import alert_key
from shared.internal import ALERT_CHANGED

if TYPE_CHECKING:   # the use cases import no pymongo
    from services.alerts.policy import AlertPolicy
    from services.alerts.repository import AlertRepository

log = logging.getLogger(__name__)
RELAY_AFTER = timedelta(seconds=30)   # a change not published by then lost its publisher


@dataclass
class Publication:
    repository: AlertRepository
    policy: AlertPolicy
    clock: Clock
    publish_alert: Publish
    publish_notification: Publish
    dispatch: Dispatch

    def publish(self, alert: dict[str, Any] | None, changed: list[dict[str, Any]],
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
        return self.announce(alert, changed)

    def announce(self, alert: dict[str, Any], changed: list[dict[str, Any]]) -> dict[str, Any]:
        """Tell the console; the desks' groups are marked once the call is done."""
        self.dispatch(ALERT_CHANGED, view(alert))
        changed.append(alert)
        return alert

    def resolve(self, fingerprint: str, reason: str, changed: list[dict[str, Any]],
                **operator: Any) -> dict[str, Any] | None:
        return self.publish(self.repository.resolve(fingerprint, reason, self.clock.now_iso(), **operator), changed)

    @contextmanager
    def desks_told_once(self) -> Iterator[list[dict[str, Any]]]:
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

    def relay_unpublished(self) -> None:
        """Publish changes whose publisher died between storing and publishing them."""
        cutoff = now_iso(self.clock.now() - RELAY_AFTER)
        with self.desks_told_once() as changed:
            for alert in self.repository.unpublished():
                if alert["updated_at"] < cutoff:
                    log.warning("relaying unpublished alert change %s", alert["_id"])
                    self.publish(alert, changed)
