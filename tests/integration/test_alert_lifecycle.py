"""The alert lifecycle in real containers: escalate what nobody acknowledged (once, even
with two instances), resolve with an outcome and refusals over RPC, silence, and grouped
notifications on ``wagewatch.notifications`` (sent once with two instances). The rules
(acknowledgement, grouping, repeats, inhibition) are unit tests over fakes:
tests/unit/test_alert_use_cases.py."""
from __future__ import annotations

from datetime import date, timedelta

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook

from services.alerts.notify import notifications_exchange
from services.alerts.service import AlertsService
from shared.calendar import today
from shared.contract.alerts import AlertSchema
from shared.contract.client import Listener, alerts_listener
from shared.errors import RequestInvalid, RequestRefused
from shared.workdays import WorkingCalendar
from tests.factories import LIFECYCLE_POLICY, alert_condition

WATER = {"department": "water", "division": "430102"}


@pytest.fixture
def policy_config(config, tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text(LIFECYCLE_POLICY, encoding="utf-8")
    return {**config, "ALERT_POLICY": str(path)}


@pytest.fixture
def alerts(container_factory, policy_config):
    container = container_factory(AlertsService, policy_config)
    container.start()
    return container


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as hook:
        return hook(*args, **kwargs)


def report(container, *conditions):
    return call(container, "report", "test", list(conditions))


def overdue_date() -> str:
    """A date by which a red raised today is overdue at the county but not at the city."""
    return WorkingCalendar().add_working_days(today(), 2).isoformat()




def test_an_unacknowledged_red_escalates_to_the_city_once_even_with_two_instances(
        alerts, container_factory, policy_config, config):
    second = container_factory(AlertsService, policy_config)
    second.start()
    city = alerts_listener(config["AMQP_URI"], department="water", division="430100")
    county = alerts_listener(config["AMQP_URI"], department="water", division="430102")
    report(alerts, alert_condition(), alert_condition("2026-09", severity="orange"))
    sweeps = [eventlet.spawn(call, container, "sweep", overdue_date()) for container in (alerts, second)]
    outcomes = [s.wait() for s in sweeps]
    escalated = [a["fingerprint"] for o in outcomes for a in o["escalated"]]
    [message] = city.wait_for(1)
    assert city.drain(2.0) == [message], "one escalation message, whichever instance won"
    assert len(county.drain(0.5)) == 2, "the county desk's alerts do not fire again"
    city.close()
    county.close()
    assert escalated == ["PAYROLL_MISSING:P1:2026-10"], "orange has three working days"
    assert AlertSchema().validate(message["body"]) == {}
    assert (message["routing_key"], message["body"]["level"]) == ("alert.water.430100.red", "city")
    later = (today() + timedelta(days=30)).isoformat()
    assert [(a["month"], a["level"]) for a in call(alerts, "sweep", later)["escalated"]] == [
        ("2026-09", "city"), ("2026-10", "province")]


def test_an_operator_resolves_with_an_outcome_and_the_desks_see_resolved(alerts, config):
    desk = alerts_listener(config["AMQP_URI"], department="water", division="430102")
    report(alerts, alert_condition())
    with pytest.raises(RequestInvalid) as bad:
        call(alerts, "resolve", "PAYROLL_MISSING:P1:2026-10", "water", "430102", "张三", "sorted")
    done = call(alerts, "resolve", "PAYROLL_MISSING:P1:2026-10", "water", "430102", "张三", "paid", "补发到位")
    statuses = [(m["body"]["status"], m["routing_key"]) for m in desk.wait_for(2)]
    desk.close()
    assert str(bad.value).startswith("outcome: unknown outcome 'sorted'")
    assert (done["alert"]["outcome"], done["alert"]["resolved_by"]) == ("paid", "张三")
    assert "已足额支付" in done["alert"]["resolution"]
    assert statuses == [("firing", "alert.water.430102.red"), ("resolved", "alert.water.430102.red")]


@pytest.fixture
def notified(config):
    listener = Listener(config["AMQP_URI"], notifications_exchange, ["notify.water.430102.*"])
    yield listener
    listener.close()






def test_a_silence_mutes_a_desk_records_who_and_why_and_ends_when_expired(alerts, notified):
    ends = (date.today() + timedelta(days=3)).isoformat()
    with pytest.raises(RequestInvalid) as refused:
        call(alerts, "silence", {"colour": "red"}, "张三", "", ends)
    made = call(alerts, "silence", {"department": "water", "desk_division": "430102", "project_code": "P1"},
                "张三", "春节停工，已备案", ends)
    silence_id = made["silence"]["silence_id"]
    report(alerts, alert_condition())
    assert notified.drain(2.5) == []
    [shown] = call(alerts, "desk_alerts", "water", "430102")
    assert shown["silenced_by"] == silence_id
    assert [s["reason"] for s in call(alerts, "silences", "water", "430102")] == ["春节停工，已备案"]
    assert call(alerts, "silences", "hrss", "430102") == []
    assert set(refused.value.errors) == {"matchers.colour", "reason"}

    with pytest.raises(RequestRefused, match="^no silence"):
        call(alerts, "expire_silence", silence_id, "李四", "hrss", "430102")
    assert call(alerts, "expire_silence", silence_id, "张三", "water", "430102")["silence"]["expired_by"] == "张三"
    [after] = notified.wait_for(1)
    assert [a["fingerprint"] for a in after["body"]["firing"]] == ["PAYROLL_MISSING:P1:2026-10"]


def test_two_instances_send_a_groups_notification_once(alerts, container_factory, policy_config, notified):
    second = container_factory(AlertsService, policy_config)
    second.start()
    report(alerts, *[alert_condition(f"2026-{m:02d}", severity="yellow", alert_type="WAGES_SHORT")
                     for m in range(1, 6)])
    report(second, alert_condition("2026-06", severity="yellow", alert_type="WAGES_SHORT"))
    [first] = notified.wait_for(1)
    assert notified.drain(3.0) == [first], "whichever instance claimed the group sent it, once"
    assert len(first["body"]["firing"]) == 6
