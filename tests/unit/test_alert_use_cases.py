"""The alerts service's use cases (services/alerts/app.py) without a broker: fakes for
the clock, the publishers and the dispatcher; the alert repository on the embedded store
(its verbs are proven by tests/repositories, against MongoDB too)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import yaml

from services.alerts.app import Alerts
from services.alerts.policy import parse
from services.alerts.repository import AlertRepository
from shared.calendar import SHANGHAI
from shared.errors import RequestInvalid, RequestRefused
from shared.internal import ALERT_CHANGED, SILENCES_CHANGED, ConditionSchema
from shared.storage import client_for, forget_embedded
from shared.workdays import WorkingCalendar
from tests.factories import LIFECYCLE_POLICY, alert_condition
from tests.unit.fakes import FakeEvents, FakePublisher, FixedClock

WATER = {"department": "water", "division": "430102"}
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def alerts():
    uri = f"mongomock://alerts-unit-{id(object())}"
    repository = AlertRepository(client_for(uri)["alerts"])
    repository.ensure_indexes()
    yield Alerts(repository, parse(yaml.safe_load(LIFECYCLE_POLICY)), WorkingCalendar(), FixedClock(MONDAY.isoformat()),
                 FakePublisher(), FakePublisher(), FakeEvents())
    forget_embedded(uri)


def sweep(alerts, *conditions, as_of="2026-11-02", **scope):
    return alerts.reconcile("payroll", ["PAYROLL_MISSING"], as_of, loaded(*conditions), **scope)


def sent(events, event_type):
    return [body for sent_type, body in events.sent if sent_type == event_type]


def loaded(*conditions):
    """As the entrypoint hands them to the use case (levels defaulted)."""
    return ConditionSchema(many=True).load(list(conditions))


def test_a_new_condition_is_published_to_each_desk_and_the_console_and_its_group_is_due(alerts):
    answer = sweep(alerts, alert_condition())
    assert [a["fingerprint"] for a in answer["raised"]] == ["PAYROLL_MISSING:P1:2026-10"]
    assert "alert.water.430102.red" in alerts.publish_alert.keys()
    assert [v["fingerprint"] for v in sent(alerts.dispatch, ALERT_CHANGED)] == ["PAYROLL_MISSING:P1:2026-10"]
    assert alerts.repository.due_groups("2026-11-03T00:00:00+08:00"), "the desk's group is due to be notified"
    assert sweep(alerts, alert_condition())["raised"] == [], "the same condition again changes nothing"


def test_a_condition_no_longer_reported_resolves_but_only_within_the_swept_projects(alerts):
    sweep(alerts, alert_condition(project="P1"), alert_condition(project="P2"))
    scoped = sweep(alerts, project_codes=["P2"])
    assert [a["fingerprint"] for a in scoped["resolved"]] == ["PAYROLL_MISSING:P2:2026-10"]
    assert [a["project_code"] for a in alerts.list_alerts("firing", None, None)] == ["P1"]
    assert [a["fingerprint"] for a in sweep(alerts)["resolved"]] == ["PAYROLL_MISSING:P1:2026-10"], "unscoped"


def test_a_sweep_as_of_a_later_date_starts_the_acknowledgement_clock_on_that_date(alerts):
    as_of = WorkingCalendar().add_working_days(MONDAY.date(), 10)
    sweep(alerts, alert_condition(), as_of=as_of.isoformat())
    assert alerts.escalate_overdue(as_of) == [], "not overdue the day it was raised"
    later = WorkingCalendar().add_working_days(as_of, 2)
    assert [a["level"] for a in alerts.escalate_overdue(later)] == ["city"]


def test_a_what_if_sweep_says_what_would_change_and_changes_nothing(alerts):
    sweep(alerts, alert_condition(project="P1"))
    published = len(alerts.publish_alert.sent)
    preview = alerts.preview("payroll", ["PAYROLL_MISSING"], "2026-11-02", loaded(alert_condition(project="P2")))
    assert [(a["fingerprint"], a["action"]) for a in preview["raised"]] == [("PAYROLL_MISSING:P2:2026-10", "raise")]
    assert [a["fingerprint"] for a in preview["resolved"]] == ["PAYROLL_MISSING:P1:2026-10"]
    assert len(alerts.publish_alert.sent) == published
    assert [a["project_code"] for a in alerts.list_alerts("firing", None, None)] == ["P1"]


def test_only_a_desk_the_alert_reaches_may_acknowledge_it_and_only_once(alerts):
    sweep(alerts, alert_condition())
    fingerprint = "PAYROLL_MISSING:P1:2026-10"
    with pytest.raises(RequestRefused, match="no alert .* reaches housing@430102"):
        alerts.acknowledge(fingerprint, {"department": "housing", "division": "430102"}, "王五")
    assert alerts.acknowledge(fingerprint, WATER, "张三", "在核实")["acknowledged_by"] == "张三"
    with pytest.raises(RequestRefused, match="already acknowledged by 张三"):
        alerts.acknowledge(fingerprint, WATER, "李四")


def test_resolving_needs_a_known_outcome_and_publishes_resolved(alerts):
    sweep(alerts, alert_condition())
    fingerprint = "PAYROLL_MISSING:P1:2026-10"
    with pytest.raises(RequestInvalid) as bad:
        alerts.resolve(fingerprint, WATER, "张三", "sorted")
    assert list(bad.value.errors) == ["outcome"] and "unknown outcome 'sorted'" in str(bad.value)
    done = alerts.resolve(fingerprint, WATER, "张三", "paid", "补发到位")
    assert (done["status"], done["outcome"], done["resolved_by"]) == ("resolved", "paid", "张三")
    assert alerts.publish_alert.sent[-1][0]["status"] == "resolved"
    with pytest.raises(RequestRefused, match="already resolved"):
        alerts.resolve(fingerprint, WATER, "张三", "paid")


def test_a_silence_names_its_wrong_fields_and_only_its_desk_may_end_it(alerts):
    ends = (MONDAY + timedelta(days=3)).date().isoformat()
    with pytest.raises(RequestInvalid) as refused:
        alerts.silence({"colour": "red"}, "张三", "", ends)
    assert set(refused.value.errors) == {"matchers.colour", "reason"}
    made = alerts.silence({"department": "water", "desk_division": "430102"}, "张三", "春节停工", ends)
    assert sent(alerts.dispatch, SILENCES_CHANGED)[-1]["silence_id"] == made["silence_id"]
    with pytest.raises(RequestRefused, match="no silence"):
        alerts.expire_silence(made["silence_id"], "李四", {"department": "hrss", "division": "430102"})
    assert alerts.expire_silence(made["silence_id"], "张三", WATER)["expired_by"] == "张三"
    with pytest.raises(RequestRefused, match="already ended"):
        alerts.expire_silence(made["silence_id"], "张三", WATER)


def test_a_red_alert_nobody_acknowledged_in_a_working_day_goes_to_the_city_desks_only(alerts):
    sweep(alerts, alert_condition())
    tuesday_evening, wednesday = MONDAY.date() + timedelta(days=1), MONDAY.date() + timedelta(days=2)
    assert alerts.escalate_overdue(tuesday_evening) == []
    published = len(alerts.publish_alert.sent)
    what_if = alerts.escalate_overdue(wednesday, what_if=True)
    assert [a["level"] for a in what_if] == ["city"] and len(alerts.publish_alert.sent) == published
    [escalated] = alerts.escalate_overdue(wednesday)
    assert escalated["level"] == "city"
    assert {key.split(".")[2] for key in alerts.publish_alert.keys()[published:]} == {"430100"}
    assert alerts.escalate_overdue(wednesday) == [], "once"


def test_a_change_stored_but_never_published_is_relayed_after_half_a_minute(alerts):
    alerts.publish_alert = lambda body, routing_key: None     # the publisher dies before publishing
    alerts.repository.mark_published = lambda *args: None
    sweep(alerts, alert_condition())
    del alerts.repository.mark_published
    relay = FakePublisher()
    alerts.publish_alert = relay
    alerts.relay_unpublished()
    assert relay.sent == [], "not before 30 seconds: its publisher may still be at it"
    alerts.clock.advance(seconds=31)
    alerts.relay_unpublished()
    assert relay.keys() == ["alert.water.430102.red"]
    alerts.relay_unpublished()
    assert len(relay.sent) == 1, "marked published once relayed"


def test_the_desks_are_told_once_per_call_however_many_alerts_it_changes(alerts):
    """A sweep may change thousands of alerts: one query for their projects' other open
    alerts (those a red may inhibit), not one per alert."""
    asked = []
    read = alerts.repository.open_on_projects
    alerts.repository.open_on_projects = lambda codes: asked.append(sorted(codes)) or read(codes)
    sweep(alerts, *[alert_condition(project=f"P{n}") for n in range(5)])
    assert asked == [[f"P{n}" for n in range(5)]]
    assert len(alerts.repository.due_groups("2026-11-03T00:00:00+08:00")) == 5, "each project's group is due"
