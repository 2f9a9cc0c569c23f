"""The alert policy file: the deployed one always includes the contract's default desk,
routes `continue` into copies, and a bad file is refused field by field."""
from __future__ import annotations

import pytest
import yaml

from services.alerts.policy import DEFAULT_POLICY, AlertPolicy, PolicyError, duration, parse
from wagewatch.config import load_config

DEPLOYED = AlertPolicy.from_config(load_config())
CONTRACT_SECTORS = {"housing": "housing", "municipal": "housing", "water": "water", "transport": "transport",
                    "railway": "transport", "energy": "development", "other": "hrss", None: "hrss"}
TYPES = ["PAYROLL_MISSING", "WORKER_UNPAID", "WAGES_SHORT", "ACCOUNT_NOT_OPENED", "LABOUR_COST_NOT_ALLOCATED",
         "DEPOSIT_MISSING"]


@pytest.mark.parametrize("alert_type", TYPES)
@pytest.mark.parametrize("sector", list(CONTRACT_SECTORS))
@pytest.mark.parametrize("funding", ["government", "soe", "private"])
def test_the_deployed_policy_always_sends_an_alert_to_the_contracts_sector_department(alert_type, sector, funding):
    # The contract's default routing is by sector; the policy may add desks (DOMAIN.md's
    # HRSS and development copies, pinned in test_account_routing), never take it away.
    departments = DEPLOYED.routing.departments(alert_type, sector, funding)
    assert CONTRACT_SECTORS[sector] in departments
    assert len(departments) == len(set(departments))


@pytest.mark.parametrize("sector", list(CONTRACT_SECTORS))
@pytest.mark.parametrize("alert_type", ["COMPLAINT_FILED", "COMPLAINT_OVERDUE"])
def test_the_deployed_policy_sends_complaints_to_hrss_and_the_sector_department(alert_type, sector):
    expected = list(dict.fromkeys(["hrss", CONTRACT_SECTORS[sector]]))
    assert DEPLOYED.routing.departments(alert_type, sector, "private") == expected


def policy(text: str) -> AlertPolicy:
    return parse(yaml.safe_load(text))


def test_a_continue_route_copies_and_the_owner_still_comes_first():
    table = policy("""
routing:
  routes:
    - match: {funding: government, severity: [red, orange]}
      receivers: [development]
      continue: true
    - match: {division: "430100", type: WAGES_SHORT}
      receivers: [hrss, sector]
    - receivers: [sector]
""").routing
    assert table.departments("WAGES_SHORT", "water", "government", severity="red", division="430102") == \
        ["hrss", "water", "development"]
    assert table.departments("WAGES_SHORT", "water", "government", severity="yellow", division="430102") == \
        ["hrss", "water"]
    assert table.departments("WAGES_SHORT", "water", "private", severity="red", division="431102") == ["water"]


def test_routes_match_the_level_and_p1_too():
    table = policy("""
routing:
  routes:
    - match: {p1: true}
      receivers: [hrss]
      continue: true
    - match: {level: [province]}
      receivers: [development]
    - receivers: [sector]
""").routing
    assert table.departments("PAYROLL_MISSING", "water", p1=True, level="county") == ["water", "hrss"]
    assert table.departments("PAYROLL_MISSING", "water", p1=False, level="province") == ["development"]


def test_the_old_alert_routing_section_is_refused_with_where_it_went():
    with pytest.raises(PolicyError) as refused:
        AlertPolicy.from_config({"ALERT_ROUTING": {"copies": []}, "ALERT_POLICY": str(DEFAULT_POLICY)})
    assert "alert-policy.yml" in refused.value.problems["ALERT_ROUTING"][0]


@pytest.mark.parametrize("text, path, message", [
    ("routing: {routes: [{receivers: [waterworks]}]}", "routing.routes[0].receivers[0]", "Unknown department"),
    ("routing: {routes: [{receivers: []}]}", "routing.routes[0].receivers", "at least one department"),
    ("routing: {routes: [{match: {colour: red}, receivers: [hrss]}]}", "routing.routes[0].match.colour",
     "Unknown label"),
    ("routing: {routes: [{match: {severity: purple}, receivers: [hrss]}]}", "routing.routes[0].match.severity",
     "Unknown value 'purple'"),
    ("routing: {routes: [{match: {division: '999999'}, receivers: [hrss]}]}", "routing.routes[0].match.division",
     "Unknown administrative division"),
    ("routing: {routes: [{match: {department: water}, receivers: [hrss]}]}", "routing.routes[0].match.department",
     "Unknown label"),
    ("routing: {sectors: {energy: power}}", "routing.sectors.energy", "Unknown department"),
    ("notifications: [{group_wait: soon}]", "notifications[0].group_wait", "Not a duration"),
    ("notifications: [{repeat_interval: {red: 1d, crimson: 2d}}]", "notifications[0].repeat_interval.crimson",
     "Unknown field"),
    ("notifications: [{group_by: [worker]}]", "notifications[0].group_by", "labels among"),
    ("inhibitions: [{target: {type: X}}]", "inhibitions[0].source", "at least one label"),
    ("acknowledgement: {within_working_days: {red: 0}}", "acknowledgement.within_working_days.red", "at least 1"),
    ("escalation: {}", "escalation", "Unknown field"),
])
def test_a_bad_policy_is_refused_naming_the_field(text, path, message):
    with pytest.raises(PolicyError) as refused:
        policy(text)
    assert message in " ".join(refused.value.problems[path]), refused.value.problems


def test_durations_are_written_as_operators_say_them():
    assert [duration(v) for v in ("0s", "90s", "5m", "4h", "1d", "never", 30)] == [0, 90, 300, 14400, 86400, None, 30]


def test_the_deployed_desk_rules_group_by_project_and_repeat_red_daily_and_blue_never():
    index, rule = DEPLOYED.desk_rule({"p1": False, "severity": "red", "department": "water"})
    assert rule.group_by == ("project_code",)
    assert (rule.repeat_after("red"), rule.repeat_after("yellow"), rule.repeat_after("blue")) == (86400, 604800, None)
    assert DEPLOYED.desk_rule({"p1": True})[1].group_wait == 0
    assert DEPLOYED.acknowledge_within == {"red": 1, "orange": 3}
