"""Marshmallow fields for the contract's value types, each with a precise error message."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from marshmallow import ValidationError, fields, validate
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from shared.calendar import Month
from shared.contract.window import EARLIEST, MAX_COUNT, MAX_YUAN, PAST, PLAN, YEARS_AHEAD, current_window, text_problem
from shared.divisions import name_of, validate_division
from shared.pii import normalise_id_number

_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
_CODE = re.compile(r"\A[A-Za-z0-9._:-]{1,64}\Z")   # \Z: "$" would let a trailing newline in
_T = TypeVar("_T")


def _require_str(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError("Not a valid string.")
    return value


def _stdnum_problem(validate: Callable[[str], object], number: str, messages: dict[type[Exception], str]) -> str | None:
    """The message for the first python-stdnum error class that ``number`` raises, or None."""
    try:
        validate(number)
    except StdnumError as exc:
        return next(text for kind, text in messages.items() if isinstance(exc, kind))
    return None


_ID_MESSAGES: dict[type[Exception], str] = {
    InvalidLength: "Must be 18 characters.",
    InvalidFormat: "Must be 17 digits followed by a digit or X.",
    InvalidChecksum: "Invalid check digit.",
    StdnumError: "Not a valid resident identity number.",
}
_USCC_MESSAGES: dict[type[Exception], str] = {
    InvalidLength: "Must be 18 characters.",
    InvalidFormat: "Invalid characters for a unified social credit code.",
    InvalidChecksum: "Invalid check character.",
    StdnumError: "Not a valid unified social credit code.",
}


@lru_cache(maxsize=200_000)
def resident_id_problem(number: str) -> str | None:
    """Why an 18-character resident ID number (GB 11643) is invalid, or None.

    Valid when its check digit, its birth date and its address code are, and the address
    code is valid when it *ever* existed in GB/T 2260 (contract 1.1, "Clarification"). The
    address is that of the county where the number was first issued, which may have been
    created or re-coded after the holder was born: 430102 (芙蓉区, coded in 1983) is a real
    worker's code whatever their birth year. python-stdnum's ``ric.validate`` refuses such
    numbers (``get_birth_place`` wants the code in force in the birth year), so only its
    check digit and birth date are used here, and its own GB/T 2260 table (``cn/loc``,
    every code with the years it was in force) answers "did this code ever exist".

    Cached: attendance repeats the same workers all day.
    """
    if len(number) != 18:
        return _ID_MESSAGES[InvalidLength]
    if not number[:17].isdigit() or not number[:17].isascii() or number[17] not in "0123456789X":
        return _ID_MESSAGES[InvalidFormat]
    if number[-1] != ric.calc_check_digit(number):
        return _ID_MESSAGES[InvalidChecksum]
    try:
        ric.get_birth_date(number)
    except StdnumError:
        return "Invalid birth date."
    if not address_code_ever_existed(number[:6]):
        return "Unknown address code: no such code was ever in GB/T 2260."
    return None


def address_code_ever_existed(code: str) -> bool:
    """True when GB/T 2260 ever had this six-digit code, whenever it was created or
    abolished (python-stdnum's table keeps every code with its years in force)."""
    return name_of(code) is not None


@lru_cache(maxsize=50_000)
def credit_code_problem(code: str) -> str | None:
    """Why a unified social credit code (GB 32100) is invalid, or None."""
    return _stdnum_problem(uscc.validate, code, _USCC_MESSAGES)


class ResidentIdNumber(fields.Field[str]):
    """身份证号: 18 characters with a valid GB 11643 check digit, a real birth date and an
    address code that ever existed (GB/T 2260); normalised to upper case."""

    json_schema = {"type": "string", "pattern": "^[0-9]{17}[0-9Xx]$",
                   "description": ("Resident identity number (GB 11643): a valid check digit, a real birth date "
                                   "and an address code that ever existed in GB/T 2260, whatever the birth year.")}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        number = normalise_id_number(_require_str(value))
        problem = resident_id_problem(number)
        if problem:
            raise ValidationError(problem)
        return number


class CreditCode(fields.Field[str]):
    """统一社会信用代码: 18 characters with a valid GB 32100 check character."""

    json_schema = {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$",
                   "description": "Unified social credit code (GB 32100) with a valid check character."}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        code = _require_str(value).strip().upper()
        problem = credit_code_problem(code)
        if problem:
            raise ValidationError(problem)
        return code


class DivisionCode(fields.Field[str]):
    """行政区划代码: six digits that exist in GB/T 2260."""

    json_schema = {"type": "string", "pattern": "^[0-9]{6}$",
                   "description": "Administrative division code that exists in GB/T 2260."}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        problems = validate_division(value)
        if problems:
            raise ValidationError(problems)
        return _require_str(value)    # a str: validate_division took it


class Code(fields.Field[str]):
    """An identifier chosen by the sender: 1-64 characters of ``[A-Za-z0-9._:-]``."""

    json_schema = {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        code = _require_str(value)
        if not _CODE.match(code):
            raise ValidationError("Must be 1-64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'.")
        return code


class Text(fields.String):
    """A string that can be stored and sent as UTF-8: no lone surrogate (``"\\ud800"``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text)
        if problem:
            raise ValidationError(problem)
        return text


_WHEN_HINTS = {
    PAST: f"An event: not later than the message's arrival, not before the platform's earliest date "
          f"({EARLIEST.isoformat()} by default).",
    PLAN: f"May lie ahead: from the platform's earliest date ({EARLIEST.isoformat()} by default) to "
          f"{YEARS_AHEAD} years after arrival (configurable).",
}


def _when_hint(when: str | None) -> dict[str, Any]:
    return {"description": _WHEN_HINTS[when]} if when else {}


def _in_window(problem_of: str, value: _T, when: str | None) -> _T:
    """``value`` if the window the load is judged from (if any) takes it, else the field error."""
    window = current_window()
    problem = window and when and getattr(window, problem_of)(value, when)
    if problem:
        raise ValidationError(problem)
    return value


class StrictDate(fields.Date):
    """A date written exactly ``YYYY-MM-DD``; ``when`` (PAST: an event, PLAN: may lie
    ahead) bounds it in the window a load is judged from (shared.contract.window)."""

    def __init__(self, *, when: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.when = when
        self.json_schema = _when_hint(when)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> date:
        if not _DATE.match(_require_str(value)):
            raise ValidationError("Not a valid date: use YYYY-MM-DD.")
        return _in_window("date_problem", super()._deserialize(value, attr, data, **kwargs), self.when)


class MonthField(fields.Field[str]):
    """A month written ``YYYY-MM``; kept as that string (it sorts and stores as is)."""

    def __init__(self, *, when: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.when = when
        self.json_schema = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", **_when_hint(when)}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        try:
            month = Month.parse(_require_str(value))
        except ValueError:
            raise ValidationError("Not a valid month: use YYYY-MM.") from None
        return str(_in_window("month_problem", month, self.when))


class Timestamp(fields.AwareDateTime):
    """An ISO 8601 timestamp that carries its UTC offset (``when`` as for StrictDate)."""

    default_error_messages = {
        "invalid": "Not a valid timestamp: use ISO 8601 with an offset, e.g. 2026-11-23T08:00:00+08:00.",
        "invalid_awareness": "Timestamp must carry a UTC offset, e.g. +08:00.",
    }

    def __init__(self, *, when: str | None = None, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)
        self.when = when
        self.json_schema = _when_hint(when)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> datetime:
        return _in_window("timestamp_problem", super()._deserialize(value, attr, data, **kwargs), self.when)


class Count(fields.Integer):
    """A number of people: a JSON integer from 1 to MAX_COUNT."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_COUNT), **kwargs)


class StrictBoolean(fields.Field[bool]):
    """A JSON ``true`` or ``false`` (not 1, 0 or "yes")."""

    json_schema = {"type": "boolean"}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class Money(fields.Field[Decimal]):
    """An amount in yuan: a JSON number, never negative, at most 2 decimals, at most MAX_YUAN."""

    def __init__(self, *, positive: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.positive = positive
        self.json_schema = {"type": "number", ("exclusiveMinimum" if positive else "minimum"): 0,
                            "maximum": MAX_YUAN, "description": "Yuan; a JSON number with at most 2 decimals."}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("Must be a JSON number (yuan).")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError("Must be a finite number.") from None
        if not amount.is_finite():
            raise ValidationError("Must be a finite number.")
        exponent = amount.as_tuple().exponent   # an int: the amount is finite
        if isinstance(exponent, int) and exponent < -2:
            raise ValidationError("At most 2 decimal places.")
        if amount < 0:
            raise ValidationError("Must not be negative.")
        if self.positive and amount == 0:
            raise ValidationError("Must be greater than 0.")
        if amount > MAX_YUAN:
            raise ValidationError(f"Must not be more than {MAX_YUAN:,} yuan.")
        return amount

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any) -> float | None:
        return None if value is None else float(value)


def to_fen(amount: Decimal) -> int:
    """Yuan to fen (分): money is stored as whole fen so comparisons are exact."""
    return int(amount * 100)


def from_fen(fen: int) -> Decimal:
    return Decimal(fen) / 100

