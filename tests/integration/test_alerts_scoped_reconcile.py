"""alerts.reconcile scoped to some projects: re-evaluating one project resolves only its
own open alerts, whatever else is open."""
from __future__ import annotations

from nameko.testing.services import entrypoint_hook

from services.alerts.service import AlertsService


def condition(project_code, alert_type="ACCOUNT_NOT_OPENED"):
    return {"type": alert_type, "fingerprint": f"{alert_type}:{project_code}", "severity": "yellow",
            "division": "430102", "sector": "water", "funding": "private", "project_code": project_code,
            "month": None, "summary": f"no account on {project_code}", "details": {}}


def test_a_scoped_reconcile_resolves_only_the_open_alerts_of_its_projects(container_factory, config):
    alerts = container_factory(AlertsService, config)
    alerts.start()
    types = ["ACCOUNT_NOT_OPENED", "DEPOSIT_MISSING"]
    with entrypoint_hook(alerts, "reconcile") as reconcile:
        reconcile("accounts", types, "2026-11-20",
                  [condition("P1"), condition("P2"), condition("P1", "DEPOSIT_MISSING")])
        scoped = reconcile("accounts", types, "2026-11-20", [condition("P1", "DEPOSIT_MISSING")],
                           project_codes=["P1"])
        unscoped = reconcile("accounts", types, "2026-11-20", [])
    assert [a["fingerprint"] for a in scoped["resolved"]] == ["ACCOUNT_NOT_OPENED:P1"]
    assert sorted(a["fingerprint"] for a in unscoped["resolved"]) == ["ACCOUNT_NOT_OPENED:P2", "DEPOSIT_MISSING:P1"]
