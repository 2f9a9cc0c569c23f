"""The contract's edge rules: what an envelope and its payload must be, and the receipt."""
from __future__ import annotations

import json

import pytest

from services.ingress.domain import Delivery, Envelope, Unreadable, _schema, check_payload, read_envelope
from shared.contract.envelope import flatten_errors
from shared.contract.messages import MAX_BATCH_RECORDS, MESSAGE_TYPES
from shared.contract.window import Window
from tests.factories import COUNTY, clock_in, enrolment, message, payroll, project, worker_id


def delivery_of(env, routing_key=None, **kwargs) -> Delivery:
    body = env if isinstance(env, bytes) else json.dumps(env).encode()
    key = routing_key or f"county.{COUNTY}.{env['type'] if isinstance(env, dict) else 'project.upsert'}"
    return Delivery(body=body, routing_key=key, **kwargs)


@pytest.mark.parametrize("body, field, text", [
    (b"not json at all", "body", "Not valid JSON"),
    (b"\xff\xfe{}", "body", "Not UTF-8 text"),
    (b"[1, 2]", "body", "Must be a JSON object"),
    (b'{"amount": NaN}', "body", "Not valid JSON"),
    (b" " * (1024 * 1024 + 1), "body", "Larger than 1048576 bytes"),
])
def test_an_unreadable_body_is_answered_with_what_is_wrong(body, field, text):
    reading = read_envelope(delivery_of(body, message_id_property="amqp-id-1"))
    assert isinstance(reading, Unreadable)
    assert text in reading.errors[field][0]
    assert reading.message_id == "amqp-id-1"


@pytest.mark.parametrize("change, field", [
    ({"message_id": "has spaces in it"}, "message_id"),
    ({"message_id": "x" * 65}, "message_id"),
    ({"type": "project.delete"}, "type"),
    ({"county": "999999"}, "county"),
    ({"sent_at": "2026-11-23 08:00"}, "sent_at"),
    ({"schema_version": 2}, "schema_version"),
    ({"payload": []}, "payload"),
    ({"extra": 1}, "extra"),
])
def test_envelope_fields_are_checked_one_by_one(change, field):
    env = {**message("project.upsert", project()), **change}
    reading = read_envelope(delivery_of(env, routing_key=f"county.{COUNTY}.project.upsert"))
    assert isinstance(reading, Unreadable) and field in reading.errors


def test_envelope_missing_a_field_names_it():
    env = message("project.upsert", project())
    del env["sent_at"]
    assert read_envelope(delivery_of(env)).errors == {"sent_at": ["Missing data for required field."]}


def test_type_and_county_must_match_the_routing_key():
    env = message("project.upsert", project())
    reading = read_envelope(delivery_of(env, routing_key="county.430121.payroll.paid"))
    assert set(reading.errors) == {"type", "county"}
    assert "430121" in reading.errors["county"][0]


def test_the_envelope_message_id_is_kept_for_the_receipt_even_when_invalid_elsewhere():
    env = message("project.upsert", project(), message_id="abc-1", schema_version=9)
    assert read_envelope(delivery_of(env)).message_id == "abc-1"


def envelope_of(message_type, payload, county=COUNTY) -> Envelope:
    reading = read_envelope(delivery_of(message(message_type, payload, county)))
    assert isinstance(reading, Envelope), reading
    return reading


@pytest.mark.parametrize("payload, path, text", [
    (project(contract_amount=-5), "payload.contract_amount", "Must not be negative."),
    (project(contract_amount=0), "payload.contract_amount", "Must be greater than 0."),
    (project(sector="mining"), "payload.sector", "Must be one of"),
    (project(pay_day=31), "payload.pay_day", "Must be greater than or equal to 1 and less than or equal to 28."),
    (project(planned_end_date="2026-01-01"), "payload.planned_end_date", "Must not be before start_date."),
    (project(division="430121"), "payload.division", "Must equal the envelope's county (430102)."),
    (project(owner={"name": "x"}), "payload.owner.uscc", "Missing data for required field."),
])
def test_project_payload_errors_name_the_field(payload, path, text):
    check = check_payload(envelope_of("project.upsert", payload))
    assert text in check.errors[path][0]
    assert not check.has_valid_records


def test_payroll_lines_must_name_each_worker_once():
    lines = payroll()["lines"]
    check = check_payload(envelope_of("payroll.paid", payroll(lines=[lines[0], lines[1], lines[0]])))
    assert check.errors == {"payload.lines.2.id_number": ["Appears more than once in this payroll."]}


def test_a_batch_keeps_its_valid_records_and_names_the_bad_ones_by_index():
    good = {"project_code": "P1", "id_number": worker_id(1), "at": "2026-10-08T07:31:00+08:00"}
    records = [good, {**good, "id_number": worker_id(2)[:-1] + "Y"}, "not an object", {**good, "at": "yesterday"}]
    check = check_payload(envelope_of("attendance.batch", {"records": records}))
    assert [i for i, _ in check.records] == [0]
    assert [r["index"] for r in check.rejected] == [1, 2, 3]
    assert check.rejected[1]["errors"] == {"_schema": ["Must be a JSON object."]}
    assert "id_number" in check.rejected[0]["errors"] and "at" in check.rejected[2]["errors"]


@pytest.mark.parametrize("message_type, good, variants", [
    ("attendance.batch", clock_in(1), [
        {"id_number": worker_id(2)}, {"id_number": worker_id(2).lower()}, {"id_number": worker_id(2)[:-1] + "Y"},
        {"id_number": 110105197001010011}, {"at": "2026-10-08T07:31:00"}, {"at": "2026-10-08 07:31:00+08:00"},
        {"at": ["2026-10-08T07:31:00+08:00"]}, {"project_code": ""}, {"project_code": None}, {"extra": 1}]),
    ("worker.enrol", enrolment(1), [
        {"contract_signed": 1}, {"contract_signed": False}, {"contract_signed": "true"}, {"entry_date": "2026-1-8"},
        {"phone": None}, {"team": "一班"}, {"team": ""}, {"trade": "x" * 51}, {"employer_uscc": "bad"}]),
])
def test_a_batch_loads_each_record_exactly_as_its_schema_does(message_type, good, variants):
    """The batch fast path: the same loaded records, and the same errors by index and field."""
    records = [good, *({**good, **change} for change in variants), good, {k: v for k, v in good.items() if k != "at"}]
    records.append({**good, "contract_signed": True} if message_type == "worker.enrol" else {**good, "at": None})
    check = check_payload(envelope_of(message_type, {"records": records}))
    schema = _schema(MESSAGE_TYPES[message_type])
    expected_records, expected_rejected = [], []
    for index, record in enumerate(records):
        try:
            expected_records.append((index, schema.load(record)))
        except Exception as exc:  # noqa: BLE001 - a ValidationError: its messages are the errors
            expected_rejected.append({"index": index, "errors": flatten_errors(exc.messages)})
    assert check.records == expected_records and check.rejected == expected_rejected
    assert expected_rejected and expected_records


@pytest.mark.parametrize("count", [0, MAX_BATCH_RECORDS + 1])
def test_a_batch_holds_one_to_a_thousand_records(count):
    record = {"project_code": "P1", "id_number": worker_id(1), "at": "2026-10-08T07:31:00+08:00"}
    check = check_payload(envelope_of("attendance.batch", {"records": [record] * count}))
    assert check.errors == {"payload.records": ["Length must be between 1 and 1000."]}


def test_nested_errors_flatten_to_dotted_paths():
    nested = {"payload": {"owner": {"uscc": ["bad"]}, "lines": {3: {"id_number": ["x"]}}, "_schema": ["y"]}}
    assert flatten_errors(nested) == {"payload.owner.uscc": ["bad"], "payload.lines.3.id_number": ["x"],
                                      "payload": ["y"]}


# ---- contract 1.1 ---------------------------------------------------------------------------

def read_as(version, payload, message_type="project.upsert"):
    return read_envelope(delivery_of(message(message_type, payload, schema_version=version)))


@pytest.mark.parametrize("version, read", [(1, "1"), (1.1, "1.1")])
def test_both_schema_versions_are_read_and_remembered(version, read):
    reading = read_as(version, project())
    assert isinstance(reading, Envelope) and reading.schema_version == read


@pytest.mark.parametrize("version", ["1.1", "1", 1.0, 1.2, 2, True])
def test_any_other_schema_version_is_refused_naming_both(version):
    reading = read_as(version, project())
    assert isinstance(reading, Unreadable)
    assert reading.errors["schema_version"] == ["Must be 1 or 1.1: the versions this platform reads."]


NEW_TERMS = {"contract_signed_on": "2026-07-10", "suspended_on": "2026-09-01", "resumed_on": "2026-10-01",
             "labour_cost": {"monthly_amount": 200000.00},
             "payment_guarantee": {"form": "guarantor", "amount": 4800000.00, "issued_on": "2026-07-15"},
             "construction_permit": {"number": "430102202607200101", "issued_on": "2026-07-20"},
             "wage_officer": {"name": "王建国", "phone": "13812345678"}, "signboard_posted_on": "2026-08-03"}


@pytest.mark.parametrize("version", [1, 1.1])
def test_the_1_1_fields_are_accepted_under_either_version(version):
    reading = read_as(version, project(**NEW_TERMS))
    check = check_payload(reading)
    assert check.errors == {} and check.payload["labour_cost"]["monthly_amount"] == 200000


@pytest.mark.parametrize("change, path, text", [
    ({"status": "suspended"}, "payload.suspended_on", "Required when status is suspended (schema_version 1.1)."),
    ({"suspended_on": "2026-07-01"}, "payload.suspended_on", "Must not be before start_date."),
    ({"resumed_on": "2026-08-31"}, "payload.resumed_on", "Must not be before suspended_on."),
    ({"resumed_on": "2026-10-01", "suspended_on": None}, "payload.suspended_on", "Field may not be null."),
    ({"status": "suspended", "suspended_on": "2026-09-01", "resumed_on": "2026-09-01"}, "payload.resumed_on",
     "Must be before suspended_on while status is suspended"),
    ({"suspended_on": "2099-01-01"}, "payload.suspended_on", "Must not be in the future"),
    ({"contract_signed_on": "2026-13-01"}, "payload.contract_signed_on", "Not a valid date"),
    ({"labour_cost": {"monthly_amount": 0}}, "payload.labour_cost.monthly_amount", "Must be greater than 0."),
    ({"labour_cost": {}}, "payload.labour_cost.monthly_amount", "Missing data for required field."),
    ({"payment_guarantee": {"form": "cash", "amount": 1, "issued_on": "2026-07-15"}}, "payload.payment_guarantee.form",
     "Must be one of"),
    ({"construction_permit": {"number": "", "issued_on": "2026-07-20"}}, "payload.construction_permit.number",
     "Length must be between 1 and 60."),
    ({"wage_officer": {"name": "王建国", "phone": "12345"}}, "payload.wage_officer.phone",
     "Must be an 11-digit mainland mobile number."),
    ({"wage_officer": {"name": "王建国"}}, "payload.wage_officer.phone", "Missing data for required field."),
    ({"signboard_posted_on": "2026-8-3"}, "payload.signboard_posted_on", "Not a valid date"),
    ({"labour_cost": {"monthly_amount": 1, "currency": "CNY"}}, "payload.labour_cost.currency", "Unknown field."),
])
def test_1_1_field_errors_name_the_field(change, path, text):
    payload = {**project(), **{k: v for k, v in change.items()}}
    if change.get("resumed_on") and "suspended_on" not in change:
        payload["suspended_on"] = "2026-09-01"
    if change.get("suspended_on") is None and "suspended_on" in change:
        payload["suspended_on"] = None
    check = check_payload(read_as(1.1, payload), Window.arriving("2026-11-23T09:00:00+08:00"))
    assert path in check.errors, check.errors
    assert text in check.errors[path][0]


def test_a_1_0_suspension_without_its_day_is_accepted():
    assert check_payload(read_as(1, project(status="suspended"))).errors == {}
