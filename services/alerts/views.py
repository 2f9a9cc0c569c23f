"""Alerts as desks see them (the console, ``list_alerts``, internal events)."""
from __future__ import annotations

VIEW_FIELDS = ("alert_id", "type", "severity", "status", "division", "level", "sector", "funding",
               "project_code", "month", "summary", "p1", "raised_at", "updated_at", "acknowledged_by",
               "acknowledged_at", "resolved_at", "resolved_by", "outcome", "resolution")


def view(alert: dict, suppressed: dict | None = None) -> dict:
    """JSON-ready: the fingerprint, lifecycle and routes, and why it is muted if it is."""
    shown = {name: alert.get(name) for name in VIEW_FIELDS}
    shown.update(fingerprint=alert["_id"], p1=bool(alert.get("p1")), routes=alert["routes"],
                 updated_at=alert.get("updated_at") or alert["raised_at"])
    shown.update(suppressed or {"silenced_by": None, "inhibited_by": None})
    return shown


def reaches(alert: dict, desk: dict) -> bool:
    return any(r["department"] == desk["department"] and r["division"] == desk["division"]
               for r in alert["routes"])
