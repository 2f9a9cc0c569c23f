"""The ingress envelope and the receipt that answers it."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from shared.calendar import SHANGHAI
from shared.contract.fields import Code, DivisionCode, Text, Timestamp
from shared.contract.messages import MESSAGE_TYPES, ContractSchema
from shared.contract.window import PLAN, printable

SCHEMA_VERSION = 1
# The versions this platform reads: 1, and 1.1 (the contract's "Version 1.1 additions":
# optional project fields, backward compatible). Exactly these JSON numbers (1.1, not "1.1").
SCHEMA_VERSIONS = (1, 1.1)
ACCEPTED, PARTIAL, REJECTED, DUPLICATE = "accepted", "partial", "rejected", "duplicate"
RECEIPT_STATUSES = (ACCEPTED, PARTIAL, REJECTED, DUPLICATE)


def envelope(message_id: str, message_type: str, county: str, payload: dict[str, Any],
             sent_at: datetime | None = None, schema_version: float = SCHEMA_VERSION) -> dict[str, Any]:
    """An ingress envelope around ``payload`` (sent now unless ``sent_at`` says when)."""
    return {
        "message_id": message_id,
        "type": message_type,
        "county": county,
        "sent_at": (sent_at or datetime.now(SHANGHAI)).replace(microsecond=0).isoformat(),
        "schema_version": schema_version,
        "payload": payload,
    }


class SchemaVersion(fields.Field[float]):
    """``schema_version``: the JSON number 1 or 1.1 (a string, a boolean or 1.0 is refused)."""

    json_schema = {"type": "number", "enum": list(SCHEMA_VERSIONS)}

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> float:
        if type(value) not in (int, float) or value not in SCHEMA_VERSIONS or \
                (type(value) is float and value == 1):
            raise ValidationError("Must be 1 or 1.1: the versions this platform reads.")
        return float(value) if type(value) is float else int(value)


def version_text(schema_version: float) -> str:
    """A version as the platform records it: "1" or "1.1"."""
    return "1.1" if schema_version == 1.1 else "1"


class EnvelopeSchema(ContractSchema):
    """Every ingress body: a UTF-8 JSON object of at most 1 MiB."""

    message_id = Code(required=True, metadata={"description": "Unique per county; a re-sent accepted id is a duplicate."})
    type = Text(required=True, validate=validate.OneOf(tuple(MESSAGE_TYPES)))
    county = DivisionCode(required=True)
    sent_at = Timestamp(required=True, when=PLAN)   # a county's clock may run fast
    schema_version = SchemaVersion(
        required=True, metadata={"description": "1, or 1.1 for the version 1.1 additions (both read)."},
    )
    payload = fields.Dict(required=True)


class RejectedRecordSchema(Schema):
    index = fields.Integer(required=True)
    errors = fields.Dict(required=True)


class RecordCountsSchema(Schema):
    accepted = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedRecordSchema), required=True)


class ReceiptSchema(Schema):
    """Exactly one per delivered ingress message, published after its effects are stored."""

    message_id = fields.String(allow_none=True, required=True)
    type = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(RECEIPT_STATUSES))
    errors = fields.Dict(
        required=True,
        metadata={"description": "Field path (payload.contract_amount) to messages; empty when none."},
    )
    records = fields.Nested(RecordCountsSchema, allow_none=True, metadata={"description": "Batch types only."})
    received_at = fields.String(required=True, metadata={
        "format": "date-time", "description": "When the platform received the message (+08:00)."})


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict as the contract's dotted field paths.

    ``{"payload": {"owner": {"uscc": [...]}}}`` → ``{"payload.owner.uscc": [...]}``;
    list positions become path segments (``payload.lines.3.id_number``).
    """
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            key = printable(str(key))   # an unknown field's name is the sender's text
            path = f"{prefix}.{key}" if prefix and key != "_schema" else (prefix or key)
            for sub_path, messages in flatten_errors(value, path).items():
                flat.setdefault(sub_path, []).extend(messages)
        return flat
    messages = errors if isinstance(errors, list) else [errors]
    return {prefix or "_schema": [printable(str(m)) for m in messages]}


AMQP_SHORT_STRING_BYTES = 255


def amqp_short_string(value: object) -> str | None:
    """``value`` when it fits an AMQP short string property (``message_id``: at most 255
    bytes of UTF-8), else None: a receipt's properties are only ever made of what fits."""
    if not isinstance(value, str):
        return None
    try:
        return value if len(value.encode("utf-8")) <= AMQP_SHORT_STRING_BYTES else None
    except UnicodeEncodeError:
        return None
