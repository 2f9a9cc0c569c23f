"""The alerts service in a real container: a reconciled alert reaches the desks on the
broker and a ``conditions_cleared`` event resolves it (a malformed one is parked). The
lifecycle rules themselves (fire once, escalate, re-fire, report and clear) are unit
tests over fakes: tests/unit/test_alert_use_cases.py."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.alerts.service import AlertsService
from shared.contract.client import alerts_listener
from shared.errors import RequestInvalid, travel_as_themselves
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


# --- a desk's requests are typed before they reach a query ---------------------------------
# Over the broker as the console calls them: a JSON object where a string belongs would
# otherwise become a query operator ({"$ne": ""} matches any alert or silence).

@pytest.fixture
def rpc(alerts, config):
    """The alerts service over the broker, its refusals arriving as themselves (as the
    console declares them: RemoteErrors(RequestRefused, RequestInvalid))."""
    travel_as_themselves(RequestInvalid)
    with ServiceRpcProxy("alerts", config) as proxy:
        yield proxy


def test_acknowledge_refuses_arguments_of_the_wrong_type_naming_each_field(alerts, rpc):
    reconcile(alerts, [condition()])
    with pytest.raises(RequestInvalid) as operator:
        rpc.acknowledge({"$ne": ""}, "water", "430102", "张三")
    with pytest.raises(RequestInvalid) as wrong:
        rpc.acknowledge("PAYROLL_MISSING:P1:2026-10", "police", "43010", "", note=["补发"])
    [shown] = rpc.desk_alerts("water", "430102")
    assert shown["acknowledged_at"] is None, "nothing was acknowledged by a refused request"
    done = rpc.acknowledge("PAYROLL_MISSING:P1:2026-10", "water", "430102", "张三", note="已联系总包")
    assert operator.value.errors == {"fingerprint": ["Not a valid string."]}
    assert set(wrong.value.errors) == {"department", "division", "by", "note"}
    assert (done["alert"]["acknowledged_by"], done["alert"]["acknowledged_at"] is not None) == ("张三", True)


def test_expire_silence_refuses_arguments_of_the_wrong_type_naming_each_field(rpc):
    ends = (date.today() + timedelta(days=3)).isoformat()
    made = rpc.silence({"department": "water", "desk_division": "430102"}, "张三", "春节停工", ends)
    silence_id = made["silence"]["silence_id"]
    with pytest.raises(RequestInvalid) as operator:
        rpc.expire_silence({"$ne": None}, "张三")
    with pytest.raises(RequestInvalid) as wrong:
        rpc.expire_silence(silence_id, 42, "water", None)
    with pytest.raises(RequestInvalid) as unknown_desk:
        rpc.expire_silence(silence_id, "张三", "police", "430102")
    assert [s["silence_id"] for s in rpc.silences("water", "430102")] == [silence_id], "still in force"
    ended = rpc.expire_silence(silence_id, "张三", "water", "430102")
    assert rpc.silences("water", "430102") == []
    assert operator.value.errors == {"silence_id": ["Not a valid string."]}
    assert set(wrong.value.errors) == {"by", "division"}
    assert set(unknown_desk.value.errors) == {"department"}
    assert ended["silence"]["silence_id"] == silence_id
