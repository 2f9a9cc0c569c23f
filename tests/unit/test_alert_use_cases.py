"""The alerts service's use cases (services/alerts/app.py) without a broker or a store:
hand-written fakes of the alert storage, the clock, the publishers and the dispatcher (the
repository's verbs are proven by tests/repositories, against MongoDB too)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import yaml

from services.alerts.app import Alerts
from services.alerts.policy import parse
from shared.calendar import SHANGHAI
from shared.errors import RequestInvalid, RequestRefused
from shared.internal import ALERT_CHANGED, SILENCES_CHANGED, Condition
from shared.workdays import WorkingCalendar
from tests.factories import LIFECYCLE_POLICY, alert_condition
from tests.unit.fake_alert_store import FakeAlertStore
from tests.unit.fakes import FakeEvents, FakePublisher, FixedClock

WATER = {"department": "water", "division": "430102"}
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def alerts():
    return Alerts(FakeAlertStore(), parse(yaml.safe_load(LIFECYCLE_POLICY)), WorkingCalendar(),
                  FixedClock(MONDAY.isoformat()), FakePublisher(), FakePublisher(), FakeEvents())


def sweep(alerts, *conditions, as_of="2026-11-02", **scope):
    return alerts.conditions.reconcile("payroll", ["PAYROLL_MISSING"], as_of, loaded(*conditions), **scope)


def sent(events, event_type):
    return [body for sent_type, body in events.sent if sent_type == event_type]


def loaded(*conditions):
    """As the entrypoint hands them to the use case (levels defaulted)."""
    return Condition.load_many(list(conditions))


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
    assert [a["project_code"] for a in alerts.views.list_alerts("firing", None, None)] == ["P1"]
    assert [a["fingerprint"] for a in sweep(alerts)["resolved"]] == ["PAYROLL_MISSING:P1:2026-10"], "unscoped"


def test_a_sweep_as_of_a_later_date_starts_the_acknowledgement_clock_on_that_date(alerts):
    as_of = WorkingCalendar().add_working_days(MONDAY.date(), 10)
    sweep(alerts, alert_condition(), as_of=as_of.isoformat())
    assert alerts.escalation.escalate_overdue(as_of) == [], "not overdue the day it was raised"
    later = WorkingCalendar().add_working_days(as_of, 2)
    assert [a["level"] for a in alerts.escalation.escalate_overdue(later)] == ["city"]


def test_a_what_if_sweep_says_what_would_change_and_changes_nothing(alerts):
    sweep(alerts, alert_condition(project="P1"))
    published = len(alerts.publish_alert.sent)
    preview = alerts.conditions.preview("payroll", ["PAYROLL_MISSING"], "2026-11-02", loaded(alert_condition(project="P2")))
    assert [(a["fingerprint"], a["action"]) for a in preview["raised"]] == [("PAYROLL_MISSING:P2:2026-10", "raise")]
    assert [a["fingerprint"] for a in preview["resolved"]] == ["PAYROLL_MISSING:P1:2026-10"]
    assert len(alerts.publish_alert.sent) == published
    assert [a["project_code"] for a in alerts.views.list_alerts("firing", None, None)] == ["P1"]


def test_only_a_desk_the_alert_reaches_may_acknowledge_it_and_only_once(alerts):
    sweep(alerts, alert_condition())
    fingerprint = "PAYROLL_MISSING:P1:2026-10"
    with pytest.raises(RequestRefused, match="no alert .* reaches housing@430102"):
        alerts.desk_actions.acknowledge(fingerprint, {"department": "housing", "division": "430102"}, "王五")
    assert alerts.desk_actions.acknowledge(fingerprint, WATER, "张三", "在核实")["acknowledged_by"] == "张三"
    with pytest.raises(RequestRefused, match="already acknowledged by 张三"):
        alerts.desk_actions.acknowledge(fingerprint, WATER, "李四")


def test_resolving_needs_a_known_outcome_and_publishes_resolved(alerts):
    sweep(alerts, alert_condition())
    fingerprint = "PAYROLL_MISSING:P1:2026-10"
    with pytest.raises(RequestInvalid) as bad:
        alerts.desk_actions.resolve(fingerprint, WATER, "张三", "sorted")
    assert list(bad.value.errors) == ["outcome"] and "unknown outcome 'sorted'" in str(bad.value)
    done = alerts.desk_actions.resolve(fingerprint, WATER, "张三", "paid", "补发到位")
    assert (done["status"], done["outcome"], done["resolved_by"]) == ("resolved", "paid", "张三")
    assert alerts.publish_alert.sent[-1][0]["status"] == "resolved"
    with pytest.raises(RequestRefused, match="already resolved"):
        alerts.desk_actions.resolve(fingerprint, WATER, "张三", "paid")


def test_a_silence_names_its_wrong_fields_and_only_its_desk_may_end_it(alerts):
    ends = (MONDAY + timedelta(days=3)).date().isoformat()
    with pytest.raises(RequestInvalid) as refused:
        alerts.silences.silence({"colour": "red"}, "张三", "", ends)
    assert set(refused.value.errors) == {"matchers.colour", "reason"}
    made = alerts.silences.silence({"department": "water", "desk_division": "430102"}, "张三", "春节停工", ends)
    assert sent(alerts.dispatch, SILENCES_CHANGED)[-1]["silence_id"] == made["silence_id"]
    with pytest.raises(RequestRefused, match="no silence"):
        alerts.silences.expire_silence(made["silence_id"], "李四", {"department": "hrss", "division": "430102"})
    assert alerts.silences.expire_silence(made["silence_id"], "张三", WATER)["expired_by"] == "张三"
    with pytest.raises(RequestRefused, match="already ended"):
        alerts.silences.expire_silence(made["silence_id"], "张三", WATER)


def test_a_red_alert_nobody_acknowledged_in_a_working_day_goes_to_the_city_desks_only(alerts):
    sweep(alerts, alert_condition())
    tuesday_evening, wednesday = MONDAY.date() + timedelta(days=1), MONDAY.date() + timedelta(days=2)
    assert alerts.escalation.escalate_overdue(tuesday_evening) == []
    published = len(alerts.publish_alert.sent)
    what_if = alerts.escalation.escalate_overdue(wednesday, what_if=True)
    assert [a["level"] for a in what_if] == ["city"] and len(alerts.publish_alert.sent) == published
    [escalated] = alerts.escalation.escalate_overdue(wednesday)
    assert escalated["level"] == "city"
    assert {key.split(".")[2] for key in alerts.publish_alert.keys()[published:]} == {"430100"}
    assert alerts.escalation.escalate_overdue(wednesday) == [], "once"


def test_a_change_stored_but_never_published_is_relayed_after_half_a_minute(alerts):
    alerts.publication.publish_alert = lambda body, routing_key: None     # the publisher dies before publishing
    alerts.repository.mark_published = lambda *args: None
    sweep(alerts, alert_condition())
    del alerts.repository.mark_published
    relay = FakePublisher()
    alerts.publication.publish_alert = relay
    alerts.publication.relay_unpublished()
    assert relay.sent == [], "not before 30 seconds: its publisher may still be at it"
    alerts.clock.advance(seconds=31)
    alerts.publication.relay_unpublished()
    assert relay.keys() == ["alert.water.430102.red"]
    alerts.publication.relay_unpublished()
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


# --- moved here from tests/integration (the rules, without a broker) -------------------------

def test_a_condition_fires_once_and_a_worse_one_republishes_the_same_alert(alerts):
    first = sweep(alerts, alert_condition(severity="yellow"))
    again = sweep(alerts, alert_condition(severity="yellow"))
    worse = sweep(alerts, alert_condition(severity="red"))
    assert (len(first["raised"]), len(again["raised"]), len(worse["raised"])) == (1, 0, 1)
    assert alerts.publish_alert.keys() == ["alert.water.430102.yellow", "alert.water.430102.red"]
    yellow, red = [body for body, _ in alerts.publish_alert.sent]
    assert red["alert_id"] == yellow["alert_id"] and red["details"]["previous_severity"] == "yellow"


def test_a_higher_level_goes_to_the_city_desk_under_the_city_code_and_never_back_down(alerts):
    sweep(alerts, alert_condition(severity="yellow"))
    sweep(alerts, alert_condition(severity="yellow", level="city"))
    sweep(alerts, alert_condition(severity="red", level="county"))
    assert alerts.publish_alert.keys() == [
        "alert.water.430102.yellow",
        "alert.water.430102.yellow", "alert.water.430100.yellow",
        "alert.water.430102.red", "alert.water.430100.red"]
    assert {(b["division"], b["level"]) for b, key in alerts.publish_alert.sent if ".430100." in key} == {
        ("430100", "city")}


def test_a_resolved_condition_reported_again_fires_as_a_new_alert(alerts):
    sweep(alerts, alert_condition("2026-09"), alert_condition("2026-10"))
    outcome = sweep(alerts, alert_condition("2026-10"))
    assert [a["fingerprint"] for a in outcome["resolved"]] == ["PAYROLL_MISSING:P1:2026-09"]
    refired = sweep(alerts, alert_condition("2026-09"), alert_condition("2026-10"))
    assert [(b["month"], b["status"]) for b, _ in alerts.publish_alert.sent] == [
        ("2026-09", "firing"), ("2026-10", "firing"), ("2026-09", "resolved"), ("2026-09", "firing")]
    assert refired["raised"][0]["alert_id"] != outcome["resolved"][0]["alert_id"]


def test_report_raises_without_resolving_and_clear_resolves_only_open_fingerprints(alerts):
    sweep(alerts, alert_condition("2026-09"))
    raised = alerts.conditions.report("complaints", loaded(alert_condition("2026-10")))
    cleared = alerts.conditions.clear("payroll", ["PAYROLL_MISSING:P1:2026-09", "PAYROLL_MISSING:P1:1999-01"], "paid")
    assert [a["month"] for a in raised["raised"]] == ["2026-10"]
    assert [a["month"] for a in cleared["resolved"]] == ["2026-09"]
    assert [(b["month"], b["status"]) for b, _ in alerts.publish_alert.sent] == [
        ("2026-09", "firing"), ("2026-10", "firing"), ("2026-09", "resolved")]


def test_an_acknowledged_alert_does_not_escalate(alerts):
    sweep(alerts, alert_condition())
    alerts.desk_actions.acknowledge("PAYROLL_MISSING:P1:2026-10", WATER, "张三", "已联系总包")
    assert alerts.escalation.escalate_overdue(MONDAY.date() + timedelta(days=30)) == []


def notify_after(alerts, seconds):
    alerts.clock.advance(seconds=seconds)
    alerts.publication.desks.send_due()
    return [(body, key) for body, key in alerts.publish_notification.sent]


def test_a_burst_on_one_project_is_one_notification_while_the_contract_stream_keeps_every_alert(alerts):
    alerts.conditions.report("test", loaded(*[alert_condition(f"2026-{m:02d}", severity="yellow",
                                                              alert_type="WORKER_UNPAID") for m in range(1, 11)]))
    assert len(alerts.publish_alert.sent) == 10
    assert notify_after(alerts, 0) == [], "the group waits"
    [(body, key)] = notify_after(alerts, 2)
    assert key == "notify.water.430102.yellow"
    assert (body["reason"], body["group"], len(body["firing"])) == ("new", {"project_code": "P1"}, 10)
    assert notify_after(alerts, 60)[1:] == [], "yellow does not repeat"


def test_a_red_group_repeats_until_acknowledged_and_its_yellow_twin_is_inhibited(alerts):
    alerts.conditions.report("test", loaded(alert_condition("2026-09"), alert_condition("2026-10", severity="yellow")))
    [(first, _)] = notify_after(alerts, 2)
    assert first["reason"] == "new"
    assert [a["fingerprint"] for a in first["firing"]] == ["PAYROLL_MISSING:P1:2026-09"]
    assert first["suppressed"] == [{"fingerprint": "PAYROLL_MISSING:P1:2026-10", "silenced_by": None,
                                    "inhibited_by": "PAYROLL_MISSING:P1:2026-09"}]
    assert [body["reason"] for body, _ in notify_after(alerts, 4)] == ["new", "repeat"]
    alerts.desk_actions.acknowledge("PAYROLL_MISSING:P1:2026-09", WATER, "张三")
    settled = len(notify_after(alerts, 2))
    assert len(notify_after(alerts, 10)) == settled, "an acknowledged group is not repeated"
    [shown] = [a for a in alerts.views.desk_alerts(WATER) if a["month"] == "2026-10"]
    assert shown["inhibited_by"] == "PAYROLL_MISSING:P1:2026-09"
