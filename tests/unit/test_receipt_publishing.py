"""The ingress publishes receipts only with AMQP properties that fit, and tells a receipt
the wire cannot carry (the handler then sends a minimal one) from a broker fault (the
message waits). The fake publisher encodes each receipt as the amqp library would put it
on the wire, so a property that does not fit fails here as it fails on RabbitMQ."""
from __future__ import annotations

import pytest
from amqp.basic_message import Message
from kombu.utils.json import dumps
from nameko.testing.services import worker_factory

from services.ingress.handler import UnpublishableReceipt
from services.ingress.service import IngressService

RECEIPT = {"type": "project.upsert", "status": "rejected", "errors": {"message_id": ["…"]},
           "received_at": "2026-11-23T08:00:01+08:00"}


class WirePublisher:
    """Encodes body and properties exactly as amqp does before sending; keeps what passed."""

    def __init__(self, fault: Exception | None = None):
        self.sent: list[tuple[dict, dict]] = []
        self.fault = fault

    def __call__(self, receipt, routing_key, **properties):
        if self.fault:
            raise self.fault
        Message(dumps(receipt).encode("utf-8"), **properties)._serialize_properties()
        self.sent.append((receipt, properties))


@pytest.mark.parametrize("message_id, property_", [
    ("m-1", "m-1"), ("x" * 10240, None), ("编" * 90, None), ("编" * 85, "编" * 85), ("a\ud800", None), (None, None),
], ids=["fits", "10240 ASCII", "90 Chinese (270 bytes)", "85 Chinese (255 bytes)", "lone surrogate", "none"])
def test_the_message_id_property_is_set_only_when_it_fits(message_id, property_):
    publisher = WirePublisher()
    service = worker_factory(IngressService, publish_receipt=publisher)
    service._publish({**RECEIPT, "message_id": message_id}, "430102")
    [(_, properties)] = publisher.sent
    assert properties["message_id"] == property_


def test_a_receipt_the_wire_cannot_carry_is_the_handlers_to_replace():
    service = worker_factory(IngressService, publish_receipt=WirePublisher())
    with pytest.raises(UnpublishableReceipt, match="TypeError"):
        service._publish({**RECEIPT, "message_id": "m-1", "errors": {"x": {1, 2}}}, "430102")   # not JSON


def test_a_broker_fault_is_not_mistaken_for_the_receipts_own():
    service = worker_factory(IngressService, publish_receipt=WirePublisher(fault=ConnectionResetError()))
    with pytest.raises(ConnectionResetError):
        service._publish({**RECEIPT, "message_id": "m-1"}, "430102")
