"""Phones and bank accounts must be exactly their digits: a value with a trailing newline
(which ``re.match`` with ``^...$`` lets through) is refused with the field named, while
the AsyncAPI document keeps standard ``^...$`` patterns."""
from __future__ import annotations

import re

import pytest
from marshmallow import Schema, ValidationError, fields

from shared.calendar import Month
from shared.contract.messages import MESSAGE_TYPES, AccountOpenedSchema, AllocationSchema, ComplaintSchema, WorkerEnrolmentSchema
from shared.divisions import name_of, validate_division
from tests.factories import account_opened, allocation, complaint, enrolment
from wagewatch.asyncapi import document

PHONE_ERROR = ["Must be an 11-digit mainland mobile number."]


@pytest.mark.parametrize("phone", ["13912345678\n", "13912345678\r\n", "\n13912345678", "1391234567\n8"])
def test_an_enrolment_phone_with_a_newline_is_refused_naming_the_field(phone):
    with pytest.raises(ValidationError) as caught:
        WorkerEnrolmentSchema().load(enrolment(1, phone=phone))
    assert caught.value.messages == {"phone": PHONE_ERROR}


def test_a_complainant_phone_with_a_trailing_newline_is_refused_naming_the_field():
    record = complaint()
    record["complainant"]["phone"] = "13912345678\n"
    with pytest.raises(ValidationError) as caught:
        ComplaintSchema().load(record)
    assert caught.value.messages == {"complainant": {"phone": PHONE_ERROR}}


@pytest.mark.parametrize("account_no", ["6217003810012345678\n", "62170038\n"])
def test_an_account_number_with_a_trailing_newline_is_refused_naming_the_field(account_no):
    with pytest.raises(ValidationError) as caught:
        AccountOpenedSchema().load(account_opened(account_no=account_no))
    assert caught.value.messages == {"account_no": ["Must be 8-32 digits."]}


def test_exact_phones_and_accounts_are_still_accepted():
    assert WorkerEnrolmentSchema().load(enrolment(1, phone="13912345678"))["phone"] == "13912345678"
    assert AccountOpenedSchema().load(account_opened())["account_no"] == "6217003810012345678"


def _regex_validators(schema: Schema, where: str = ""):
    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from _regex_validators(inner.schema, f"{where}{name}.")
        for validator in inner.validators:
            if isinstance(getattr(validator, "regex", None), re.Pattern):
                yield f"{where}{name}", validator


@pytest.mark.parametrize("message_type", sorted(MESSAGE_TYPES))
def test_every_pattern_of_the_contract_refuses_a_trailing_newline(message_type):
    """Any regex check on a contract field (today phone and account_no) must be exact."""
    for where, validator in _regex_validators(MESSAGE_TYPES[message_type].schema()):
        pattern = validator.regex.pattern
        assert pattern.startswith("^") and pattern.endswith("$"), f"{where}: keep the pattern JSON-Schema standard"
        sample = {"phone": "13912345678", "account_no": "6217003810012345678"}[where.rsplit(".", 1)[-1]]
        assert validator(sample) == sample
        with pytest.raises(ValidationError):
            validator(sample + "\n")


def _patterns(node) -> set[str]:
    if isinstance(node, dict):
        own = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return own.union(*(_patterns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_patterns(v) for v in node))
    return set()


def test_the_asyncapi_document_keeps_standard_patterns():
    patterns = _patterns(document())
    assert {r"^1[3-9]\d{9}$", r"^\d{8,32}$"} <= patterns
    assert [p for p in patterns if r"\A" in p or r"\Z" in p] == []


# ---- the same defect in the contract's division codes and months -------------------------
# DivisionCode kept "430102\n" as it came (a division no desk, route or fence matches);
# MonthField quietly took "2026-10\n". Both are refused now, naming the field.

@pytest.mark.parametrize("division", ["430102\n", "430102\r\n", "\n430102"])
def test_a_division_code_with_a_newline_is_refused_naming_the_field(division):
    with pytest.raises(ValidationError) as caught:
        ComplaintSchema().load(complaint(division=division))
    assert caught.value.messages == {"division": ["Must be a 6-digit administrative division code."]}


def test_a_month_with_a_trailing_newline_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        AllocationSchema().load(allocation("2026-08") | {"month": "2026-08\n"})
    assert caught.value.messages == {"month": ["Not a valid month: use YYYY-MM."]}


def test_division_and_month_checks_are_exact_wherever_they_are_used():
    assert validate_division("430102\n") == ["Must be a 6-digit administrative division code."]
    assert name_of("430102\n") is None and name_of("430102") is not None
    with pytest.raises(ValueError):
        Month.parse("2026-10\n")
    assert str(Month.parse("2026-10")) == "2026-10"
