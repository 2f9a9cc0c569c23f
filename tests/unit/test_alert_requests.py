"""A desk's requests to the alerts service are typed before they reach the store: a JSON
object where a string belongs (``{"$ne": ""}``) would be a query operator matching any
alert or silence. Each wrong argument is refused with RequestInvalid naming it, and
nothing changes. (Over the broker: tests/integration/test_alerts_service.py.)"""
from __future__ import annotations

import pytest
import yaml

from services.alerts.app import Alerts
from services.alerts.policy import parse
from shared.errors import RequestInvalid
from shared.workdays import WorkingCalendar
from tests.factories import LIFECYCLE_POLICY, alert_condition
from tests.unit.fake_alert_store import FakeAlertStore
from tests.unit.fakes import FakeEvents, FakePublisher, FixedClock
from tests.unit.test_alert_use_cases import MONDAY, WATER, sweep

FINGERPRINT = "PAYROLL_MISSING:P1:2026-10"
ENDS = "2026-11-20"


@pytest.fixture
def alerts():
    return Alerts(FakeAlertStore(), parse(yaml.safe_load(LIFECYCLE_POLICY)), WorkingCalendar(),
                  FixedClock(MONDAY.isoformat()), FakePublisher(), FakePublisher(), FakeEvents())


def refused(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(RequestInvalid) as caught:
        call(*args, **kwargs)
    return caught.value.errors


@pytest.mark.parametrize(("fingerprint", "desk", "by", "note", "fields"), [
    ({"$ne": ""}, WATER, "张三", None, {"fingerprint"}),
    ("", WATER, "张三", None, {"fingerprint"}),
    (FINGERPRINT, {"department": {"$ne": ""}, "division": "430102"}, "张三", None, {"department"}),
    (FINGERPRINT, {"department": "police", "division": "430102"}, "张三", None, {"department"}),
    (FINGERPRINT, {"department": "water", "division": {"$regex": "."}}, "张三", None, {"division"}),
    (FINGERPRINT, {"department": "water", "division": "430102\n"}, "张三", None, {"division"}),
    (FINGERPRINT, {"department": "water", "division": None}, "张三", None, {"division"}),
    (FINGERPRINT, WATER, None, None, {"by"}),
    (FINGERPRINT, WATER, "  ", None, {"by"}),
    (FINGERPRINT, WATER, ["张三"], None, {"by"}),
    (FINGERPRINT, WATER, "张三", {"text": "x"}, {"note"}),
    (FINGERPRINT, WATER, "张三", "x" * 1001, {"note"}),
])
def test_acknowledge_refuses_each_wrong_argument_by_name_and_acknowledges_nothing(
        alerts, fingerprint, desk, by, note, fields):
    sweep(alerts, alert_condition())
    assert set(refused(alerts.desk_actions.acknowledge, fingerprint, desk, by, note)) == fields
    [shown] = alerts.views.desk_alerts(WATER)
    assert shown["acknowledged_at"] is None


def test_resolve_refuses_an_outcome_of_the_wrong_type_and_an_operator_fingerprint(alerts):
    sweep(alerts, alert_condition())
    assert set(refused(alerts.desk_actions.resolve, FINGERPRINT, WATER, "张三", ["paid"])) == {"outcome"}
    assert set(refused(alerts.desk_actions.resolve, {"$gt": ""}, WATER, "张三", "paid")) == {"fingerprint"}
    assert refused(alerts.desk_actions.resolve, FINGERPRINT, WATER, "张三", "sorted")["outcome"][0].startswith(
        "unknown outcome 'sorted'")
    assert alerts.desk_actions.resolve(FINGERPRINT, WATER, "张三", "paid")["status"] == "resolved"


@pytest.mark.parametrize(("silence_id", "by", "desk", "fields"), [
    ({"$ne": None}, "张三", None, {"silence_id"}),
    (None, "张三", None, {"silence_id"}),
    ("ID", 42, None, {"by"}),
    ("ID", "张三", {"department": "water", "division": None}, {"division"}),
    ("ID", "张三", {"department": None, "division": "430102"}, {"department"}),
    ("ID", "张三", {"department": "police", "division": "430102"}, {"department"}),
    ("ID", "张三", {"department": "water", "division": ["430102"]}, {"division"}),
])
def test_expire_silence_refuses_each_wrong_argument_by_name_and_ends_nothing(alerts, silence_id, by, desk, fields):
    made = alerts.silences.silence({"department": "water", "desk_division": "430102"}, "张三", "春节停工", ENDS)
    real_id = made["silence_id"]
    silence_id = real_id if silence_id == "ID" else silence_id
    assert set(refused(alerts.silences.expire_silence, silence_id, by, desk)) == fields
    assert [s["silence_id"] for s in alerts.silences.silences("water", "430102")] == [real_id]
    assert alerts.silences.expire_silence(real_id, "张三", WATER)["silence_id"] == real_id
