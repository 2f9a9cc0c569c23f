"""The arguments of a desk's requests, typed before they reach a query.

RPC callers (the console, the ``wagewatch`` command, any other service) pass plain JSON:
a JSON object where a string belongs (``{"$ne": ""}``) would otherwise become a query
operator and match any alert or silence. Each wrong argument is refused with
:class:`~shared.errors.RequestInvalid` naming it; the limits are the console's."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from shared.contract.alerts import DEPARTMENTS
from shared.contract.envelope import flatten_errors
from shared.contract.fields import ExactPattern
from shared.errors import RequestInvalid

REQUIRED = "Required."
_DIVISION = re.compile(r"^[0-9]{6}$")


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(REQUIRED)


def _text(max_length: int, required: bool = True, checks: tuple[Callable[[Any], Any], ...] = ()) -> fields.String:
    every_check: list[Callable[[Any], Any]] = [validate.Length(max=max_length), *checks]
    if required:
        every_check.append(_not_blank)
    return fields.String(required=required, allow_none=not required, validate=every_check,
                         error_messages={"required": REQUIRED, "null": REQUIRED})


def _department(required: bool) -> fields.String:
    return _text(32, required, (validate.OneOf(tuple(DEPARTMENTS)),))


def _division(required: bool) -> fields.String:
    return _text(6, required, (ExactPattern(_DIVISION, error="Must be a 6-digit division code."),))


class _Request(Schema):
    class Meta:
        unknown = RAISE


class DeskActionRequest(_Request):
    """acknowledge (and resolve): which alert, which desk, who, and an optional note."""

    fingerprint = _text(400)
    department = _department(required=True)
    division = _division(required=True)
    by = _text(64)
    note = _text(1000, required=False)


class ResolveRequest(DeskActionRequest):
    outcome = _text(64)   # which outcomes exist is the use case's check (services.alerts.domain.OUTCOMES)


class ExpireSilenceRequest(_Request):
    """expire_silence: which silence, who; a desk (both fields) when a desk asks."""

    silence_id = _text(64)
    by = _text(64)
    department = _department(required=False)
    division = _division(required=False)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _a_whole_desk(self, _data: dict[str, Any], original: dict[str, Any], **_kwargs: Any) -> None:
        """A desk is a department and a division: half of one would end any desk's silence."""
        given = {name for name in ("department", "division") if original.get(name) is not None}
        if len(given) == 1:
            [missing] = {"department", "division"} - given
            raise ValidationError({missing: [f"Required with {given.pop()}."]})


def load_request(schema: Schema, **arguments: Any) -> dict[str, Any]:
    """The arguments, checked; RequestInvalid naming each wrong one."""
    try:
        loaded: dict[str, Any] = schema.load(arguments)
    except ValidationError as exc:
        raise RequestInvalid(flatten_errors(exc.messages)) from None
    return loaded


DESK_ACTION = DeskActionRequest()
RESOLVE = ResolveRequest()
EXPIRE_SILENCE = ExpireSilenceRequest()
