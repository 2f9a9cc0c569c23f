"""The ports the alerts use cases work over (besides ``AlertRepository``'s verbs, the
policy and the working calendar): a clock, the publishers and the event dispatcher."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...
    def now_iso(self) -> str: ...
    def today(self) -> date: ...


Publish = Callable[..., None]          # publish(body, routing_key=...)
Dispatch = Callable[[str, dict[str, Any]], None]
