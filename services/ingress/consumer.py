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

A consumer the broker has stopped feeding is reconnected. After a broker restart,
RabbitMQ (3.10 here) can leave a quorum queue's new consumer with deliveries it counts as
checked out to that consumer but never sent (the queue reports them unacknowledged, the
channel holds none; rabbitmq-server issues #11228, #15473). Once they fill the prefetch
window the queue sends nothing more, and every message waits in the ingress queue,
unanswered, until that channel closes. So a watch asks the broker now and then: when
this consumer holds no delivery, has had none for ``INGRESS_STALL_SECONDS``, and the
queue still has messages ready, the consumer drops its connection and consumes again;
closing the channel hands the stranded deliveries back to the queue, which delivers
them afresh. Nothing is in hand when that happens, so nothing is handled twice.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from functools import partial

import eventlet
from amqp.exceptions import RecoverableConnectionError
from kombu import Connection
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer

from shared.nameko.container import BROKER_CONNECTION_ERRORS
from services.ingress.domain import Delivery

log = logging.getLogger(__name__)


STALL_SECONDS = 20          # idle this long while the queue has messages ready: reconnect
STALL_CHECK_SECONDS = 5     # how often the watch looks (it asks the broker only when idle)
BROKER_QUERY_SECONDS = 10   # longest wait for the broker's answer to the watch


class Requeue(Exception):
    """Raised by a handler to have its message redelivered later."""


class ConsumerStalled(RecoverableConnectionError):
    """The broker has messages ready but sends this idle consumer none: reconnect."""


class RawQueueConsumer(QueueConsumer):
    def __init__(self):
        super().__init__()
        self._in_hand = set()              # deliveries on the current channel not yet settled
        self._last_progress = time.monotonic()
        self._stalled = None               # set by the watch, raised in the consumer loop
        self.reconnects_for_stall = 0

    @property
    def stall_seconds(self) -> float:
        return float(self.container.config.get("INGRESS_STALL_SECONDS") or STALL_SECONDS)

    @property
    def stall_check_seconds(self) -> float:
        return float(self.container.config.get("INGRESS_STALL_CHECK_SECONDS") or STALL_CHECK_SECONDS)

    def start(self):
        # A handler calls the owning service over RPC, and the replies come back on a
        # queue that nameko's own QueueConsumer declares only as it starts, alongside
        # this one. Without this wait, a message already waiting in the ingress queue at
        # start-up can be handed over before the reply queue exists: the reply is dropped
        # and the call (so the county's lane) waits forever.
        rpc_replies = self.container.shared_extensions.get(QueueConsumer)
        if rpc_replies is not None:
            rpc_replies._consumers_ready.wait()   # nameko 2.14 has no public readiness hook
        first = not self._starting
        super().start()
        if first:
            self.container.spawn_managed_thread(self._watch_for_stall, identifier="ingress stall watch")

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(
                queues=[provider.queue], on_message=partial(self.handle_message, provider, None)
            )
            consumer.qos(prefetch_count=provider.prefetch_count or self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    # -- what this consumer holds --------------------------------------------------------
    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        # A new channel: whatever came on the old one is the broker's again.
        self._in_hand.clear()
        self._stalled = None
        self._last_progress = time.monotonic()
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def handle_message(self, provider, body, message):
        self._in_hand.add(id(message))
        self._last_progress = time.monotonic()
        super().handle_message(provider, body, message)

    def ack_message(self, message):
        self._settled(message)
        super().ack_message(message)

    def requeue_message(self, message):
        self._settled(message)
        super().requeue_message(message)

    def forget_message(self, message):
        """A delivery from a closed channel, dropped unhandled (the broker resends it)."""
        self._settled(message)

    def _settled(self, message):
        self._in_hand.discard(id(message))
        self._last_progress = time.monotonic()

    # -- the watch -----------------------------------------------------------------------
    def on_iteration(self):
        if self._stalled is not None:
            stalled, self._stalled = self._stalled, None
            if not self._in_hand:   # a delivery that came meanwhile is the broker feeding it again
                self.reconnects_for_stall += 1
                raise stalled   # kombu's ConsumerMixin closes the connection and consumes again
        super().on_iteration()

    def _watch_for_stall(self):
        while True:
            eventlet.sleep(self.stall_check_seconds)
            try:
                ready = self.stranded_messages()
            except Exception as exc:  # noqa: BLE001 - the watch must outlive a broker outage
                log.debug("stall watch could not ask the broker (%s)", exc)
                continue
            if ready:
                log.warning("the broker has %d message(s) ready in %s but has sent this idle consumer "
                            "none for %.0f s; reconnecting so that it delivers them", ready,
                            ", ".join(sorted(self._queue_names())), self.stall_seconds)
                self._stalled = ConsumerStalled(f"{ready} message(s) ready, none delivered")

    def stranded_messages(self) -> int:
        """Messages ready in this consumer's queues while it holds none and has had none for
        ``stall_seconds`` (0 when it is busy, was fed lately, or is not consuming)."""
        if not self._consumers or not self._consumers_ready.ready() or self._in_hand:
            return 0
        if time.monotonic() - self._last_progress < self.stall_seconds:
            return 0
        return self._ready_in_broker()

    def _queue_names(self) -> set[str]:
        return {provider.queue.name for provider in self._providers}

    def _ready_in_broker(self) -> int:
        with eventlet.Timeout(BROKER_QUERY_SECONDS, TimeoutError("the broker did not answer")):
            with Connection(self.amqp_uri, connect_timeout=BROKER_QUERY_SECONDS) as connection:
                channel = connection.channel()
                try:
                    return sum(channel.queue_declare(queue=name, passive=True).message_count
                               for name in self._queue_names())
                finally:
                    channel.close()


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
        self._waiting = defaultdict(deque)   # key -> deliveries waiting for their turn
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
            _, dropped = waiting.popleft()   # its channel died: the broker has it back and will resend it
            self.queue_consumer.forget_message(dropped)
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
