"""What desks and callers read: alerts (with why they are muted), notifications, and the
departments a project's alerts go to. Reads change nothing."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.alerts.publication import Publication
from services.alerts.views import summary, view
from shared.divisions import division_prefix


@dataclass
class Views:
    out: Publication

    def list_alerts(self, status: str | None, types: list[str] | None, division: str | None) -> list[dict[str, Any]]:
        prefix = division_prefix(division) if division else None
        return [summary(a) for a in self.out.repository.find(status=status, types=types, division_prefix=prefix)]

    def desk_alerts(self, desk: dict[str, Any], status: str | None = None, project_code: str | None = None,
                    since: str | None = None) -> list[dict[str, Any]]:
        """The alerts that reach one desk, each with its lifecycle and why it is muted."""
        found = self.out.repository.for_desk(desk, status=status, project_code=project_code, since=since)
        muted = self.out.desks.suppressed(found, desk, self.out.clock.now_iso())
        return [view(a, muted.get(a["_id"])) for a in found]

    def project_departments(self, sector: str | None, funding: str | None) -> list[str]:
        """Departments that receive a project's alerts (monitoring rules or complaints)."""
        found = [d for alert_type in ("PAYROLL_MISSING", "COMPLAINT_FILED")
                 for d in self.out.policy.routing.departments(alert_type, sector, funding)]
        return list(dict.fromkeys(found))

    def desk_notifications(self, desk: dict[str, Any], limit: int = 50) -> list[dict[str, Any]]:
        return [{k: v for k, v in n.items() if k != "_id"} for n in self.out.repository.notifications_for(desk, limit)]
