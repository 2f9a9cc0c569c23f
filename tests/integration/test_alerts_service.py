"""The alerts service in a real container: a reconciled alert reaches the desks on the
broker and a ``conditions_cleared`` event resolves it (a malformed one is parked). The
lifecycle rules themselves (fire once, escalate, re-fire, report and clear) are unit
tests over fakes: tests/unit/test_alert_use_cases.py."""
from __future__ import annotations

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.alerts.service import AlertsService
from shared.contract.client import alerts_listener
from shared.internal import CONDITIONS_CLEARED


def condition(month="2026-10", severity="yellow", sector="water", **overrides):
    data = {"type": "PAYROLL_MISSING", "fingerprint": f"PAYROLL_MISSING:P1:{month}", "severity": severity,
            "division": "430102", "sector": sector, "funding": "private", "project_code": "P1",
            "month": month, "summary": f"no payroll for {month}", "details": {}}
    data.update(overrides)
    return data


@pytest.fixture
def alerts(container_factory, config):
    container = container_factory(AlertsService, config)
    container.start()
    return container


@pytest.fixture
def desk(config):
    listener = alerts_listener(config["AMQP_URI"], division="430102")
    yield listener
    listener.close()


def reconcile(container, conditions, as_of="2026-11-20"):
    with entrypoint_hook(container, "reconcile") as hook:
        return hook("payroll", ["PAYROLL_MISSING"], as_of, conditions)








def test_a_conditions_cleared_event_resolves_at_once(alerts, desk, config):
    reconcile(alerts, [condition()])
    with entrypoint_waiter(alerts, "handle_payroll_conditions_cleared"):
        event_dispatcher(config)("payroll", CONDITIONS_CLEARED,
                                 {"fingerprints": ["PAYROLL_MISSING:P1:2026-10"], "reason": "payroll recorded"})
    firing, resolved = [m["body"] for m in desk.wait_for(2)]
    assert (resolved["status"], resolved["fingerprint"]) == ("resolved", firing["fingerprint"])
    assert resolved["resolved_at"] is not None


def test_a_malformed_cleared_event_is_parked_at_once_with_its_error(alerts, config, caplog):
    with entrypoint_waiter(alerts, "handle_payroll_conditions_cleared"):
        event_dispatcher(config)("payroll", CONDITIONS_CLEARED, {"reason": "no fingerprints"})
    assert "parking conditions_cleared event after 1 attempt(s)" in caplog.text
    assert "'fingerprints': ['Missing data for required field.']" in caplog.text
