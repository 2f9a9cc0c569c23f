"""The contract's value types: every bad value gets a message that says what is wrong."""
from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError
from stdnum.cn import ric

from shared.contract.fields import (
    CreditCode,
    DivisionCode,
    Money,
    MonthField,
    ResidentIdNumber,
    StrictBoolean,
    StrictDate,
    Timestamp,
)
from testkit.synthetic import credit_code
from tests.factories import worker_id


def load_one(field, value):
    schema = Schema.from_dict({"value": field})()
    return schema.load({"value": value})["value"]


def error_of(field, value) -> str:
    with pytest.raises(ValidationError) as caught:
        load_one(field, value)
    return caught.value.messages["value"][0]


VALID_ID = worker_id(7)


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize("value, message", [
    (VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1"), "Invalid check digit."),
    (VALID_ID[:17], "Must be 18 characters."),
    ("43010219780801A012", "Must be 17 digits followed by a digit or X."),
    (with_check_digit("43012119781301012"), "Invalid birth date."),   # month 13
    (with_check_digit("43012119780230012"), "Invalid birth date."),   # 30 February
    (with_check_digit("99999919780801012"), "Unknown address code: no such code was ever in GB/T 2260."),
    (with_check_digit("43019919780801012"), "Unknown address code: no such code was ever in GB/T 2260."),
    ("４３０１０２１９７８０８０１０１２３", "Must be 17 digits followed by a digit or X."),   # full-width digits
    (430102197808010120, "Not a valid string."),
])
def test_resident_id_numbers_are_refused_with_the_reason(value, message):
    assert error_of(ResidentIdNumber(), value) == message


def test_resident_id_number_with_lower_case_x_is_normalised():
    number = next(worker_id(i) for i in range(1, 500) if worker_id(i).endswith("X"))
    assert load_one(ResidentIdNumber(), number.lower()) == number


@pytest.mark.parametrize("value, message", [
    (credit_code("430102", 5)[:-1] + "0" if not credit_code("430102", 5).endswith("0")
     else credit_code("430102", 5)[:-1] + "1", "Invalid check character."),
    ("9143010200000000", "Must be 18 characters."),
    ("91430102OOOOOOOOOO", "Invalid characters for a unified social credit code."),
])
def test_credit_codes_are_refused_with_the_reason(value, message):
    assert error_of(CreditCode(), value) == message


def test_valid_credit_code_is_accepted():
    code = credit_code("430121", 42)
    assert load_one(CreditCode(), code) == code


@pytest.mark.parametrize("value, message", [
    ("43010", "Must be a 6-digit administrative division code."),
    ("999999", "Unknown administrative division code (GB/T 2260)."),
    (430102, "Must be a 6-digit administrative division code."),
])
def test_division_codes_must_exist(value, message):
    assert error_of(DivisionCode(), value) == message


@pytest.mark.parametrize("value, message", [
    (-1, "Must not be negative."),
    (10.005, "At most 2 decimal places."),
    ("100.00", "Must be a JSON number (yuan)."),
    (True, "Must be a JSON number (yuan)."),
    (float("nan"), "Must be a finite number."),
])
def test_money_is_a_non_negative_json_number_with_two_decimals(value, message):
    assert error_of(Money(), value) == message


def test_money_loads_exactly():
    assert load_one(Money(), 7200.1) == Decimal("7200.1")
    assert load_one(Money(), 0) == Decimal(0)
    assert error_of(Money(positive=True), 0) == "Must be greater than 0."


@pytest.mark.parametrize("field, value, message", [
    (MonthField(), "2026-13", "Not a valid month: use YYYY-MM."),
    (MonthField(), "2026-1", "Not a valid month: use YYYY-MM."),
    (StrictDate(), "20261123", "Not a valid date: use YYYY-MM-DD."),
    (StrictDate(), "2026-02-30", "Not a valid date."),
    (Timestamp(), "2026-11-23T08:00:00", "Timestamp must carry a UTC offset, e.g. +08:00."),
    (StrictBoolean(), 1, "Must be true or false."),
])
def test_dates_months_timestamps_and_flags_are_strict(field, value, message):
    assert error_of(field, value) == message
