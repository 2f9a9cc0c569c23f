"""A stored alert change is marked published only by the publish of that very change."""
from __future__ import annotations

from dataclasses import asdict

from services.alerts.repository import AlertRepository
from shared.internal import Condition
from shared.storage import database_for

DESKS = [{"department": "water", "division": "430102", "level": "county"}]
NOW = "2026-11-20T08:00:00+08:00"


def condition(severity="yellow"):
    return asdict(Condition.load({
        "type": "PAYROLL_MISSING", "fingerprint": "PAYROLL_MISSING:P1:2026-10", "severity": severity,
        "division": "430102", "sector": "water", "project_code": "P1", "month": "2026-10", "summary": "x"}))


def test_a_change_stored_in_the_same_second_stays_unpublished_for_the_relay(mongo_uri):
    alerts = AlertRepository(database_for(mongo_uri, "alerts"))
    raised = alerts.raise_new(condition(), DESKS, NOW)
    escalated = alerts.escalate(raised, condition("red"), DESKS, NOW)   # same second, another worker
    alerts.mark_published(raised["_id"], raised["revision"])            # the first publish completes
    assert [a["severity"] for a in alerts.unpublished()] == ["red"]
    alerts.mark_published(escalated["_id"], escalated["revision"])
    assert alerts.unpublished() == []
