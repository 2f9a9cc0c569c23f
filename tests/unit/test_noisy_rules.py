"""A noisy rule cannot flood a desk: grouping, repeat interval, inhibition and silences,
decided by the pure notification engine with explicit times."""
from __future__ import annotations

from datetime import datetime, timedelta

import yaml

from services.alerts.notify import CHANGED, NEW, REPEAT, compose, due_after_change, group_of
from services.alerts.policy import parse
from services.alerts.suppression import inhibited_by, silence_problems, silenced_by
from shared.calendar import SHANGHAI, now_iso

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
WATER = {"department": "water", "division": "430102", "level": "county"}
POLICY = parse(yaml.safe_load("""
notifications:
  - group_by: [project_code]
    group_wait: 30s
    group_interval: 5m
    repeat_interval: {red: 4h, yellow: 1d, blue: never}
inhibitions:
  - source: {type: ACCOUNT_NOT_OPENED}
    target: {type: LABOUR_COST_NOT_ALLOCATED}
    equal: [project_code]
  - source: {severity: red}
    target: {severity: yellow}
    equal: [project_code, type]
"""))
RULE = POLICY.desk_rules[0]


def alert(number=1, project="P1", alert_type="WORKER_UNPAID", severity="yellow", **extra):
    return {"_id": f"{alert_type}:{project}:{number}", "type": alert_type, "severity": severity, "status": "firing",
            "project_code": project, "division": "430102", "level": "county", "month": "2026-10",
            "routes": [WATER], "acknowledged_at": None, **extra}


def test_a_burst_of_alerts_on_one_project_makes_one_notification_per_desk():
    burst = [alert(n) for n in range(300)]
    groups = {group_of(a, WATER, POLICY)["_id"] for a in burst}
    other = group_of(alert(1, project="P2"), WATER, POLICY)["_id"]
    assert len(groups) == 1 and other not in groups

    due = due_after_change(None, RULE, T0)
    assert due == T0 + timedelta(seconds=30), "the group waits to collect the burst"
    state = {"dirty": True, "notified": [], "notified_at": None, "due_at": due}
    assert due_after_change(state, RULE, T0 + timedelta(seconds=10)) == due, "later alerts join the wait"

    reason, after = compose({}, state, burst, {}, RULE, due)
    assert reason == NEW and len(after["firing"]) == 300


def test_a_group_that_keeps_changing_is_told_at_most_once_per_group_interval():
    state = {"dirty": False, "notified": ["WORKER_UNPAID:P1:1"], "notified_at": now_iso(T0), "due_at": None}
    assert due_after_change(state, RULE, T0 + timedelta(seconds=20)) == T0 + timedelta(minutes=5)
    dirty = {**state, "dirty": True}
    reason, after = compose({}, dirty, [alert(1), alert(2)], {}, RULE, T0 + timedelta(minutes=5))
    assert reason == CHANGED and after["notified"] == ["WORKER_UNPAID:P1:1", "WORKER_UNPAID:P1:2"]


def test_a_change_that_tells_the_desk_nothing_new_sends_nothing():
    state = {"dirty": True, "notified": ["WORKER_UNPAID:P1:1"], "notified_at": now_iso(T0)}
    reason, _ = compose({}, state, [alert(1, acknowledged_at="x")], {}, RULE, T0 + timedelta(minutes=5))
    assert reason is None


def test_a_resolution_is_told_to_the_desk_that_heard_of_the_alert():
    state = {"dirty": True, "notified": ["WORKER_UNPAID:P1:1"], "notified_at": now_iso(T0)}
    reason, after = compose({}, state, [alert(1, status="resolved")], {}, RULE, T0 + timedelta(minutes=5))
    assert reason == CHANGED and [a["_id"] for a in after["resolved"]] == ["WORKER_UNPAID:P1:1"]
    assert after["due_at"] is None, "nothing left firing: no repeat"


def test_a_still_firing_group_repeats_after_its_colours_interval_and_not_before():
    firing = [alert(1, severity="red"), alert(2, severity="yellow")]
    reason, first = compose({}, {"dirty": True, "notified": []}, firing, {}, RULE, T0)
    assert reason == NEW and first["due_at"] == T0 + timedelta(hours=4), "red repeats every 4 hours"
    later = {"dirty": False, "notified": first["notified"], "notified_at": now_iso(T0)}
    reason, second = compose({}, later, firing, {}, RULE, first["due_at"])
    assert reason == REPEAT and second["due_at"] == T0 + timedelta(hours=8)


def test_yellow_repeats_daily_blue_never_and_an_acknowledged_group_stops_repeating():
    _, yellow = compose({}, {"dirty": True, "notified": []}, [alert(1)], {}, RULE, T0)
    assert yellow["due_at"] == T0 + timedelta(days=1)
    _, blue = compose({}, {"dirty": True, "notified": []}, [alert(1, severity="blue")], {}, RULE, T0)
    assert blue["due_at"] is None
    _, acked = compose({}, {"dirty": True, "notified": []}, [alert(1, severity="red", acknowledged_at="t")], {},
                       RULE, T0)
    assert acked["due_at"] is None
    reason, _ = compose({}, {"dirty": False, "notified": ["WORKER_UNPAID:P1:1"], "notified_at": now_iso(T0)},
                        [alert(1, severity="red", acknowledged_at="t")], {}, RULE, T0 + timedelta(hours=4))
    assert reason is None


def test_no_account_inhibits_labour_cost_not_allocated_on_the_same_project_only():
    cause = alert(1, alert_type="ACCOUNT_NOT_OPENED")
    symptom = alert(1, alert_type="LABOUR_COST_NOT_ALLOCATED")
    elsewhere = alert(1, project="P2", alert_type="LABOUR_COST_NOT_ALLOCATED")
    assert inhibited_by(symptom, [cause, symptom, elsewhere], POLICY.inhibitions) == cause["_id"]
    assert inhibited_by(elsewhere, [cause, symptom, elsewhere], POLICY.inhibitions) is None
    assert inhibited_by(symptom, [{**cause, "status": "resolved"}], POLICY.inhibitions) is None


def test_red_inhibits_yellow_of_the_same_rule_and_project_but_not_another_rule():
    red = alert(9, alert_type="PAYROLL_MISSING", severity="red")
    yellow = alert(10, alert_type="PAYROLL_MISSING")
    other_rule = alert(10, alert_type="WORKER_UNPAID")
    assert inhibited_by(yellow, [red], POLICY.inhibitions) == red["_id"]
    assert inhibited_by(other_rule, [red], POLICY.inhibitions) is None
    assert inhibited_by({**yellow, "project_code": None}, [{**red, "project_code": None}], POLICY.inhibitions) is None


def test_inhibited_alerts_are_left_out_of_the_notification_and_said_to_be():
    red, yellow = alert(9, severity="red"), alert(10)
    muted = {yellow["_id"]: {"silenced_by": None, "inhibited_by": red["_id"]}}
    reason, after = compose({}, {"dirty": True, "notified": []}, [red, yellow], muted, RULE, T0)
    assert reason == NEW and [a["_id"] for a in after["firing"]] == [red["_id"]]


SPRING_FESTIVAL = {"_id": "s1", "matchers": {"department": "water", "desk_division": "430102",
                                            "type": ["PAYROLL_MISSING"]},
                   "starts_at": "2027-02-05T00:00:00+08:00", "ends_at": "2027-02-20T00:00:00+08:00",
                   "created_by": "张科长", "reason": "春节停工"}


def test_a_silence_mutes_matching_alerts_on_its_desk_only_while_it_lasts():
    payroll = alert(1, alert_type="PAYROLL_MISSING")
    during, before, after = "2027-02-10T09:00:00+08:00", "2027-02-01T09:00:00+08:00", "2027-02-20T00:00:00+08:00"
    assert silenced_by(payroll, WATER, [SPRING_FESTIVAL], during) == "s1"
    assert silenced_by(payroll, WATER, [SPRING_FESTIVAL], before) is None
    assert silenced_by(payroll, WATER, [SPRING_FESTIVAL], after) is None
    assert silenced_by(payroll, {**WATER, "department": "hrss"}, [SPRING_FESTIVAL], during) is None
    assert silenced_by(alert(1), WATER, [SPRING_FESTIVAL], during) is None
    assert silenced_by(payroll, WATER, [{**SPRING_FESTIVAL, "expired_at": during}], during) is None


def test_a_city_silence_covers_its_counties_by_division():
    city_wide = {**SPRING_FESTIVAL, "matchers": {"division": "430100"}}
    assert silenced_by(alert(1), WATER, [city_wide], "2027-02-10T09:00:00+08:00") == "s1"
    assert silenced_by({**alert(1), "division": "431102"}, WATER, [city_wide], "2027-02-10T09:00:00+08:00") is None


def test_a_silence_needs_a_creator_a_reason_matchers_and_an_end_in_the_future():
    now = "2026-11-23T09:00:00+08:00"
    assert silence_problems({"matchers": {"type": "PAYROLL_MISSING"}, "created_by": "a", "reason": "r",
                             "ends_at": "2026-11-24T09:00:00+08:00"}, now) == {}
    problems = silence_problems({"matchers": {"colour": "red"}, "created_by": " ", "ends_at": now}, now)
    assert set(problems) == {"matchers.colour", "created_by", "reason", "ends_at"}
    assert "at most 90 days" in silence_problems({"matchers": {"type": "X"}, "created_by": "a", "reason": "r",
                                                  "ends_at": "2027-06-01T00:00:00+08:00"}, now)["ends_at"][0]


def test_tail_filters_by_rule_and_project_and_prints_notifications_readably():
    from wagewatch.tail import format_notification, wanted

    body = {"type": "PAYROLL_MISSING", "project_code": "P1"}
    assert wanted(body, None, None) and wanted(body, "PAYROLL_MISSING", "P1")
    assert not wanted(body, "WAGES_SHORT", None) and not wanted(body, None, "P2")
    line = format_notification({"desk": WATER, "group": {"project_code": "P1"}, "colour": "red", "reason": "repeat",
                                "sent_at": "2026-11-23T09:00:00+08:00", "firing": [{}, {}], "resolved": [],
                                "suppressed": [{"fingerprint": "x"}]})
    assert line == ("2026-11-23T09:00:00+08:00  RED    repeat  water@430102 project_code=P1: 2 firing, 0 resolved, "
                    "1 silenced/inhibited")
