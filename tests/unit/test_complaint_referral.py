"""Referral to the police as a step of a complaint's lifecycle (contract 1.1): an order to
pay (责令支付) with a deadline recorded on the case; once the deadline has passed with
wages unpaid at the provincial threshold (Hunan: one worker unpaid 3 months or more and
6,000 yuan; 10 or more workers and 40,000 yuan), CRIMINAL_REFERRAL_DUE (red, hrss)."""
from __future__ import annotations

from datetime import date

import pytest

from services.alerts.policy import AlertPolicy
from services.complaints import domain
from services.complaints.clocks import clock_at
from services.complaints.exceptions import InvalidChange, InvalidTransition
from services.complaints.rules import ComplaintRules, alerts_for, referral_condition, stale_fingerprints
from shared.internal import ConditionSchema
from shared.workdays import WorkingCalendar
from tests.factories import COUNTY, OTHER_COUNTY
from tests.unit.complaint_cases import a_case, change, run
from wagewatch.config import load_config

RULES = ComplaintRules.from_config(load_config())
ROUTING = AlertPolicy.from_config(load_config()).routing
ACCEPTED_ON, ORDERED_ON, DEADLINE = date(2026, 10, 9), date(2026, 10, 12), date(2026, 10, 22)
CASE_ID = f"{COUNTY}/TS-2026-0001"


def ordered(*, amount=15_600, workers=3, months=3, largest=None, payments=(), case=None) -> dict:
    """An accepted case with an order to pay due by DEADLINE, and payments ((day, yuan), ...)."""
    order = {"deadline": DEADLINE.isoformat(), "amount": amount, "workers": workers, "months": months}
    if largest is not None:
        order["largest_one_worker"] = largest
    case = run(case or a_case(), (domain.ACCEPT, ACCEPTED_ON, {}), (domain.ORDER, ORDERED_ON, order))
    return run(case, *((domain.PAY, day, {"amount_paid": paid}) for day, paid in payments))


def due(case, day=date(2026, 10, 23)):
    return referral_condition(case, day, RULES)


# ---- the thresholds, at their boundaries -------------------------------------------------

@pytest.mark.parametrize("amount, workers, months, largest, expected", [
    (6000, 1, 3, None, True),              # one worker, three months, 6,000: the threshold
    (5999.99, 1, 3, None, False),          # a fen short
    (6000, 1, 2, None, False),             # two months are not three
    (90_000, 1, 2, None, False),           # however much, for one worker under three months
    (40_000, 10, 1, None, True),           # ten workers, 40,000 in total (any months)
    (39_999.99, 10, 1, None, False),       # a fen short, and 3,999.99 each is not 6,000 for one
    (45_000, 9, 2, None, False),           # nine workers are not ten, and two months not three
    (30_000, 5, 3, None, True),            # average 6,000: at least one worker is owed that much
    (30_000, 6, 3, None, False),           # average 5,000, and the desk gave no larger share
    (30_000, 6, 3, 6000, True),            # the desk's figure for the worker owed most
    (30_000, 6, 3, 5999.99, False),
])
def test_an_unheeded_order_is_judged_against_the_provincial_threshold(amount, workers, months, largest, expected):
    case = ordered(amount=amount, workers=workers, months=months, largest=largest)
    assert (due(case) is not None) is expected


def test_nothing_is_due_until_the_day_after_the_deadline():
    case = ordered(amount=48_000, workers=12)
    assert due(case, DEADLINE) is None
    assert due(case, date(2026, 10, 23))["severity"] == "red"


def test_nothing_is_due_for_a_case_without_an_order_however_much_it_claims():
    case = run(a_case(workers_affected=40, amount_claimed=900_000), (domain.ACCEPT, ACCEPTED_ON, {}))
    assert due(case, date(2027, 6, 1)) is None


@pytest.mark.parametrize("payments, expected", [
    ([(date(2026, 10, 20), 48_000)], False),                          # paid in full by the deadline
    ([(DEADLINE, 48_000)], False),                                     # on the deadline itself
    ([(date(2026, 10, 20), 8_000.01)], False),                        # 39,999.99 left: under 40,000
    ([(date(2026, 10, 20), 8_000)], True),                            # 40,000 left: at it
    ([(date(2026, 10, 20), 8_000), (date(2026, 10, 23), 40_000)], True),   # late payment does not undo it
])
def test_what_was_paid_by_the_deadline_counts(payments, expected):
    case = ordered(amount=48_000, workers=12, months=1, payments=payments)
    assert (due(case, date(2026, 10, 26)) is not None) is expected


def test_a_later_order_replaces_the_earlier_one():
    first = ordered(amount=48_000, workers=12)
    again = change(first, domain.ORDER, date(2026, 10, 23), deadline="2026-11-02", amount=48_000, workers=12,
                   months=1)
    assert due(again, date(2026, 10, 26)) is None, "the new deadline has not passed"
    assert due(again, date(2026, 11, 3)) is not None


# ---- the alert: shape, routing, lifecycle ------------------------------------------------

def test_the_referral_alert_is_red_to_hrss_alone_and_names_the_order():
    project = {"name": "湘江防洪堤加固工程", "division": COUNTY, "sector": "water", "funding": "government",
               "status": "under_construction", "owner": None, "general_contractor": None}
    condition = due(ordered(amount=48_000, workers=12, case=a_case(project=project)))
    assert ConditionSchema().validate(condition) == {}
    assert (condition["type"], condition["severity"], condition["division"], condition["level"]) == (
        "CRIMINAL_REFERRAL_DUE", "red", COUNTY, "county")
    assert condition["fingerprint"] == f"CRIMINAL_REFERRAL_DUE:{CASE_ID}:{COUNTY}"
    assert ROUTING.departments(condition["type"], condition["sector"]) == ["hrss"]
    assert condition["details"]["order"]["deadline"] == DEADLINE.isoformat()
    assert condition["details"]["unpaid_at_deadline"] == 48_000
    assert "法释〔2013〕3号" in condition["details"]["threshold_source"]
    assert "13912345678" not in str(condition)


@pytest.mark.parametrize("step, holds", [
    ((domain.SUSPEND, date(2026, 10, 26), {"reason": "等待公安回复"}), True),       # waiting: still due
    ((domain.RESOLVE, date(2026, 10, 26), {"outcome": "referred_to_police", "amount_recovered": 0,
                                           "workers_paid": 0}), False),           # the desk referred it
])
def test_the_referral_holds_until_the_desk_resolves_the_case(step, holds):
    case = run(ordered(amount=48_000, workers=12), step)
    assert (due(case, date(2026, 10, 27)) is not None) is holds


def test_a_change_reports_the_referral_and_resolving_the_case_clears_it():
    case = ordered(amount=48_000, workers=12)
    day = date(2026, 10, 26)
    clock = clock_at(case["history"], day, WorkingCalendar(), RULES.limits)
    report, stale = alerts_for(case, clock, [case], [], RULES, day)
    fp = f"CRIMINAL_REFERRAL_DUE:{CASE_ID}:{COUNTY}"
    assert fp in [c["fingerprint"] for c in report] and fp not in stale
    resolved = change(case, domain.RESOLVE, day, outcome="referred_to_police", amount_recovered=0, workers_paid=0)
    report, stale = alerts_for(resolved, clock, [resolved], [], RULES, day)
    assert fp not in [c["fingerprint"] for c in report] and fp in stale


def test_a_transfer_moves_the_referral_to_the_new_desk():
    case = change(ordered(amount=48_000, workers=12), domain.TRANSFER, date(2026, 10, 23),
                  to_division=OTHER_COUNTY, reason="属地")
    condition = due(case, date(2026, 10, 26))
    assert (condition["division"], condition["fingerprint"].split(":")[-1]) == (OTHER_COUNTY, OTHER_COUNTY)
    stale = stale_fingerprints(case, None, referral_due=True)
    assert f"CRIMINAL_REFERRAL_DUE:{CASE_ID}:{COUNTY}" in stale
    assert f"CRIMINAL_REFERRAL_DUE:{CASE_ID}:{OTHER_COUNTY}" not in stale


# ---- the steps themselves ------------------------------------------------------------------

def test_an_order_is_a_step_that_leaves_the_status_and_the_clock_alone():
    accepted = run(a_case(), (domain.ACCEPT, ACCEPTED_ON, {}))
    case = ordered()
    assert case["status"] == accepted["status"] == domain.ACCEPTED
    assert case["history"][-1]["action"] == "order_payment"
    assert case["history"][-1]["details"] == {"deadline": "2026-10-22", "amount_fen": 1_560_000, "workers": 3,
                                              "months": 3}
    day = date(2026, 11, 30)
    assert (clock_at(case["history"], day, WorkingCalendar(), RULES.limits)
            == clock_at(accepted["history"], day, WorkingCalendar(), RULES.limits))
    assert domain.order_of(case).deadline == DEADLINE


def test_an_order_needs_an_accepted_case():
    with pytest.raises(InvalidTransition, match="accept it first"):
        change(a_case(), domain.ORDER, ORDERED_ON, deadline="2026-10-22", amount=1000, workers=1, months=3)


@pytest.mark.parametrize("params, field", [
    ({"deadline": "2026-10-12"}, "deadline"),                        # not after the day it is issued
    ({"amount": 0}, "amount"),
    ({"workers": 0}, "workers"),
    ({"months": 0}, "months"),
    ({"largest_one_worker": 20_000}, "largest_one_worker"),         # more than the whole order
    ({"workers": 1, "largest_one_worker": 100}, "largest_one_worker"),
])
def test_a_wrong_order_is_refused_naming_the_field(params, field):
    accepted = run(a_case(), (domain.ACCEPT, ACCEPTED_ON, {}))
    order = {"deadline": "2026-10-22", "amount": 15_600, "workers": 3, "months": 3, **params}
    with pytest.raises(InvalidChange) as refused:
        change(accepted, domain.ORDER, ORDERED_ON, **order)
    assert list(refused.value.errors) == [field]


def test_a_payment_needs_an_order():
    accepted = run(a_case(), (domain.ACCEPT, ACCEPTED_ON, {}))
    with pytest.raises(InvalidTransition, match="no order to pay"):
        change(accepted, domain.PAY, ORDERED_ON, amount_paid=100)
