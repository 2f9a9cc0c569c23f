"""The ingress use case: one delivery in, its effects stored, exactly one receipt out.

Collaborators are passed in (the message log, a repository; a dispatcher to the owning
services; a receipt publisher), so this module is tested with fakes and runs under nameko
unchanged. Order matters for at-least-once delivery: the owning service stores the
records, then the message log stores the outcome and its receipt, then the receipt is
published, and only then does the caller acknowledge the delivery.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from services.ingress.domain import (
    Delivery,
    Envelope,
    PayloadCheck,
    Unreadable,
    batch_status,
    check_payload,
    compose_receipt,
    duplicate_receipt,
    merge_rejections,
    minimal_receipt,
    read_envelope,
)
from shared.contract.envelope import ACCEPTED, REJECTED
from shared.contract.window import Window
from shared.errors import RecordRefused
from shared.projects import UNKNOWN_PROJECT


class IngressLog(Protocol):
    def find(self, county: str, message_id: str) -> dict | None: ...
    def record(self, envelope: Envelope, receipt: dict) -> bool: ...
    def mark_receipt_sent(self, county: str, message_id: str) -> None: ...
    def quarantine(self, delivery: Delivery, receipt: dict, reason: str) -> None: ...


Dispatch = Callable[[Envelope, PayloadCheck], dict]   # raises RecordRefused for a refused single record
Publish = Callable[[dict, str | None], None]   # raises UnpublishableReceipt for the receipt's own fault


class UnpublishableReceipt(Exception):
    """The publisher could not send this receipt because of what is in it (a value the
    wire cannot carry), not because of the broker: a minimal receipt goes instead."""


class WaitForRegistry(Exception):
    """A redelivered message names a project the registry does not know. After a crash the
    broker hands a county's unacknowledged messages back, not always in their first order,
    so the project.upsert it depends on may be just behind it: worth a short wait before
    refusing it (the caller retries, then answers with ``hold_unknown=False``)."""


def handle_delivery(delivery: Delivery, *, message_log: IngressLog, dispatch: Dispatch,
                    publish: Publish, received_at: str, hold_unknown: bool = True,
                    window: Window | None = None) -> dict:
    """Answer one delivery; returns the receipt that was published. Dates are judged from
    ``window`` (by default the platform's window around ``received_at``)."""
    window = window or Window.arriving(received_at)
    reading = read_envelope(delivery, window)
    if isinstance(reading, Unreadable):
        receipt = compose_receipt(message_id=reading.message_id, message_type=reading.type,
                                  status=REJECTED, errors=reading.errors, received_at=received_at)
        return _reject(delivery, receipt, message_log, publish, delivery.key_division, "unreadable envelope")
    envelope = reading
    prior = message_log.find(envelope.county, envelope.message_id)
    if prior is not None:
        return _answer_again(prior, envelope, delivery, message_log, publish, received_at)
    check = check_payload(envelope, window)
    outcome = _ask_owner(dispatch, envelope, check) if check.has_valid_records else {}
    receipt = _receipt_for(envelope, check, outcome, received_at)
    if receipt["status"] == REJECTED:
        if hold_unknown and delivery.redelivered and _names_unknown_project(outcome):
            raise WaitForRegistry(envelope.message_id)
        return _reject(delivery, receipt, message_log, publish, envelope.county, "rejected payload")
    if receipt["status"] != ACCEPTED:
        # Before the record: a redelivery after a crash finds the record and goes no further.
        message_log.quarantine(delivery, receipt, "rejected records")
    if not message_log.record(envelope, receipt):
        # Another consumer stored the same message_id a moment ago: this one is the re-send.
        receipt = duplicate_receipt(envelope, received_at)
    _send(publish, receipt, envelope.county)
    message_log.mark_receipt_sent(envelope.county, envelope.message_id)
    return receipt


def give_up(delivery: Delivery, *, message_log: IngressLog, publish: Publish, received_at: str,
            attempts: int) -> dict:
    """A message that failed ``attempts`` times is answered and kept, so the queue flows."""
    reading = read_envelope(delivery)
    message_id = getattr(reading, "message_id", delivery.message_id_property)
    message_type = getattr(reading, "type", delivery.key_type)
    receipt = compose_receipt(
        message_id=message_id, message_type=message_type, status=REJECTED, received_at=received_at,
        errors={"_platform": [f"Processing failed {attempts} times; the message is kept for "
                              "investigation. Contact the platform operators before re-sending."]},
    )
    return _reject(delivery, receipt, message_log, publish, delivery.key_division, "processing failed")


def _receipt_for(envelope: Envelope, check: PayloadCheck, outcome: dict, received_at: str) -> dict:
    common: dict[str, Any] = dict(message_id=envelope.message_id, message_type=envelope.type, received_at=received_at)
    if not envelope.message_type.batch:
        errors = check.errors or {f"payload.{k}": v for k, v in outcome.get("errors", {}).items()}
        return compose_receipt(status=REJECTED if errors else ACCEPTED, errors=errors, **common)
    if check.errors:
        return compose_receipt(status=REJECTED, errors=check.errors, accepted=0, rejected=[], **common)
    owner_rejected = outcome.get("rejected", [])
    rejected = merge_rejections(check.rejected, owner_rejected)
    accepted = len(check.records) - len(owner_rejected)
    return compose_receipt(status=batch_status(accepted, rejected), accepted=accepted,
                           rejected=rejected, **common)


def _ask_owner(dispatch: Dispatch, envelope: Envelope, check: PayloadCheck) -> dict:
    """What the owning service answered: ``{}``, ``{"rejected": [...]}`` for a batch, or
    the field errors of a refused record. Every owner raises RecordRefused (shared/errors.py);
    an answer of ``{"errors": {...}}``, the form before it, still reads alike."""
    try:
        return dispatch(envelope, check)
    except RecordRefused as refused:
        return {"errors": refused.errors}


def _names_unknown_project(outcome: dict) -> bool:
    return UNKNOWN_PROJECT in outcome.get("errors", {}).get("project_code", ())


def _reject(delivery, receipt, message_log, publish, division, reason) -> dict:
    message_log.quarantine(delivery, receipt, reason)
    _send(publish, receipt, division)
    return receipt


def _send(publish: Publish, receipt: dict, division: str | None) -> None:
    """Publish ``receipt``; if it cannot go out as it is, a minimal one does: every
    message is answered, whatever its bytes."""
    try:
        publish(receipt, division)
    except UnpublishableReceipt as exc:
        publish(minimal_receipt(receipt, str(exc)), division)


def _answer_again(prior: dict, envelope: Envelope, delivery: Delivery, message_log, publish, received_at):
    """A message_id already stored: a re-send gets ``duplicate``; a redelivery whose first
    receipt may not have gone out gets that same receipt again."""
    if prior.get("receipt_sent") and not delivery.redelivered:
        receipt = duplicate_receipt(envelope, received_at)
        _send(publish, receipt, envelope.county)
        return receipt
    _send(publish, prior["receipt"], envelope.county)
    message_log.mark_receipt_sent(envelope.county, envelope.message_id)
    return prior["receipt"]
