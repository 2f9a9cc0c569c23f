"""Hypothesis strategies for malformed county traffic, each case with the receipt it must get.

A case starts from a valid message of one of the nine types and breaks one thing: a
field gets a bad value of its kind (wrong type, huge string, wrong check digit,
impossible date, negative money, unknown enum, too many decimals…), a required field
goes missing, an unknown field appears, the envelope is broken, the batch has 0 or
1,001 records, the type is unknown, or the body is not UTF-8 JSON at all. Values at the
edge of what the platform can hold are among the bad ones: dates in year 1 or 9999, a
payroll month or a payment in the future, 10^30 workers or yuan, lone surrogates, and
message_ids too long for an AMQP property (10,240 characters, 90 Chinese characters). ``expect``
names where the receipt must say the problem is, so a test can hold the platform to a
*precise* answer, not just "rejected".
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import timedelta

from hypothesis import strategies as st

from shared.calendar import today
from shared.contract.messages import MESSAGE_TYPES
from shared.contract.topology import MAX_BODY_BYTES, ingress_key
from shared.contract.window import MAX_COUNT, MAX_YUAN, printable
from testkit.synthetic import credit_code
from tests.factories import COUNTY, message, payroll, project, worker_id

ENVELOPE_KEYS = {"body", "message_id", "type", "county", "sent_at", "schema_version", "payload", "_schema"}


# Contract 1.1's optional project terms, all present in the valid project so each can be broken.
TERMS_1_1 = {"contract_signed_on": "2026-07-10", "labour_cost": {"monthly_amount": 200000.00},
             "payment_guarantee": {"form": "guarantor", "amount": 4800000.00, "issued_on": "2026-07-15"},
             "construction_permit": {"number": "430102202607200101", "issued_on": "2026-07-20"},
             "wage_officer": {"name": "王建国", "phone": "13712345678"}, "signboard_posted_on": "2026-08-03"}


def valid_payloads() -> dict[str, dict]:
    record = {"project_code": "P1", "id_number": worker_id(1)}
    return {
        "project.upsert": project(pay_day=20, **TERMS_1_1),
        "payroll.paid": payroll(workers=3),
        "worker.enrol": {"records": [
            {**record, "id_number": worker_id(i), "name": "张三", "phone": "13912345678",
             "employer_uscc": credit_code(COUNTY, 31), "team": "钢筋班", "trade": "钢筋工",
             "contract_signed": True, "entry_date": "2026-08-03"} for i in (1, 2, 3)]},
        "worker.exit": {"records": [{**record, "id_number": worker_id(i), "exit_date": "2026-10-31"}
                                    for i in (1, 2, 3)]},
        "attendance.batch": {"records": [{**record, "id_number": worker_id(i), "at": "2026-10-08T07:31:00+08:00"}
                                         for i in (1, 2, 3)]},
        "account.opened": {"project_code": "P1", "bank": "中国建设银行长沙芙蓉支行",
                           "account_no": "6222020200112233445", "opened_on": "2026-08-10"},
        "allocation.received": {"project_code": "P1", "month": "2026-09", "amount": 300000.00,
                                "received_on": "2026-09-05"},
        "deposit.paid": {"project_code": "P1", "amount": 960000.00, "paid_on": "2026-08-20", "form": "bank_guarantee"},
        "complaint.filed": {"complaint_id": "C-2026-0001", "channel": "hotline", "filed_at": "2026-11-02T09:15:00+08:00",
                            "division": COUNTY, "project_code": "P1",
                            "employer": {"name": "某劳务公司", "uscc": credit_code(COUNTY, 41)},
                            "complainant": {"name": "李四", "phone": "13812345678", "id_number": worker_id(4)},
                            "workers_affected": 12, "amount_claimed": 86000.00, "description": "拖欠三个月工资"},
    }


# The kind of every field that can be broken, by its path inside the payload (or record).
KINDS = {
    "project.upsert": {"project_code": "text40", "name": "text200", "division": "division", "sector": "enum",
                       "funding": "enum", "owner.name": "text200", "owner.uscc": "uscc",
                       "general_contractor.uscc": "uscc", "contract_amount": "money_positive",
                       "start_date": "date", "planned_end_date": "date", "status": "enum", "pay_day": "pay_day",
                       "contract_signed_on": "past_date", "labour_cost.monthly_amount": "money_positive",
                       "payment_guarantee.form": "enum", "payment_guarantee.amount": "money_positive",
                       "payment_guarantee.issued_on": "past_date", "construction_permit.issued_on": "past_date",
                       "wage_officer.name": "text50", "wage_officer.phone": "phone", "signboard_posted_on": "past_date"},
    "payroll.paid": {"project_code": "text40", "month": "past_month", "paid_on": "past_date", "lines.0.id_number": "id",
                     "lines.1.amount_due": "money", "lines.2.amount_paid": "money"},
    "worker.enrol": {"project_code": "text40", "id_number": "id", "name": "text50", "phone": "phone",
                     "employer_uscc": "uscc", "trade": "text50", "contract_signed": "boolean",
                     "entry_date": "past_date"},
    "worker.exit": {"project_code": "text40", "id_number": "id", "exit_date": "past_date"},
    "attendance.batch": {"project_code": "text40", "id_number": "id", "at": "past_timestamp"},
    "account.opened": {"project_code": "text40", "bank": "text100", "account_no": "account",
                       "opened_on": "past_date"},
    "allocation.received": {"project_code": "text40", "month": "month", "amount": "money_positive",
                            "received_on": "past_date"},
    "deposit.paid": {"project_code": "text40", "amount": "money_positive", "paid_on": "past_date", "form": "enum"},
    "complaint.filed": {"complaint_id": "code", "channel": "enum", "filed_at": "past_timestamp",
                        "division": "division",
                        "employer.name": "text200", "employer.uscc": "uscc", "complainant.name": "text50",
                        "complainant.phone": "phone", "complainant.id_number": "id",
                        "workers_affected": "count", "amount_claimed": "money", "description": "text5000"},
}
REQUIRED = {  # fields whose absence must be reported (optional ones are left alone)
    t: [p for p in kinds if p not in {"pay_day", "phone", "complainant.phone", "complainant.id_number",
                                      "employer.uscc", "contract_signed_on", "signboard_posted_on"}]
    for t, kinds in KINDS.items()
}

not_str = st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                    st.none(), st.lists(st.integers(), max_size=2),
                    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1))


def _long_text(minimum: int):
    # Up to 400,000 three-byte characters: past 1 MiB the whole body is refused instead.
    return st.integers(min_value=minimum + 1, max_value=400_000).map(lambda n: "长" * n)


# Text no UTF-8 can carry: a lone surrogate, alone or inside valid text.
surrogates = st.one_of(st.sampled_from(["\ud800", "\udfff", "湘江\udc80工程"]),
                       st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF).map(lambda c: "名" + c))
# Dates the platform cannot compute with, whatever the field; and, for an event, the future
# (a year past today: beyond any tolerance, wherever the test's clock stands).
FUTURE = today() + timedelta(days=400)
extreme_dates = st.sampled_from(["0001-01-01", "1999-12-31", "9999-12-31"])
extreme_months = st.sampled_from(["0001-01", "0000-01", "1999-12", "9999-12"])
extreme_timestamps = st.sampled_from(["0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59+08:00",
                                      "9999-12-31T23:59:59-23:59", "9999-12-31T23:59:59+08:00"])
huge_numbers = st.sampled_from([10**30, 1e300, MAX_YUAN + 1, 2**63])


def _wrong_check(valid: str, alphabet: str):
    return st.sampled_from(alphabet).filter(lambda c: c != valid[-1]).map(lambda c: valid[:-1] + c)


VALID_ID = worker_id(5)
VALID_USCC = credit_code(COUNTY, 77)
impossible_dates = st.sampled_from(["2026-02-30", "2026-13-01", "2026-00-10", "2025-02-29", "2026-04-31",
                                    "20261101", "2026/11/01", "01-11-2026", "2026-1-5", "", "tomorrow"])
bad_money = st.one_of(
    huge_numbers,
    st.floats(max_value=-0.01, allow_nan=False, allow_infinity=False),
    st.integers(max_value=-1),
    st.integers(min_value=1, max_value=10**9).filter(lambda n: n % 10).map(lambda n: n / 1000),  # 3 decimals
    st.from_regex(r"\A-?\d{1,6}(\.\d{1,2})?\Z").map(str),                                      # as a string
    st.booleans(), st.none(), st.lists(st.integers(), max_size=1),
)
BAD_VALUES = {
    "text40": st.one_of(not_str, st.just(""), _long_text(40), surrogates),
    "text50": st.one_of(not_str, st.just(""), _long_text(50), surrogates),
    "text100": st.one_of(not_str, st.just(""), _long_text(100), surrogates),
    "text200": st.one_of(not_str, st.just(""), _long_text(200), surrogates),
    "text5000": st.one_of(not_str, st.just(""), _long_text(5000), surrogates),
    "id": st.one_of(not_str, _wrong_check(VALID_ID, "0123456789X"), st.just(VALID_ID[:17]),
                    st.just(VALID_ID + "1"), st.just("43010219780801A012"), st.text(max_size=20)
                    .filter(lambda s: len(s) != 18)),
    "uscc": st.one_of(not_str, _wrong_check(VALID_USCC, "0123456789ABCDEFGHJKLMNPQRTUWXY"),
                      st.just(VALID_USCC[:17]), st.text(max_size=17)),
    "division": st.one_of(not_str, st.sampled_from(["999999", "43010", "4301020", "abcdef", "430199", ""])),
    "enum": st.one_of(not_str, st.text(max_size=20).filter(lambda s: s not in _ALL_ENUMS), surrogates),
    "money": bad_money,
    "money_positive": st.one_of(bad_money, st.just(0), st.just(0.0)),
    "date": st.one_of(not_str, impossible_dates, extreme_dates),
    "past_date": st.one_of(not_str, impossible_dates, extreme_dates, st.just(FUTURE.isoformat())),
    "month": st.one_of(not_str, st.sampled_from(["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "", "2026-01-01"]),
                       extreme_months),
    "timestamp": st.one_of(not_str, st.sampled_from(["2026-11-23T08:00:00", "2026-11-23", "08:00", "2026-02-30T08:00:00+08:00",
                                                     "yesterday", ""]), extreme_timestamps),
    "pay_day": st.one_of(st.integers(max_value=0), st.integers(min_value=29), st.just("15"), st.just(15.5), st.none()),
    "count": st.one_of(st.integers(max_value=0), st.just("3"), st.just(2.5), st.none(), st.just(True),
                       st.just(MAX_COUNT + 1), huge_numbers),
    "boolean": st.one_of(st.integers(), st.text(max_size=5), st.none()),
    "phone": st.one_of(not_str, st.sampled_from(["1391234567", "23912345678", "139-1234-5678", "+8613912345678", ""]),
                       surrogates),
    "account": st.one_of(not_str, st.sampled_from(["1234567", "6222 0202 0011 2233", "62220202001122334455667788990011223",
                                                   "ACCOUNT123", ""])),
    "code": st.one_of(not_str, st.just(""), st.just("x" * 65), st.sampled_from(["has space", "中文编号", "a/b"]),
                      st.just("x" * 10240), st.just("编" * 90), surrogates),
}
BAD_VALUES["past_month"] = st.one_of(BAD_VALUES["month"], st.just(FUTURE.isoformat()[:7]))
BAD_VALUES["past_timestamp"] = st.one_of(BAD_VALUES["timestamp"], st.just(f"{FUTURE.isoformat()}T08:00:00+08:00"))
# What a message_id may not be, AMQP's 255-byte property limit included.
bad_message_ids = st.one_of(not_str, st.sampled_from(["", "x" * 65, "with space", "abc\n", "x" * 10240, "编" * 90,
                                                      "编" * 86]), surrogates)
_ALL_ENUMS = {"housing", "municipal", "water", "transport", "railway", "energy", "other", "government", "soe",
              "private", "planned", "under_construction", "suspended", "completed", "cash", "bank_guarantee",
              "insurance", "guarantor", "national_platform", "hotline", "online", "walk_in", "letter"}


@dataclass
class Case:
    """One malformed delivery and the receipt it must get."""

    kind: str
    body: bytes
    routing_key: str
    message_id: str | None            # the receipt's message_id
    error_key: str | None = None      # must appear in the receipt's errors (None: any key)
    record: int | None = None         # batch: the rejected record's index
    statuses: tuple = ("rejected",)
    extra: dict = field(default_factory=dict)


def _set(document: dict, path: str, value, delete: bool = False) -> None:
    parts = path.split(".")
    target = document
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if delete:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value


def _encode(env: dict) -> bytes:
    text = json.dumps(env, ensure_ascii=False, allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate: sent as JSON's \u escape, as a county would
        return json.dumps(env, allow_nan=False).encode("utf-8")


def _envelope(message_type: str, payload: dict, message_id: str) -> dict:
    return message(message_type, payload, message_id=message_id)


@st.composite
def field_cases(draw, message_id: str = "fz-field"):
    """A valid message with one field broken (bad value, missing, or an unknown field next to it)."""
    message_type = draw(st.sampled_from(sorted(KINDS)))
    payload = copy.deepcopy(valid_payloads()[message_type])
    path = draw(st.sampled_from(sorted(KINDS[message_type])))
    how = draw(st.sampled_from(["bad", "bad", "bad", "missing", "unknown"]))
    if how == "missing" and path not in REQUIRED[message_type]:
        how = "bad"
    batch = MESSAGE_TYPES[message_type].batch
    index = draw(st.integers(0, 2)) if batch else None
    target = payload["records"][index] if batch else payload
    if how == "bad":
        _set(target, path, draw(BAD_VALUES[KINDS[message_type][path]]))
        expected = path
    elif how == "missing":
        _set(target, path, None, delete=True)
        expected = path
    else:
        name = draw(st.from_regex(r"\A[a-z_]{1,12}\Z").filter(lambda n: n not in KINDS[message_type]))
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        holder = target
        for part in filter(None, parent.split(".")):
            holder = holder[int(part)] if isinstance(holder, list) else holder[part]
        if name in holder:
            name += "_x"
        holder[name] = draw(st.integers())
        expected = f"{parent}.{name}" if parent else name
    body = _encode(_envelope(message_type, payload, message_id))
    key = ingress_key(COUNTY, message_type)
    if len(body) > MAX_BODY_BYTES:
        return Case(f"{message_type}:{how}:{path}:huge", body, key, message_id, "body")
    if batch:
        return Case(f"{message_type}:{how}:{path}", body, key, message_id, expected, record=index,
                    statuses=("partial",))
    return Case(f"{message_type}:{how}:{path}", body, key, message_id, f"payload.{expected}")


@st.composite
def envelope_cases(draw, message_id: str = "fz-envelope"):
    """A valid payload in a broken envelope."""
    message_type = draw(st.sampled_from(sorted(KINDS)))
    env = _envelope(message_type, copy.deepcopy(valid_payloads()[message_type]), message_id)
    name = draw(st.sampled_from(["message_id", "type", "county", "sent_at", "schema_version", "payload"]))
    how = draw(st.sampled_from(["bad", "missing", "unknown"]))
    bad = {"message_id": bad_message_ids,
           "type": st.one_of(not_str, st.text(max_size=20).filter(lambda t: t not in MESSAGE_TYPES),
                             st.sampled_from(sorted(set(MESSAGE_TYPES) - {message_type}))),
           "county": st.one_of(not_str, st.sampled_from(["999999", "430121", "4301", "430100"])),
           "sent_at": BAD_VALUES["timestamp"],
           "schema_version": st.one_of(st.integers().filter(lambda v: v != 1), st.just("1"), st.just(1.0),
                                       st.none(), st.just(True)),
           "payload": st.one_of(st.integers(), st.text(max_size=5), st.none(), st.lists(st.integers(), max_size=2))}
    expected = name
    if how == "bad":
        env[name] = draw(bad[name])
    elif how == "missing":
        del env[name]
    else:
        expected = draw(st.from_regex(r"\A[a-z_]{1,12}\Z").filter(lambda n: n not in env))
        env[expected] = draw(st.integers())
    claimed = env.get("message_id")
    receipt_id = printable(claimed) if isinstance(claimed, str) else message_id
    return Case(f"envelope:{how}:{name}", _encode(env), ingress_key(COUNTY, message_type), receipt_id, expected)


@st.composite
def body_cases(draw, message_id: str = "fz-body"):
    """Bodies that are not a JSON object in UTF-8: any bytes, broken UTF-8, other JSON."""
    valid = _encode(_envelope("project.upsert", project(), message_id))
    how = draw(st.sampled_from(["bytes", "broken_utf8", "not_object", "truncated", "nested"]))
    if how == "bytes":
        body = draw(st.binary(max_size=300))
    elif how == "broken_utf8":
        at = draw(st.integers(0, len(valid)))
        body = valid[:at] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80"])) + valid[at:]
    elif how == "not_object":
        body = json.dumps(draw(st.one_of(st.integers(), st.text(max_size=10), st.lists(st.integers(), max_size=3),
                                         st.none(), st.booleans()))).encode()
    elif how == "truncated":
        body = valid[: draw(st.integers(0, len(valid) - 1))]
    else:
        body = b"[" * draw(st.integers(1000, 100_000)) + b"]" * 3
    return Case(f"body:{how}", body, ingress_key(COUNTY, "project.upsert"), message_id, None)


@st.composite
def batch_size_cases(draw, message_id: str = "fz-batch"):
    """A batch with no records, or with 1,001."""
    message_type = draw(st.sampled_from(["worker.enrol", "worker.exit", "attendance.batch"]))
    record = valid_payloads()[message_type]["records"][0]
    count = draw(st.sampled_from([0, 1001, 1001 + draw(st.integers(0, 50))]))
    body = _encode(_envelope(message_type, {"records": [record] * count}, message_id))
    return Case(f"{message_type}:records:{count}", body, ingress_key(COUNTY, message_type), message_id,
                "payload.records")


@st.composite
def unknown_type_cases(draw, message_id: str = "fz-type"):
    name = draw(st.from_regex(r"\A[a-z]{1,8}\.[a-z]{1,8}\Z").filter(lambda t: t not in MESSAGE_TYPES))
    env = _envelope("project.upsert", project(), message_id)
    env["type"] = name
    return Case(f"type:{name}", _encode(env), ingress_key(COUNTY, name), message_id, "type")


def malformed_cases(message_id: str = "fz"):
    return st.one_of(field_cases(message_id), field_cases(message_id), envelope_cases(message_id),
                     body_cases(message_id), batch_size_cases(message_id), unknown_type_cases(message_id))
