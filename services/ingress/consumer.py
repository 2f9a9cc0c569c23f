"""A nameko entrypoint that hands over ingress messages with their bodies undecoded.

nameko's own ``consume`` decodes a body before the service sees it, and a body that is
not JSON would break the consumer. The contract wants every such body answered and
quarantined, so this entrypoint asks kombu for the raw message (``on_message``) and
passes a :class:`Delivery` to the handler. A handler that returns acknowledges the
message; one that raises (:class:`Requeue` on purpose, or anything unexpected) returns it
to the queue.

With ``ordered_by``, deliveries that share a key (a county) are handled one at a time in
the order the broker delivered them, while different keys run in parallel: a county that
publishes a project and then its payroll must not see the payroll handled first.

When the broker connection drops, every unacknowledged delivery returns to the queue and
comes again on the new channel. Deliveries still waiting for their turn on the old
channel are then dropped here rather than handled twice, and a failed acknowledgement
never leaves a county waiting forever for its turn.
"""
from __future__ import annotations

import logging
from collections import defaultdict, deque
from functools import partial
from typing import Any

from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer

from services.ingress.domain import Delivery
from shared.nameko.container import BROKER_CONNECTION_ERRORS

log = logging.getLogger(__name__)


class Requeue(Exception):
    """Raised by a handler to have its message redelivered later."""


class RawQueueConsumer(QueueConsumer):
    def start(self):
        # A handler calls the owning service over RPC, and the replies come back on a
        # queue that nameko's own QueueConsumer declares only as it starts, alongside
        # this one. Without this wait, a message already waiting in the ingress queue at
        # start-up can be handed over before the reply queue exists: the reply is dropped
        # and the call (so the county's lane) waits forever.
        rpc_replies = self.container.shared_extensions.get(QueueConsumer)
        if rpc_replies is not None:
            rpc_replies._consumers_ready.wait()   # nameko 2.14 has no public readiness hook
        super().start()

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(
                queues=[provider.queue], on_message=partial(self.handle_message, provider, None)
            )
            consumer.qos(prefetch_count=provider.prefetch_count or self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()


def to_delivery(message) -> Delivery:
    properties = message.properties or {}
    headers = message.headers or {}
    return Delivery(
        body=message.body if isinstance(message.body, bytes) else str(message.body).encode("utf-8"),
        routing_key=message.delivery_info.get("routing_key", ""),
        message_id_property=properties.get("message_id"),
        redelivered=bool(message.delivery_info.get("redelivered")),
        delivery_count=int(headers.get("x-delivery-count", 0) or 0),
    )


class RawConsumer(Consumer):
    queue_consumer = RawQueueConsumer()

    def __init__(self, queue, prefetch_count=None, ordered_by=None, **kwargs):
        self.prefetch_count = prefetch_count
        self.ordered_by = ordered_by
        self._waiting: defaultdict[Any, deque[tuple[Any, Any]]] = defaultdict(deque)   # key -> deliveries waiting for their turn
        self._busy = set()                   # keys with a worker running
        super().__init__(queue, **kwargs)

    def handle_message(self, body, message):
        delivery = to_delivery(message)
        key = self.ordered_by(delivery) if self.ordered_by else None
        if key is not None and key in self._busy:
            self._waiting[key].append((delivery, message))
            return
        if key is not None:
            self._busy.add(key)
        self._spawn(delivery, message, key)

    def _spawn(self, delivery, message, key):
        try:
            self.container.spawn_worker(
                self, (delivery,), {}, handle_result=partial(self.handle_result, message, key),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)
            self._next_turn(key)

    def handle_result(self, message, key, worker_ctx, result=None, exc_info=None):
        try:
            self.handle_message_processed(message, result, exc_info)
        except BROKER_CONNECTION_ERRORS as exc:
            log.warning("could not settle a delivery (%s); the broker will deliver it again", exc)
        finally:
            self._next_turn(key)
        return result, exc_info

    def _next_turn(self, key):
        if key is None:
            return
        waiting = self._waiting.get(key)
        while waiting and not _live(waiting[0][1]):
            waiting.popleft()   # its channel died: the broker has it back and will resend it
        if waiting:
            self._spawn(*waiting.popleft(), key)
        else:
            self._busy.discard(key)
            self._waiting.pop(key, None)

    def handle_message_processed(self, message, result=None, exc_info=None):
        # Acknowledged only when the handler returned: any exception, Requeue or one the
        # handler did not expect, returns the message (the queue's delivery limit bounds it).
        if exc_info is not None:
            self.queue_consumer.requeue_message(message)
        else:
            self.queue_consumer.ack_message(message)


def _live(message) -> bool:
    """True while the channel a message came on is open (only then can it be settled)."""
    return bool(message.channel.connection)


raw_consume = RawConsumer.decorator
