"""Exchanges, queues and routing keys of the public contract.

Every durable entity is described here once; the services declare them at start-up and
``deploy/rabbitmq/definitions.json`` is generated from the same objects, so the broker's
deployment and a running service can never disagree on arguments.
"""
from __future__ import annotations

from kombu import Exchange, Queue

INGRESS_EXCHANGE_NAME = "wagewatch.ingress"
RECEIPTS_EXCHANGE_NAME = "wagewatch.receipts"
ALERTS_EXCHANGE_NAME = "wagewatch.alerts"
NOTIFICATIONS_EXCHANGE_NAME = "wagewatch.notifications"
INGRESS_QUEUE_NAME = "wagewatch.ingress"
PARKED_EXCHANGE_NAME = "wagewatch.ingress.parked"
PARKED_QUEUE_NAME = "wagewatch.ingress.parked"

MAX_BODY_BYTES = 1024 * 1024
# A message the ingress cannot finish after this many deliveries (for example one that
# crashes the process every time) is dead-lettered to the parked queue by the broker.
INGRESS_DELIVERY_LIMIT = 20

ingress_exchange = Exchange(INGRESS_EXCHANGE_NAME, type="topic", durable=True, auto_delete=False)
receipts_exchange = Exchange(RECEIPTS_EXCHANGE_NAME, type="topic", durable=True, auto_delete=False)
alerts_exchange = Exchange(ALERTS_EXCHANGE_NAME, type="topic", durable=True, auto_delete=False)
# Desks that would rather be told than watch every alert bind here (an addition to the
# contract's streams): ``notify.<department>.<division>.<colour or resolved>``.
notifications_exchange = Exchange(NOTIFICATIONS_EXCHANGE_NAME, type="topic", durable=True, auto_delete=False)
parked_exchange = Exchange(PARKED_EXCHANGE_NAME, type="fanout", durable=True, auto_delete=False)

# A quorum queue: replicated when the broker is clustered, and it counts deliveries
# (x-delivery-count), which bounds how often a poison message is retried.
INGRESS_QUEUE_ARGUMENTS = {
    "x-queue-type": "quorum",
    "x-delivery-limit": INGRESS_DELIVERY_LIMIT,
    "x-dead-letter-exchange": PARKED_EXCHANGE_NAME,
}
ingress_queue = Queue(
    INGRESS_QUEUE_NAME,
    exchange=ingress_exchange,
    routing_key="county.#",
    durable=True,
    auto_delete=False,
    queue_arguments=INGRESS_QUEUE_ARGUMENTS,
)
parked_queue = Queue(
    PARKED_QUEUE_NAME, exchange=parked_exchange, routing_key="", durable=True, auto_delete=False
)

PUBLIC_EXCHANGES = (ingress_exchange, receipts_exchange, alerts_exchange, notifications_exchange)


def ingress_key(county: str, message_type: str) -> str:
    """``county.430102.project.upsert``."""
    return f"county.{county}.{message_type}"


def parse_ingress_key(routing_key: str) -> tuple[str | None, str | None]:
    """(division, type) of an ingress routing key; None for the parts that are missing."""
    parts = (routing_key or "").split(".", 2)
    if len(parts) < 2 or parts[0] != "county":
        return None, None
    return parts[1] or None, (parts[2] if len(parts) == 3 and parts[2] else None)


def receipt_key(division: str | None) -> str:
    """Receipts are routed by the submitting county's division (``county.430102``)."""
    return f"county.{division or 'unknown'}"


def alert_key(department: str, division: str, severity: str) -> str:
    """``alert.water.430102.red``."""
    return f"alert.{department}.{division}.{severity}"


def alert_binding(department: str | None = None, division: str | None = None,
                  severity: str | None = None) -> str:
    """A binding key for a desk's queue; a missing filter matches any one word."""
    return alert_key(department or "*", division or "*", severity or "*")


def notification_binding(department: str | None = None, division: str | None = None,
                         colour: str | None = None) -> str:
    """A binding key for a desk's grouped notifications (``notify.water.430102.*``)."""
    return f"notify.{department or '*'}.{division or '*'}.{colour or '*'}"
