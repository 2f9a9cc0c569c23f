"""What complaints tell the desks: filed, overdue (with escalation), group arrears and
repeat defaulters, routed by the configured table."""
from __future__ import annotations

from datetime import date

import pytest

from services.alerts.policy import AlertPolicy
from services.complaints import domain
from services.complaints.clocks import clock_at
from services.complaints.rules import (
    ComplaintRules,
    filed_condition,
    group_arrears,
    overdue_condition,
    repeat_defaulter,
    stale_fingerprints,
)
from shared.internal import ConditionSchema
from shared.workdays import WorkingCalendar
from testkit.synthetic import credit_code
from tests.factories import COUNTY, OTHER_COUNTY
from tests.unit.complaint_cases import a_case, change, run
from wagewatch.config import load_config

RULES = ComplaintRules.from_config(load_config())
ROUTING = AlertPolicy.from_config(load_config()).routing
CALENDAR = WorkingCalendar()
WATER_PROJECT = {"name": "湘江防洪堤加固工程", "division": COUNTY, "sector": "water", "funding": "government",
                 "status": "under_construction", "owner": None, "general_contractor": None}


def clock(case, day):
    return clock_at(case["history"], day, CALENDAR, RULES.limits)


def overdue(case, day):
    return overdue_condition(case, clock(case, day), RULES)


def test_a_filed_complaint_goes_to_hrss_and_the_water_desk_with_the_complainant_masked():
    case = a_case(project=WATER_PROJECT)
    condition = filed_condition(case, clock(case, date(2026, 9, 30)))
    assert ConditionSchema().validate(condition) == {}
    assert (condition["type"], condition["severity"], condition["division"], condition["level"]) == (
        "COMPLAINT_FILED", "orange", COUNTY, "county")
    assert condition["fingerprint"] == f"COMPLAINT_FILED:{COUNTY}/TS-2026-0001:{COUNTY}"
    assert ROUTING.departments(condition["type"], condition["sector"]) == ["hrss", "water"]
    assert condition["details"]["complainant"]["phone"] == "139****5678"
    assert "13912345678" not in str(condition) and "phone_hash" not in str(condition)
    assert "accept or refuse by 2026-10-13" in condition["summary"]


@pytest.mark.parametrize("workers, amount", [(1, 6000), (1, 250_000), (40, 900_000)])
def test_a_complaint_is_filed_orange_whatever_it_claims(workers, amount):
    """A claim is not an offence: nothing is red at filing for the amount alone."""
    condition = filed_condition(a_case(workers_affected=workers, amount_claimed=amount), None)
    assert condition["severity"] == "orange" and "referral" not in condition["details"]


@pytest.mark.parametrize("as_of, expected", [
    (date(2026, 10, 9), None),                     # 2 of 5 working days
    (date(2026, 10, 12), ("orange", "county")),    # 4 of 5: 80%
    (date(2026, 10, 13), ("orange", "county")),    # the deadline itself
    (date(2026, 10, 14), ("red", "city")),         # overdue: the city's 督办
    (date(2026, 10, 27), ("red", "city")),         # 10 working days overdue
    (date(2026, 10, 28), ("red", "province")),     # 11: the province
])
def test_an_unaccepted_complaint_turns_orange_then_red_and_climbs_to_the_city_and_province(as_of, expected):
    found = overdue(a_case(), as_of)
    assert (found and (found["severity"], found["level"])) == expected


def test_the_overdue_alert_names_its_clock_and_division():
    found = overdue(a_case(), date(2026, 10, 14))
    assert found["fingerprint"] == f"COMPLAINT_OVERDUE:{COUNTY}/TS-2026-0001:acceptance:{COUNTY}"
    assert found["details"]["clock"]["deadline"] == "2026-10-13"
    assert found["summary"].startswith("投诉超期未受理")


def test_an_investigation_is_watched_against_its_60_days_and_a_paused_one_stays_late():
    accepted = change(a_case(), domain.ACCEPT, date(2026, 10, 9))
    assert overdue(accepted, date(2026, 12, 31))["severity"] == "orange"
    late = overdue(accepted, date(2027, 1, 5))
    assert (late["severity"], late["fingerprint"].split(":")[2]) == ("red", "investigation")
    waiting = change(accepted, domain.SUSPEND, date(2027, 1, 5), today=date(2027, 1, 5), reason="等待司法鉴定")
    assert overdue(waiting, date(2027, 2, 1))["severity"] == "red", "pausing does not undo lateness"


def test_warnings_and_escalation_are_configuration():
    rules = ComplaintRules.from_config({"RULES": {"complaints": {
        "warn_at": 0.4, "city_after_overdue_working_days": 2, "province_after_overdue_working_days": 3}}})
    case = a_case()
    assert overdue_condition(case, clock(case, date(2026, 10, 8)), rules) is None      # 1 of 5
    assert overdue_condition(case, clock(case, date(2026, 10, 9)), rules)["severity"] == "orange"  # 2 of 5
    levels = [overdue_condition(case, clock(case, date(2026, 10, d)), rules)["level"] for d in (14, 16, 19)]
    assert levels == ["county", "city", "province"]


def a_project_case(number, workers, filed="2026-10-12T09:00:00+08:00", **overrides):
    return a_case(project=WATER_PROJECT, complaint_id=f"TS-{number}", workers_affected=workers,
                  filed_at=filed, **overrides)


def test_ten_workers_in_one_complaint_are_a_p1_group_event():
    case = a_project_case(1, 12)
    group = group_arrears(case, [case], RULES)
    assert (group["type"], group["severity"], group["p1"]) == ("GROUP_ARREARS", "red", True)
    assert group["fingerprint"] == f"GROUP_ARREARS:{COUNTY}-2026-0001:2026-10"
    assert ROUTING.departments(group["type"], group["sector"]) == ["hrss", "water"]


def test_complaints_on_one_project_and_month_add_up_to_a_group_event_while_one_is_open():
    cases = [a_project_case(1, 4), a_project_case(2, 3), a_project_case(3, 3)]
    assert group_arrears(cases[0], cases[:2], RULES) is None
    group = group_arrears(cases[0], cases, RULES)
    assert group["details"]["workers"] == 10 and len(group["details"]["case_ids"]) == 3
    refused = change(cases[2], domain.REFUSE, date(2026, 10, 13), reason="重复投诉")
    assert group_arrears(cases[0], [*cases[:2], refused], RULES) is None, "a refused complaint does not count"
    closed = [run(c, (domain.ACCEPT, date(2026, 10, 12), {}),
                  (domain.RESOLVE, date(2026, 10, 13), {"outcome": "paid_in_full", "amount_recovered": 1,
                                                         "workers_paid": 1}),
                  (domain.CLOSE, date(2026, 10, 13), {})) for c in cases]
    assert group_arrears(cases[0], closed, RULES) is None


def test_without_a_project_one_large_complaint_is_still_a_group_event():
    case = a_case(without=("project_code",), workers_affected=15, amount_claimed=90000)
    assert group_arrears(case, [], RULES)["fingerprint"] == f"GROUP_ARREARS:{COUNTY}/TS-2026-0001:2026-09"


def employer_case(number, filed, division=COUNTY, county=COUNTY):
    return a_case(county=county, complaint_id=f"E-{number}", division=division, filed_at=f"{filed}T09:00:00+08:00",
                  employer={"name": "某建筑劳务有限公司", "uscc": credit_code(COUNTY, 77)})


def test_an_employer_in_three_complaints_within_30_days_is_a_repeat_defaulter():
    cases = [employer_case(1, "2026-09-01"), employer_case(2, "2026-09-15"), employer_case(3, "2026-10-01")]
    found = repeat_defaulter(cases, RULES)
    assert (found["type"], found["severity"], found["level"]) == ("REPEAT_DEFAULTER", "red", "county")
    assert found["fingerprint"] == f"REPEAT_DEFAULTER:{credit_code(COUNTY, 77)}"
    assert found["details"]["case_ids"] == [f"{COUNTY}/E-1", f"{COUNTY}/E-2", f"{COUNTY}/E-3"]
    spread = [employer_case(1, "2026-09-01"), employer_case(2, "2026-09-15"), employer_case(3, "2026-10-02")]
    assert repeat_defaulter(spread, RULES) is None, "31 days from first to last"


def test_a_repeat_defaulter_across_counties_is_seen_by_the_city_and_across_cities_by_the_province():
    cases = [employer_case(1, "2026-09-01"), employer_case(2, "2026-09-02", OTHER_COUNTY, OTHER_COUNTY),
             employer_case(3, "2026-09-03")]
    assert repeat_defaulter(cases, RULES)["level"] == "city"
    cases[1] = employer_case(2, "2026-09-02", "430202", "430202")     # 株洲
    assert repeat_defaulter(cases, RULES)["level"] == "province"


def test_a_repeat_defaulter_clears_once_its_complaints_are_all_closed_or_refused():
    cases = [change(employer_case(n, f"2026-09-0{n}"), domain.REFUSE, date(2026, 9, 9), reason="x")
             for n in (1, 2)] + [employer_case(3, "2026-09-03")]
    assert repeat_defaulter(cases, RULES) is None


def test_a_transferred_case_drops_the_alerts_of_the_desk_it_left_and_a_closed_one_drops_all():
    moved = change(a_case(), domain.TRANSFER, date(2026, 10, 8), to_division=OTHER_COUNTY, reason="属地")
    stale = stale_fingerprints(moved, clock(moved, date(2026, 10, 8)))
    assert f"COMPLAINT_FILED:{COUNTY}/TS-2026-0001:{COUNTY}" in stale
    assert f"COMPLAINT_FILED:{COUNTY}/TS-2026-0001:{OTHER_COUNTY}" not in stale
    assert f"COMPLAINT_OVERDUE:{COUNTY}/TS-2026-0001:acceptance:{OTHER_COUNTY}" not in stale
    refused = change(moved, domain.REFUSE, date(2026, 10, 9), reason="x")
    assert len(stale_fingerprints(refused, None)) == 8, "filed, both clocks and the referral, at both desks"
