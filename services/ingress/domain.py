"""Reading ingress deliveries and composing receipts: the contract's edge rules.

Plain Python: nothing here touches the broker or the database.
"""
from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, NoReturn

from marshmallow import Schema, ValidationError, fields, missing

from shared.contract.envelope import (
    ACCEPTED,
    DUPLICATE,
    PARTIAL,
    REJECTED,
    EnvelopeSchema,
    amqp_short_string,
    flatten_errors,
    version_text,
)
from shared.contract.messages import MESSAGE_TYPES, BatchSchema, MessageType
from shared.contract.topology import MAX_BODY_BYTES, parse_ingress_key
from shared.contract.window import Window, judged_from, printable


@dataclass(frozen=True)
class Delivery:
    """One ingress message as the broker handed it over, body undecoded."""

    body: bytes
    routing_key: str
    message_id_property: str | None = None
    redelivered: bool = False
    delivery_count: int = 0

    @property
    def key_division(self) -> str | None:
        return parse_ingress_key(self.routing_key)[0]

    @property
    def key_type(self) -> str | None:
        return parse_ingress_key(self.routing_key)[1]


@dataclass(frozen=True)
class Envelope:
    message_id: str
    type: str
    county: str
    sent_at: Any
    payload: dict[str, Any]
    schema_version: str = "1"      # "1" or "1.1" (version_text)

    @property
    def message_type(self) -> MessageType:
        return MESSAGE_TYPES[self.type]


@dataclass
class Unreadable:
    """A delivery that cannot be taken as an envelope; it is answered and quarantined."""

    errors: dict[str, list[str]]
    message_id: str | None
    type: str | None


@dataclass
class PayloadCheck:
    """The payload's fate at the edge: errors that reject it whole, else the valid parts."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    payload: dict[str, Any] | None = None                                 # single-record types
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # batch types: (index, record)
    rejected: list[dict[str, Any]] = field(default_factory=list)          # batch types: {index, errors}

    @property
    def has_valid_records(self) -> bool:
        return not self.errors and (self.payload is not None or bool(self.records))


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


def _decode(body: bytes) -> tuple[Any, dict[str, list[str]]]:
    if len(body) > MAX_BODY_BYTES:
        return None, {"body": [f"Larger than {MAX_BODY_BYTES} bytes (1 MiB)."]}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, {"body": [f"Not UTF-8 text (byte {exc.start})."]}
    try:
        return json.loads(text, parse_constant=_reject_constant), {}
    except (ValueError, RecursionError) as exc:
        return None, {"body": [f"Not valid JSON: {str(exc)[:200]}"]}


def _routing_problems(envelope: dict[str, Any], delivery: Delivery) -> dict[str, list[str]]:
    problems = {}
    if envelope["type"] != delivery.key_type:
        problems["type"] = [f"Does not match the routing key's type ({delivery.key_type})."]
    if envelope["county"] != delivery.key_division:
        problems["county"] = [f"Does not match the routing key's division ({delivery.key_division})."]
    return problems


def read_envelope(delivery: Delivery, window: Window | None = None) -> Envelope | Unreadable:
    """The envelope of a delivery, or why it cannot be read as one (dates judged from
    ``window``, the moment it arrived; without one, form only)."""
    document, errors = _decode(delivery.body)
    if errors:
        return Unreadable(errors, delivery.message_id_property, delivery.key_type)
    if not isinstance(document, dict):
        return Unreadable({"body": ["Must be a JSON object (the envelope)."]},
                          delivery.message_id_property, delivery.key_type)
    claimed_id = document.get("message_id")
    message_id = claimed_id if isinstance(claimed_id, str) else delivery.message_id_property
    claimed_type = document.get("type") if isinstance(document.get("type"), str) else delivery.key_type
    try:
        with _judged(window):
            loaded = _ENVELOPE.load(document)
    except ValidationError as exc:
        return Unreadable(flatten_errors(exc.messages), message_id, claimed_type)
    problems = _routing_problems(loaded, delivery)
    if problems:
        return Unreadable(problems, message_id, claimed_type)
    return Envelope(loaded["message_id"], loaded["type"], loaded["county"],
                    loaded["sent_at"], loaded["payload"], version_text(loaded["schema_version"]))


def _judged(window: Window | None) -> AbstractContextManager[Window | None]:
    return judged_from(window) if window is not None else nullcontext()


def check_payload(envelope: Envelope, window: Window | None = None) -> PayloadCheck:
    """Validate the payload against its type's schema; a batch keeps its valid records.
    Dates are judged from ``window`` (the moment the message arrived); without one, form only."""
    message_type = envelope.message_type
    with _judged(window):
        if message_type.batch:
            return _check_batch(message_type, envelope.payload)
        try:
            payload = _schema(message_type).load(envelope.payload)
        except ValidationError as exc:
            return PayloadCheck(errors=flatten_errors(exc.messages, "payload"))
    problems = _cross_checks(envelope, payload)
    return PayloadCheck(errors=problems) if problems else PayloadCheck(payload=payload)


def _cross_checks(envelope: Envelope, payload: dict[str, Any]) -> dict[str, list[str]]:
    """Rules that tie the payload to its envelope."""
    if envelope.type != "project.upsert":
        return {}
    if payload["division"] != envelope.county:
        return {"payload.division": [f"Must equal the envelope's county ({envelope.county})."]}
    if envelope.schema_version == "1.1" and payload["status"] == "suspended" and not payload.get("suspended_on"):
        # Contract 1.1: required of a suspended project; a 1.0 message suspends from the day received.
        return {"payload.suspended_on": ["Required when status is suspended (schema_version 1.1)."]}
    return {}


def _check_batch(message_type: MessageType, payload: dict[str, Any]) -> PayloadCheck:
    try:
        records = _BATCH.load(payload)["records"]
    except ValidationError as exc:
        return PayloadCheck(errors=flatten_errors(exc.messages, "payload"))
    check = PayloadCheck()
    schema = _schema(message_type)
    load = FlatLoader(schema).load if FlatLoader.fits(schema) else schema.load
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            check.rejected.append({"index": index, "errors": {"_schema": ["Must be a JSON object."]}})
            continue
        try:
            check.records.append((index, load(record)))
        except ValidationError as exc:
            check.rejected.append({"index": index, "errors": flatten_errors(exc.messages)})
    return check


class FlatLoader:
    """``schema.load`` for the records of one batch, about five times faster: a batch
    repeats its values (one project code, a few timestamps, each worker twice), so each
    field deserialises a value once per batch, with the schema's own field (the same
    checks, the same result), and the per-record machinery of marshmallow is skipped.

    Only for flat schemas (no nested fields, defaults or hooks). A record that is not
    plainly valid (an unknown or missing field, a value a field refuses) is loaded again
    by the schema itself, so its errors are exactly the schema's."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.fields = schema.load_fields
        self.required = {name for name, f in self.fields.items() if f.required}
        self.memo: dict[tuple[str, type, Any], Any] = {}

    @staticmethod
    def fits(schema: Schema) -> bool:
        return not any(schema._hooks.values()) and all(
            f.data_key is None and f.attribute is None and f.load_default is missing
            and not isinstance(f, (fields.Nested, fields.List, fields.Dict, fields.Tuple))
            for f in schema.load_fields.values())

    def load(self, record: dict[str, Any]) -> dict[str, Any]:
        if record.keys() - self.fields.keys() or self.required - record.keys():
            return self._by_schema(record)
        loaded: dict[str, Any] = {}
        memo = self.memo
        try:
            for name, field_ in self.fields.items():
                if name not in record:
                    continue
                value = record[name]
                key = (name, value.__class__, value)   # the class too: True == 1, 1 == 1.0
                if key not in memo:
                    memo[key] = field_.deserialize(value, name, record)
                loaded[name] = memo[key]
        except (ValidationError, TypeError):   # TypeError: an unhashable value
            return self._by_schema(record)
        return loaded

    def _by_schema(self, record: dict[str, Any]) -> dict[str, Any]:
        loaded: dict[str, Any] = self.schema.load(record)   # a dict: no post_load hook (fits)
        return loaded


def merge_rejections(*lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rejected records from the edge and from the owning service, in index order."""
    return sorted((r for rejected in lists for r in rejected), key=lambda r: r["index"])


def batch_status(accepted: int, rejected: list[dict[str, Any]]) -> str:
    if accepted == 0:
        return REJECTED
    return PARTIAL if rejected else ACCEPTED


def compose_receipt(*, message_id: str | None, message_type: str | None, status: str,
                    received_at: str, errors: dict[str, Any] | None = None,
                    accepted: int | None = None, rejected: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A receipt as the contract writes it; ``records`` only for batch types."""
    receipt = {   # echoed text made valid UTF-8: it may be what was refused
        "message_id": None if message_id is None else printable(message_id),
        "type": None if message_type is None else printable(message_type),
        "status": status,
        "errors": errors or {},
        "received_at": received_at,
    }
    if accepted is not None:
        receipt["records"] = {"accepted": accepted, "rejected": rejected or []}
    return receipt


def minimal_receipt(receipt: dict[str, Any], why: str) -> dict[str, Any]:
    """What can always be published when ``receipt`` cannot: nothing echoed from the
    message that does not fit (the full receipt is kept with the quarantined message)."""
    batch = receipt.get("records") is not None
    return compose_receipt(
        message_id=amqp_short_string(receipt.get("message_id")),
        message_type=receipt.get("type") if receipt.get("type") in MESSAGE_TYPES else None,
        status=receipt["status"], received_at=receipt["received_at"],
        errors={"_receipt": [f"The full receipt could not be sent ({why}); the platform operators "
                             "hold it with the message."]},
        accepted=receipt["records"]["accepted"] if batch else None,
    )


def duplicate_receipt(envelope: Envelope, received_at: str) -> dict[str, Any]:
    batch = envelope.message_type.batch
    return compose_receipt(message_id=envelope.message_id, message_type=envelope.type,
                           status=DUPLICATE, received_at=received_at,
                           accepted=0 if batch else None)


_ENVELOPE = EnvelopeSchema()
_BATCH = BatchSchema()
_SCHEMAS: dict[str, Schema] = {}


def _schema(message_type: MessageType) -> Schema:
    if message_type.name not in _SCHEMAS:
        _SCHEMAS[message_type.name] = message_type.schema()
    return _SCHEMAS[message_type.name]
