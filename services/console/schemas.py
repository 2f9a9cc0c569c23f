"""The console's request bodies, one schema per endpoint.

Every field that reaches a query or an RPC is typed here before it does: a JSON object
where a string belongs (``{"$ne": "x"}``, ``{"$regex": "."}``) is refused with a field
error, never passed on as a query operator. Unknown fields are refused too, so a field the
console would ignore (a silence's ``department``: it is always the desk's own) is named
rather than silently dropped.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from shared.contract.alerts import SEVERITIES

REQUIRED = "Required."


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(REQUIRED)


def text(max_length: int, required: bool = True, checks: tuple[Callable[[Any], Any], ...] = ()) -> fields.String:
    """A string field: ``Required.`` when missing, null or blank, ``Not a valid string.``
    for anything that is not a string (an object, a list, a number)."""
    every_check: list[Callable[[Any], Any]] = [validate.Length(max=max_length), *checks]
    if required:
        every_check.append(_not_blank)
    return fields.String(required=required, allow_none=not required, validate=every_check,
                         error_messages={"required": REQUIRED, "null": REQUIRED})


class ConsoleSchema(Schema):
    class Meta:
        unknown = RAISE


class SignInSchema(ConsoleSchema):
    username = text(64)
    password = text(1024)


class AcknowledgeSchema(ConsoleSchema):
    fingerprint = text(400)
    note = text(1000, required=False)


class ResolveSchema(AcknowledgeSchema):
    outcome = text(64)


class SilenceSchema(ConsoleSchema):
    """A desk's silence: what (one rule, one colour, one project; none of them for the
    whole desk), why and until when. The department and division are always the desk's."""

    type = text(64, required=False, checks=(validate.Regexp(r"^[A-Z][A-Z0-9_]*$"),))
    severity = fields.String(allow_none=True, validate=validate.OneOf(SEVERITIES))
    project_code = text(40, required=False)
    reason = text(500)
    ends_at = text(40)
    starts_at = text(40, required=False)

    MATCHED = ("type", "severity", "project_code")


class ExpireSilenceSchema(ConsoleSchema):
    silence_id = text(64)
