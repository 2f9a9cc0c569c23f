"""The acknowledgement clock (督办): a red or orange alert that no desk acknowledged within
its working days goes one level up, to the city's desks, then the province's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from services.alerts.domain import overdue_level, overdue_since, routes
from services.alerts.publication import Publication
from shared.calendar import SHANGHAI

if TYPE_CHECKING:
    from shared.workdays import WorkingCalendar


@dataclass
class Escalation:
    out: Publication
    calendar: WorkingCalendar

    def escalate_overdue(self, as_of: date, what_if: bool = False) -> list[dict[str, Any]]:
        """Escalate every red or orange alert not acknowledged in time, as of a date
        (``what_if``: say which would be escalated, changing nothing)."""
        within = self.out.policy.acknowledge_within
        escalated = []
        with self.out.desks_told_once() as changed:
            for alert in sorted(self.out.repository.unacknowledged(sorted(within)), key=lambda a: a["_id"]):
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
        overdue = overdue_since(alert, within, self.calendar)
        assert overdue is not None   # overdue_level said it is overdue
        since = datetime.combine(overdue, time(0), SHANGHAI)
        stored = self.out.repository.escalate_level(alert, level, desks, reason, self.out.clock.now_iso(), since)
        # Only the new level's desks hear of it: for the desks below, the alert is still
        # the one they have (the console shows them where it went). None: another
        # instance escalated it first.
        return self.out.publish(stored, changed, level)
