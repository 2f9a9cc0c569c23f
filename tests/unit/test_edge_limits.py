"""The edge refuses what the platform cannot hold, each value with a field error and a
receipt, at the boundaries of the window a message is judged from; a receipt always goes
out, whatever the message held. (Issue 13, points 1, 6 and 11; the use case with fakes.)"""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from services.ingress.domain import Delivery
from services.ingress.handler import give_up, handle_delivery
from shared.calendar import Month
from shared.contract.envelope import ReceiptSchema, amqp_short_string
from shared.contract.window import MAX_COUNT, MAX_YUAN, PAST, PLAN, Window, printable, text_problem
from tests.factories import COUNTY, complaint, message, payroll, project, worker_id
from tests.unit.fakes import FakeIngressLog, FakeOwner, FakeReceipts

NOW = "2026-11-23T08:00:01+08:00"
WINDOW = Window.arriving(NOW)
CODE_ERROR = "Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'."


def deliver(env: dict, receipts=None, owner=None):
    receipts, owner, log = receipts or FakeReceipts(), owner or FakeOwner(), FakeIngressLog()
    body = json.dumps(env).encode()      # \u escapes: a lone surrogate arrives as one
    delivery = Delivery(body=body, routing_key=f"county.{env['county']}.{env['type']}")
    receipt = handle_delivery(delivery, message_log=log, dispatch=owner, publish=receipts, received_at=NOW)
    assert [r for r, _ in receipts.sent] == [receipt], "exactly one receipt"
    assert ReceiptSchema().validate(receipt) == {}
    return receipt, owner, log


# --- the window, at its boundaries ---------------------------------------------------

@pytest.mark.parametrize("value, when, refused", [
    (date(1999, 12, 31), PLAN, True), (date(2000, 1, 1), PLAN, False),
    (date(2026, 11, 23), PAST, False), (date(2026, 11, 24), PAST, True),
    (date(2026, 11, 24), PLAN, False), (date(2036, 11, 22), PLAN, False), (date(2036, 11, 23), PLAN, True),
    (date(1, 1, 1), PLAN, True), (date(9999, 12, 31), PLAN, True),
])
def test_dates_are_judged_from_the_day_the_message_arrived(value, when, refused):
    assert bool(WINDOW.date_problem(value, when)) is refused


@pytest.mark.parametrize("value, when, refused", [
    (Month(1999, 12), PLAN, True), (Month(2000, 1), PLAN, False), (Month(2026, 11), PAST, False),
    (Month(2026, 12), PAST, True), (Month(2026, 12), PLAN, False), (Month(9999, 12), PLAN, True),
])
def test_a_month_that_means_the_past_may_not_be_a_future_month(value, when, refused):
    assert bool(WINDOW.month_problem(value, when)) is refused


@pytest.mark.parametrize("value, refused", [
    ("2026-11-23T08:10:01+08:00", False),          # a county clock ten minutes fast
    ("2026-11-23T08:10:02+08:00", True),
    ("2026-11-23T00:10:01+00:00", False), ("2026-11-23T00:10:02+00:00", True),   # the same, in UTC
    ("2000-01-01T00:00:00+08:00", False), ("1999-12-31T23:59:59+08:00", True),
    ("9999-12-31T23:59:59-23:59", True), ("0001-01-01T00:00:00+14:00", True),    # no overflow
])
def test_an_event_timestamp_is_no_later_than_its_arrival_and_never_overflows(value, refused):
    assert bool(WINDOW.timestamp_problem(datetime.fromisoformat(value), PAST)) is refused


def test_the_window_is_configuration():
    window = Window.arriving(NOW, {"earliest": "2020-01-01", "years_ahead": 1})
    assert window.date_problem(date(2019, 12, 31), PLAN) and not window.date_problem(date(2020, 1, 1), PLAN)
    assert window.date_problem(date(2027, 12, 1), PLAN) and not window.date_problem(date(2027, 11, 1), PLAN)


def test_text_with_a_lone_surrogate_is_refused_and_echoed_only_as_valid_utf8():
    assert text_problem("湘江\ud800") == "Not valid Unicode text: a lone surrogate at character 3."
    assert text_problem("湘江😀") is None
    assert printable("a\ud800b") == "a\\ud800b" and printable("湘江") == "湘江"
    assert printable("a\x00b") == "a\\x00b"


# --- through the use case: every poison value is a field error and a receipt -----------

POISON = [   # (what, message type, payload, the receipt's only error path)
    ("10^30 workers", "complaint.filed", complaint(workers_affected=10**30), "payload.workers_affected"),
    ("1e300 yuan", "project.upsert", project(contract_amount=1e300), "payload.contract_amount"),
    ("10^30 yuan due", "payroll.paid", payroll(lines=[{"id_number": worker_id(1), "amount_due": 10**30,
                                                       "amount_paid": 0}]), "payload.lines.0.amount_due"),
    ("a lone surrogate", "project.upsert", project(name="湘江\ud800工程"), "payload.name"),
    ("a lone surrogate, nested", "project.upsert",
     project(owner={"name": "\udfff", "uscc": project()["owner"]["uscc"]}), "payload.owner.name"),
    ("a surrogate in an enum", "project.upsert", project(sector="water\ud800"), "payload.sector"),
    ("started in year 1", "project.upsert", project(start_date="0001-01-01"), "payload.start_date"),
    ("ends in 9999", "project.upsert", project(planned_end_date="9999-12-31"), "payload.planned_end_date"),
    ("ended tomorrow", "project.upsert", project(actual_end_date="2026-11-24", status="completed"),
     "payload.actual_end_date"),
    ("filed in year 1", "complaint.filed", complaint(filed_at="0001-01-01T00:00:00+08:00"), "payload.filed_at"),
    ("filed tomorrow", "complaint.filed", complaint(filed_at="2026-11-24T09:00:00+08:00"), "payload.filed_at"),
    ("payroll for 9999-12", "payroll.paid", payroll("9999-12", paid_on="2026-09-28"), "payload.month"),
    ("payroll for next month", "payroll.paid", payroll("2026-12", paid_on="2026-11-20"), "payload.month"),
    ("payroll paid tomorrow", "payroll.paid", payroll("2026-10", paid_on="2026-11-24"), "payload.paid_on"),
    ("account opened tomorrow", "account.opened", {"project_code": "P1", "bank": "长沙银行", "account_no": "62170038100",
                                                   "opened_on": "2026-11-24"}, "payload.opened_on"),
    ("deposit paid in 1999", "deposit.paid", {"project_code": "P1", "amount": 1000, "paid_on": "1999-12-31",
                                              "form": "cash"}, "payload.paid_on"),
    ("labour cost for 9999-12", "allocation.received", {"project_code": "P1", "month": "9999-12", "amount": 1,
                                                        "received_on": "2026-11-01"}, "payload.month"),
]


@pytest.mark.parametrize("what, message_type, payload, path", POISON, ids=[p[0] for p in POISON])
def test_a_value_the_platform_cannot_hold_is_refused_with_a_field_error(what, message_type, payload, path):
    receipt, owner, log = deliver(message(message_type, payload, message_id="m-1"))
    assert receipt["status"] == "rejected" and list(receipt["errors"]) == [path], receipt["errors"]
    assert owner.stored == [] and len(log.quarantined) == 1


@pytest.mark.parametrize("message_type, field, value, when", [
    ("attendance.batch", "at", "9999-12-31T08:00:00+08:00", "a clock-in in 9999"),
    ("attendance.batch", "at", "2026-11-24T08:00:00+08:00", "a clock-in tomorrow"),
    ("worker.enrol", "name", "张\ud800", "a surrogate in a name"),
    ("worker.exit", "exit_date", "1970-01-01", "an exit in 1970"),
])
def test_a_batch_record_the_platform_cannot_hold_is_refused_by_index(message_type, field, value, when):
    from tests.fuzzing import valid_payloads

    records = valid_payloads()[message_type]["records"]
    records[1][field] = value
    receipt, owner, _ = deliver(message(message_type, {"records": records}, message_id="m-1"))
    assert receipt["status"] == "partial", when
    assert [(r["index"], list(r["errors"])) for r in receipt["records"]["rejected"]] == [(1, [field])]
    assert [i for i, _ in owner.stored[0]] == [0, 2]


@pytest.mark.parametrize("message_type, payload", [
    ("project.upsert", project(start_date="2000-01-01", contract_amount=MAX_YUAN,
                               planned_end_date="2036-11-22")),
    ("complaint.filed", complaint(workers_affected=MAX_COUNT, filed_at="2026-11-23T08:10:00+08:00")),
    ("payroll.paid", payroll("2026-11", paid_on="2026-11-23")),
    ("allocation.received", {"project_code": "P1", "month": "2027-01", "amount": 1, "received_on": "2026-11-23"}),
], ids=["project at the limits", "complaint at the limits", "this month's payroll paid today",
        "labour cost allocated ahead"])
def test_values_at_the_limits_are_accepted(message_type, payload):
    receipt, owner, _ = deliver(message(message_type, payload, message_id="m-1"))
    assert (receipt["status"], receipt["errors"]) == ("accepted", {})


# --- message_id, and a receipt that can always be published --------------------------

@pytest.mark.parametrize("message_id", ["x" * 10240, "编" * 90, "x" * 65, "abc\n", "a\ud800"],
                         ids=["10240 ASCII", "90 Chinese", "65 ASCII", "trailing newline", "lone surrogate"])
def test_a_message_id_outside_the_contract_is_refused_and_echoed(message_id):
    receipt, _, _ = deliver(message("project.upsert", project(), message_id=message_id))
    assert receipt["errors"] == {"message_id": [CODE_ERROR]}
    assert receipt["message_id"] == printable(message_id)


@pytest.mark.parametrize("value, fits", [
    ("x" * 255, "x" * 255), ("x" * 256, None), ("编" * 85, "编" * 85), ("编" * 86, None),
    ("a\ud800", None), (None, None), (17, None),
], ids=["255 ASCII", "256 ASCII", "85 Chinese", "86 Chinese", "lone surrogate", "none", "a number"])
def test_only_what_fits_an_amqp_short_string_becomes_the_message_id_property(value, fits):
    assert amqp_short_string(value) == fits


def _wire_refuses(receipt):
    """The real publisher's limit, as the fake sees it: a message_id over 255 bytes."""
    message_id = receipt.get("message_id")
    return "struct.error" if message_id and amqp_short_string(message_id) is None else None


def test_a_receipt_the_wire_cannot_carry_is_replaced_by_a_minimal_one():
    receipts = FakeReceipts(refuse=_wire_refuses)
    log, owner = FakeIngressLog(), FakeOwner()
    env = message("project.upsert", project(), message_id="x" * 10240)
    delivery = Delivery(body=json.dumps(env).encode(), routing_key=f"county.{COUNTY}.project.upsert")
    handle_delivery(delivery, message_log=log, dispatch=owner, publish=receipts, received_at=NOW)
    [(sent, division)] = receipts.sent
    assert division == COUNTY and ReceiptSchema().validate(sent) == {}
    assert (sent["message_id"], sent["type"], sent["status"]) == (None, "project.upsert", "rejected")
    assert list(sent["errors"]) == ["_receipt"] and "struct.error" in sent["errors"]["_receipt"][0]
    assert log.quarantined[0]["receipt"]["errors"] == {"message_id": [CODE_ERROR]}   # the full one is kept


def test_giving_up_on_a_message_with_an_unfit_message_id_still_answers_it():
    receipts = FakeReceipts(refuse=_wire_refuses)
    env = message("project.upsert", project(), message_id="编" * 90)
    delivery = Delivery(body=json.dumps(env).encode(), routing_key=f"county.{COUNTY}.project.upsert")
    give_up(delivery, message_log=FakeIngressLog(), publish=receipts, received_at=NOW, attempts=5)
    [(sent, _)] = receipts.sent
    assert sent["status"] == "rejected" and sent["message_id"] is None


def test_an_unknown_field_named_with_a_lone_surrogate_or_nul_is_named_in_storable_utf8():
    receipt, _, _ = deliver(message("project.upsert", {**project(), "x\ud800": 1, "y\x00": 2}, message_id="m-1"))
    assert receipt["errors"] == {"payload.x\\ud800": ["Unknown field."], "payload.y\\x00": ["Unknown field."]}
    receipt_bytes = json.dumps(receipt, ensure_ascii=False).encode("utf-8")   # encodable as it is
    assert b"\\\\ud800" in receipt_bytes
