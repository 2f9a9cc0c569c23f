"""The live feed: every browser tab that watches a desk holds a subscription here, and
the console's event handlers put into it only what reaches that desk. Scope is decided
on the server, per message, before anything is queued for a browser."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider

from shared.internal import AlertView

QUEUE_LIMIT = 1000   # a tab that stops reading is told to reload instead of growing memory


def same_desk(desk: dict, other: dict) -> bool:
    return desk["department"] == other["department"] and desk["division"] == other["division"]


def alert_reaches(view: dict, desk: dict) -> bool:
    return any(same_desk(route, desk) for route in view.get("routes") or ())


@dataclass(eq=False)
class Subscription:
    desk: dict
    queue: LightQueue = field(default_factory=lambda: LightQueue(QUEUE_LIMIT))
    overflowed: bool = False

    def put(self, kind: str, payload: dict) -> None:
        try:
            self.queue.put_nowait((kind, payload))
        except Exception:  # noqa: BLE001 - full: the tab reloads what it missed
            self.overflowed = True

    def next(self, timeout: float) -> tuple[str, dict] | None:
        if self.overflowed:
            self.overflowed = False
            return ("reload", {})
        try:
            return self.queue.get(timeout=timeout)
        except Empty:
            return None


class Hub:
    def __init__(self):
        self.subscriptions: set[Subscription] = set()

    def subscribe(self, desk: dict) -> Subscription:
        subscription = Subscription(desk)
        self.subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    def alert_changed(self, view: AlertView) -> None:
        """An ``alert_changed`` message: each tab whose desk it reaches gets its body."""
        body = view.dump()
        for sub in list(self.subscriptions):
            if alert_reaches(body, sub.desk):
                sub.put("alert", body)

    def desk_notified(self, notification: dict) -> None:
        for sub in list(self.subscriptions):
            if same_desk(notification["desk"], sub.desk):
                sub.put("notification", notification)

    def silences_changed(self, department: str | list | None) -> None:
        """Only a signal (no content): the tabs of that department fetch their silences."""
        departments = department if isinstance(department, list) else [department]
        for sub in list(self.subscriptions):
            if department is None or sub.desk["department"] in departments:
                sub.put("silences", {})


def sse(kind: str, payload: dict) -> str:
    """One server-sent event."""
    return f"event: {kind}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


class LiveFeed(DependencyProvider):
    """One hub per console instance, shared by its workers and its open streams."""

    def setup(self):
        self.hub = Hub()

    def get_dependency(self, worker_ctx):
        return self.hub
