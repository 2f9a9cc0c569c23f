"""A complaint case's lifecycle: what a desk may do in each state, and the record it leaves."""
from __future__ import annotations

from datetime import date

import pytest

from services.complaints import domain
from services.complaints.exceptions import InvalidChange, InvalidTransition
from tests.unit.complaint_cases import a_case, change, run

OCT = lambda day: date(2026, 10, day)  # noqa: E731
PAID = {"outcome": "paid_in_full", "amount_recovered": 15600.5, "workers_paid": 3}


def test_a_case_runs_from_received_to_closed_and_records_who_did_what_and_when():
    case = run(a_case(),
               (domain.ACCEPT, OCT(8), {"by": "芙蓉区劳动监察 王"}),
               (domain.INVESTIGATE, OCT(9), {}),
               (domain.RESOLVE, OCT(20), PAID),
               (domain.CLOSE, OCT(21), {"note": "结案 workers confirmed"}))
    assert case["status"] == domain.CLOSED
    assert [(e["action"], e["from_status"], e["to_status"], e["on"]) for e in case["history"]] == [
        ("file", None, "received", "2026-09-30"),
        ("accept", "received", "accepted", "2026-10-08"),
        ("investigate", "accepted", "investigating", "2026-10-09"),
        ("resolve", "investigating", "resolved", "2026-10-20"),
        ("close", "resolved", "closed", "2026-10-21"),
    ]
    assert case["history"][1]["by"] == "芙蓉区劳动监察 王"
    assert case["history"][1]["at"] == "2026-10-08T09:00:00+08:00"
    assert case["history"][3]["details"] == {"outcome": "paid_in_full", "amount_recovered_fen": 1560050,
                                             "workers_paid": 3}
    assert case["resolution"]["amount_recovered_fen"] == 1560050


def test_an_accepted_case_may_be_resolved_without_a_separate_investigation_step():
    case = run(a_case(), (domain.ACCEPT, OCT(8), {}), (domain.RESOLVE, OCT(9), PAID))
    assert case["status"] == domain.RESOLVED


@pytest.mark.parametrize("steps, action, params, message", [
    ([], domain.CLOSE, {}, "Cannot close case 430102/TS-2026-0001: it is received; close applies only to a "
                           "case that is resolved."),
    ([domain.ACCEPT], domain.CLOSE, {}, "Hint: resolve it first (outcome, amount recovered, workers paid)."),
    ([domain.ACCEPT], domain.REFUSE, {"reason": "x"}, "Hint: an accepted case ends with an outcome"),
    ([], domain.RESOLVE, PAID, "Hint: accept it first."),
    ([domain.ACCEPT], domain.ACCEPT, {}, "Cannot accept case 430102/TS-2026-0001: it is accepted"),
    ([], domain.RESUME, {}, "resume applies only to a case that is waiting"),
    ([], domain.REOPEN, {"reason": "x"}, "reopen applies only to a case that is refused or closed"),
    ([], domain.EXTEND, {"reason": "x"}, "only the investigation deadline can be extended"),
])
def test_a_change_that_does_not_apply_is_refused_with_the_state_and_what_would_work(steps, action, params, message):
    case = run(a_case(), *((step, OCT(8), {}) for step in steps))
    with pytest.raises(InvalidTransition) as refused:
        change(case, action, OCT(9), **params)
    assert message in str(refused.value)


def test_waiting_returns_the_case_to_the_state_it_left():
    case = run(a_case(), (domain.ACCEPT, OCT(8), {}), (domain.INVESTIGATE, OCT(8), {}),
               (domain.SUSPEND, OCT(9), {"reason": "等待仲裁结果 awaiting arbitration"}))
    assert (case["status"], case["resume_status"]) == (domain.WAITING, domain.INVESTIGATING)
    resumed = change(case, domain.RESUME, OCT(12))
    assert (resumed["status"], resumed["resume_status"]) == (domain.INVESTIGATING, None)


def test_a_transfer_moves_the_case_to_another_desk_and_back_to_received():
    case = run(a_case(), (domain.ACCEPT, OCT(8), {}),
               (domain.TRANSFER, OCT(9), {"to_division": "430121", "reason": "项目在长沙县 the site is in 长沙县"}))
    assert (case["status"], case["division"], case["department"]) == (domain.RECEIVED, "430121", "hrss")
    assert case["divisions"] == ["430102", "430121"]
    assert case["history"][-1]["details"] == {
        "from_division": "430102", "from_department": "hrss", "to_division": "430121", "to_department": "hrss",
        "reason": "项目在长沙县 the site is in 长沙县"}
    to_housing = change(case, domain.TRANSFER, OCT(9), to_department="housing", reason="工程款拖欠")
    assert (to_housing["division"], to_housing["department"]) == ("430121", "housing")


@pytest.mark.parametrize("params, errors", [
    ({"reason": "x"}, {"to_division": ["Name the division (to_division) or department (to_department) to "
                                       "transfer to."]}),
    ({"reason": "x", "to_division": "430102"}, {"to_division": [
        "The case is already with hrss@430102: name another division or department."]}),
    ({"reason": "x", "to_division": "439999"}, {"to_division": ["Unknown administrative division code (GB/T 2260)."]}),
    ({"reason": "x", "to_department": "police"}, {"to_department": [
        "Must be one of: housing, water, transport, development, hrss, finance, soe."]}),
    ({"to_division": "430121"}, {"reason": ["Missing data for required field."]}),
])
def test_a_transfer_names_a_real_other_desk_and_a_reason(params, errors):
    with pytest.raises(InvalidChange) as refused:
        change(a_case(), domain.TRANSFER, OCT(9), **params)
    assert refused.value.errors == errors


def test_reopening_sends_a_closed_case_back_to_investigation_and_a_refused_one_to_acceptance():
    closed = run(a_case(), (domain.ACCEPT, OCT(8), {}), (domain.RESOLVE, OCT(9), PAID), (domain.CLOSE, OCT(9), {}))
    reopened = change(closed, domain.REOPEN, OCT(12), reason="复查 the payment bounced")
    assert (reopened["status"], reopened["resolution"]) == (domain.INVESTIGATING, None)
    refused = change(a_case(), domain.REFUSE, OCT(8), reason="已进入仲裁程序")
    assert change(refused, domain.REOPEN, OCT(12), reason="仲裁撤回")["status"] == domain.RECEIVED


def test_the_investigation_deadline_is_extended_once_with_a_reason():
    case = run(a_case(), (domain.ACCEPT, OCT(8), {}),
               (domain.EXTEND, OCT(9), {"reason": "情况复杂，经负责人批准", "by": "局长 李"}))
    assert case["status"] == domain.ACCEPTED
    with pytest.raises(InvalidTransition, match=r"already extended on 2026-10-09 by 局长 李"):
        change(case, domain.EXTEND, OCT(12), reason="again")
    with pytest.raises(InvalidChange) as missing:
        change(run(a_case(), (domain.ACCEPT, OCT(8), {})), domain.EXTEND, OCT(9))
    assert missing.value.errors == {"reason": ["Missing data for required field."]}


def test_a_waiting_case_not_yet_accepted_cannot_be_extended():
    waiting = change(a_case(), domain.SUSPEND, OCT(8), reason="补正材料")
    with pytest.raises(InvalidTransition, match="has not been accepted at its current desk"):
        change(waiting, domain.EXTEND, OCT(9), reason="x")


def test_a_change_takes_effect_neither_in_the_future_nor_before_the_last_change():
    accepted = change(a_case(), domain.ACCEPT, OCT(8))
    with pytest.raises(InvalidChange) as early:
        change(accepted, domain.INVESTIGATE, OCT(7))
    assert early.value.errors == {"on": ["Must not be before the case's last change (2026-10-08)."]}
    with pytest.raises(InvalidChange) as ahead:
        change(accepted, domain.INVESTIGATE, OCT(20), today=OCT(19))
    assert ahead.value.errors == {"on": ["Must not be in the future (today is 2026-10-19)."]}


@pytest.mark.parametrize("params, errors", [
    ({**PAID, "outcome": "settled"}, {"outcome": [
        "Must be one of: paid_in_full, paid_in_part, no_arrears_found, referred_to_police, "
        "referred_to_arbitration, withdrawn."]}),
    ({**PAID, "amount_recovered": -1}, {"amount_recovered": ["Must not be negative."]}),
    ({**PAID, "amount_recovered": 10.005}, {"amount_recovered": ["At most 2 decimal places."]}),
    ({**PAID, "amount_recovered": "100"}, {"amount_recovered": ["Must be a JSON number (yuan)."]}),
    ({**PAID, "workers_paid": -1}, {"workers_paid": ["Must be greater than or equal to 0."]}),
    ({**PAID, "paid_by": "bank"}, {"paid_by": ["Unknown field."]}),
])
def test_a_resolution_names_an_outcome_from_the_list_and_valid_amounts(params, errors):
    accepted = change(a_case(), domain.ACCEPT, OCT(8))
    with pytest.raises(InvalidChange) as refused:
        change(accepted, domain.RESOLVE, OCT(9), **params)
    assert refused.value.errors == errors


def test_phone_and_id_numbers_typed_into_a_reason_are_masked():
    refused = change(a_case(), domain.REFUSE, OCT(8), reason="已联系 13812345678，本人称已和解")
    assert refused["history"][-1]["details"]["reason"] == "已联系 138****5678，本人称已和解"
