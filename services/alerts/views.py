"""Alerts as desks see them (the console, ``list_alerts``, internal events)."""
from __future__ import annotations

from typing import Any

from shared.contract.alerts import FIRING
from shared.internal import AlertView, Desk

VIEW_FIELDS = ("alert_id", "type", "severity", "status", "division", "level", "sector", "funding",
               "project_code", "month", "summary", "raised_at", "acknowledged_by",
               "acknowledged_at", "resolved_at", "resolved_by", "outcome", "resolution")
NOT_MUTED = {"silenced_by": None, "inhibited_by": None}


def alert_view(alert: dict, suppressed: dict | None = None) -> AlertView:
    """A stored alert as desks see it (the ``alert_changed`` message): the fingerprint,
    lifecycle and routes, and why it is muted if it is."""
    shown: dict[str, Any] = {name: alert.get(name) for name in VIEW_FIELDS}
    return AlertView(**shown, **(suppressed or NOT_MUTED),
                     fingerprint=alert["_id"], p1=bool(alert.get("p1")),
                     updated_at=alert.get("updated_at") or alert["raised_at"],
                     routes=[Desk(department=r["department"], division=r["division"], level=r.get("level"))
                             for r in alert["routes"]])


def view(alert: dict, suppressed: dict | None = None) -> dict:
    """JSON-ready: the ``alert_changed`` body, also what desks read over RPC."""
    return alert_view(alert, suppressed).dump()


def summary(alert: dict) -> dict:
    """An alert in one line of a sweep's or a listing's answer."""
    return {"alert_id": alert["alert_id"], "fingerprint": alert["_id"], "type": alert["type"],
            "severity": alert["severity"], "status": alert["status"], "division": alert["division"],
            "level": alert.get("level", "county"),
            "project_code": alert.get("project_code"), "month": alert.get("month"),
            "departments": list(dict.fromkeys(r["department"] for r in alert["routes"])),
            "summary": alert["summary"], "raised_at": alert["raised_at"], "resolved_at": alert.get("resolved_at")}


def planned(action: str, existing: dict | None, condition: dict, desks: list[dict]) -> dict:
    """A what-if sweep's line for an alert it would raise or escalate (nothing stored)."""
    return {"alert_id": existing["alert_id"] if existing else None, "fingerprint": condition["fingerprint"],
            "type": condition["type"], "severity": condition["severity"], "status": FIRING,
            "division": condition["division"], "level": condition.get("level", "county"),
            "project_code": condition.get("project_code"), "month": condition.get("month"),
            "departments": list(dict.fromkeys(d["department"] for d in desks)), "summary": condition["summary"],
            "raised_at": None, "resolved_at": None, "action": action}
