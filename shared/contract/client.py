"""A small county-side client for the public contract (kombu only, no eventlet).

Used by the demo, the end-to-end tests and the load tests; also a worked example for
county integrators: publish with publisher confirms and persistent delivery, read your
receipts from a queue bound to ``county.<division>``.
"""
from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any

from amqp.exceptions import NotFound
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.message import Message

from shared.contract.envelope import envelope as envelope  # re-exported: counties' one import
from shared.contract.topology import alert_binding, alerts_exchange, ingress_exchange, ingress_key, receipt_key, receipts_exchange

DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"


class CountyClient:
    """Publishes a county's messages and reads its receipts."""

    def __init__(self, amqp_uri: str = DEFAULT_AMQP_URI, declare: bool = True):
        """``declare=False`` for a county's own broker user, which may publish but not
        declare anything (the platform has declared the exchange at deployment)."""
        self.connection = Connection(amqp_uri, transport_options={"confirm_publish": True})
        self.channel = self.connection.channel()
        self.producer = Producer(self.channel)
        if declare:
            ingress_exchange(self.channel).declare()
        self._ids = itertools.count(1)

    def publish(self, env: dict[str, Any], *, routing_key: str | None = None) -> None:
        """Publish one envelope; returns once the broker has confirmed it."""
        self.publish_raw(json.dumps(env, ensure_ascii=False).encode("utf-8"),
                         routing_key or ingress_key(env["county"], env["type"]))

    def publish_raw(self, body: bytes, routing_key: str, **properties: Any) -> None:
        self.producer.publish(body, exchange=ingress_exchange, routing_key=routing_key,
                              content_type="application/json", content_encoding="binary",
                              delivery_mode=2, retry=True, **properties)

    def send(self, county: str, message_type: str, payload: dict[str, Any], message_id: str | None = None) -> str:
        message_id = message_id or f"{county}-{int(time.time() * 1000)}-{next(self._ids):06d}"
        self.publish(envelope(message_id, message_type, county, payload))
        return message_id

    def close(self) -> None:
        self.connection.release()


class Listener:
    """A private, auto-deleted queue bound to some keys, read into a list of bodies."""

    def __init__(self, amqp_uri: str, exchange: Exchange, bindings: list[str], owner: str = "wagewatch.listener"):
        """``owner``: the name the queue is made under; a desk's user may make queues only
        under its own, ``wagewatch.desk.<department>.<division>``."""
        self.connection = Connection(amqp_uri)
        self.channel = self.connection.channel()
        self._declare(exchange)
        self.queue = Queue(f"{owner}.{uuid.uuid4().hex[:12]}", exclusive=True,
                           auto_delete=True, durable=False, channel=self.channel)
        self.queue.declare()
        for key in bindings:
            self.queue.bind_to(exchange=exchange.name, routing_key=key)
        self.messages: list[dict[str, Any]] = []
        self.consumer = Consumer(self.channel, queues=[self.queue], callbacks=[self._on_message],
                                 accept=["json"], no_ack=True)
        self.consumer.consume()

    def _declare(self, exchange: Exchange) -> None:
        """Passively first: the exchange exists wherever the platform is deployed, and a
        county's or desk's user may not declare it. Only a missing one is declared (on a
        new channel: the broker closes the one that asked)."""
        try:
            with self.connection.channel() as probe:
                exchange(probe).declare(passive=True)
        except NotFound:
            exchange(self.channel).declare()

    def _on_message(self, body: Any, message: Message) -> None:
        self.messages.append({"routing_key": message.delivery_info["routing_key"], "body": body,
                              "received": time.time()})

    def drain(self, timeout: float = 0.2) -> list[dict[str, Any]]:
        """Read whatever has arrived (waiting up to ``timeout`` for more); returns a copy
        of everything received so far."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return list(self.messages)
            try:
                self.connection.drain_events(timeout=remaining)
            except TimeoutError:
                return list(self.messages)

    def take(self, timeout: float = 0.2) -> list[dict[str, Any]]:
        """Like :meth:`drain`, but hands over the messages and forgets them."""
        taken = list(self.drain(timeout))
        self.messages.clear()
        return taken

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Read until ``count`` messages have arrived or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            self.drain(min(0.2, max(deadline - time.monotonic(), 0.01)))
        return list(self.messages)

    def close(self) -> None:
        self.connection.release()


def receipts_listener(amqp_uri: str, *divisions: str) -> Listener:
    return Listener(amqp_uri, receipts_exchange, [receipt_key(d) for d in divisions])


def alerts_listener(amqp_uri: str, department: str | None = None, division: str | None = None,
                    severity: str | None = None) -> Listener:
    return Listener(amqp_uri, alerts_exchange, [alert_binding(department, division, severity)])
