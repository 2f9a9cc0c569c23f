"""The alerts service in a real container: one open alert per fingerprint, published to
the desks, resolved by a sweep or by an event, and relayed if a publish was lost."""
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


def test_a_condition_fires_once_and_escalation_republishes_the_same_alert(alerts, desk):
    first = reconcile(alerts, [condition()])
    again = reconcile(alerts, [condition()])
    worse = reconcile(alerts, [condition(severity="red")])
    keys = [m["routing_key"] for m in desk.wait_for(2)]
    assert (len(first["raised"]), len(again["raised"]), len(worse["raised"])) == (1, 0, 1)
    assert keys == ["alert.water.430102.yellow", "alert.water.430102.red"]
    yellow, red = [m["body"] for m in desk.messages]
    assert red["alert_id"] == yellow["alert_id"] and red["details"]["previous_severity"] == "yellow"


def test_escalation_republishes_to_the_city_desk_under_the_city_code(alerts, desk, config):
    city = alerts_listener(config["AMQP_URI"], department="water", division="430100")
    reconcile(alerts, [condition()])
    reconcile(alerts, [condition(level="city")])
    reconcile(alerts, [condition(level="county", severity="red")])   # worse, but never back down
    county_keys = [m["routing_key"] for m in desk.wait_for(3)]
    city_messages = city.wait_for(2)
    city.close()
    assert county_keys == ["alert.water.430102.yellow", "alert.water.430102.yellow", "alert.water.430102.red"]
    assert [m["routing_key"] for m in city_messages] == ["alert.water.430100.yellow", "alert.water.430100.red"]
    assert {(m["body"]["division"], m["body"]["level"]) for m in city_messages} == {("430100", "city")}


def test_a_condition_no_longer_reported_resolves_and_can_fire_again_later(alerts, desk):
    reconcile(alerts, [condition("2026-09"), condition("2026-10")])
    outcome = reconcile(alerts, [condition("2026-10")])
    assert [a["fingerprint"] for a in outcome["resolved"]] == ["PAYROLL_MISSING:P1:2026-09"]
    refired = reconcile(alerts, [condition("2026-09"), condition("2026-10")])
    statuses = [(m["body"]["month"], m["body"]["status"]) for m in desk.wait_for(4)]
    assert statuses == [("2026-09", "firing"), ("2026-10", "firing"), ("2026-09", "resolved"), ("2026-09", "firing")]
    assert refired["raised"][0]["alert_id"] != outcome["resolved"][0]["alert_id"]


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


def test_report_raises_without_resolving_and_clear_resolves_by_fingerprint(alerts, desk):
    reconcile(alerts, [condition("2026-09")])
    with entrypoint_hook(alerts, "report") as report:
        raised = report("complaints", [condition("2026-10")])
    with entrypoint_hook(alerts, "clear") as clear:
        cleared = clear("payroll", ["PAYROLL_MISSING:P1:2026-09", "PAYROLL_MISSING:P1:1999-01"], "paid")
    assert [a["month"] for a in raised["raised"]] == ["2026-10"]
    assert [a["month"] for a in cleared["resolved"]] == ["2026-09"]
    assert [(m["body"]["month"], m["body"]["status"]) for m in desk.wait_for(3)] == [
        ("2026-09", "firing"), ("2026-10", "firing"), ("2026-09", "resolved")]
