"""The ingress consumer gets going again when the broker stops feeding it.

After a broker restart, RabbitMQ 3.10 can count deliveries as checked out to the ingress's
new consumer without ever sending them (the quorum queue reports them unacknowledged, the
channel holds none). Once they fill the prefetch window the queue sends nothing more: the
platform stalled with the rest of the county's messages waiting in the queue. The test
below makes the same state on the real local broker, in a quorum queue like the ingress
queue: its consumer loses the first window of deliveries unseen, so the broker holds them
as sent and waits for acknowledgements that never come.
"""
from __future__ import annotations

import time
import uuid

import eventlet
import pytest
from kombu import Connection, Exchange, Producer, Queue

from services.ingress.consumer import RawConsumer, RawQueueConsumer
from tests.streams import wait_until

pytestmark = pytest.mark.faults

PREFETCH = 4


class Seen:
    """What the handler was given, in order (class attributes: workers are short-lived)."""
    bodies: list[bytes] = []
    hold = None            # an Event the handler waits on, when a test wants it busy
    lost = 0               # deliveries still to lose unseen


class LosingQueueConsumer(RawQueueConsumer):
    """Loses deliveries before anything sees them, as the broker lost them after a restart."""

    def handle_message(self, provider, body, message):
        if Seen.lost > 0:
            Seen.lost -= 1
            return
        super().handle_message(provider, body, message)


class LosingConsumer(RawConsumer):
    queue_consumer = LosingQueueConsumer()


@pytest.fixture
def queue():
    name = f"test.stall.{uuid.uuid4().hex[:8]}"
    return Queue(name, exchange=Exchange(name, type="topic", durable=True), routing_key="county.#",
                 durable=True, queue_arguments={"x-queue-type": "quorum"})


@pytest.fixture
def start(container_factory, rabbit_config, queue):
    Seen.bodies, Seen.hold, Seen.lost = [], None, 0

    class Lane:
        name = "stall_watch"

        @LosingConsumer.decorator(queue, prefetch_count=PREFETCH, ordered_by=lambda delivery: "one county")
        def handle(self, delivery):
            if Seen.hold is not None:
                Seen.hold.wait()
            Seen.bodies.append(delivery.body)

    def started(**settings):
        container = container_factory(Lane, {**rabbit_config, **settings})
        container.start()
        return container
    return started


def publish(amqp_uri: str, queue: Queue, bodies: list[bytes]) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel())
        for body in bodies:
            producer.publish(body, exchange=queue.exchange, routing_key="county.430102.payroll.paid",
                             declare=[queue], delivery_mode=2)


def queue_consumer(container) -> LosingQueueConsumer:
    return next(e for e in container.shared_extensions.values() if isinstance(e, LosingQueueConsumer))


def test_a_consumer_the_broker_stopped_feeding_reconnects_and_every_message_is_handled_once(
        start, rabbit_config, queue):
    container = start(INGRESS_STALL_SECONDS=3, INGRESS_STALL_CHECK_SECONDS=0.5)
    Seen.lost = PREFETCH                      # the whole window goes missing
    bodies = [f"m{i:02d}".encode() for i in range(10)]
    publish(rabbit_config["AMQP_URI"], queue, bodies)

    eventlet.sleep(1.5)
    assert Seen.bodies == []                  # the broker waits for acks that will never come
    started = time.monotonic()
    assert wait_until(lambda: len(Seen.bodies) >= len(bodies), timeout=30), Seen.bodies
    assert time.monotonic() - started < 15
    eventlet.sleep(0.5)
    assert sorted(Seen.bodies) == bodies      # the stranded window too, each once
    assert queue_consumer(container).reconnects_for_stall == 1
    with Connection(rabbit_config["AMQP_URI"]) as connection:   # all acknowledged
        assert wait_until(lambda: queue(connection.channel()).queue_declare(passive=True).message_count == 0,
                          timeout=10)


def test_a_busy_consumer_is_not_reconnected_however_long_its_handler_takes(start, rabbit_config, queue):
    container = start(INGRESS_STALL_SECONDS=1, INGRESS_STALL_CHECK_SECONDS=0.25)
    Seen.hold = eventlet.Event()
    bodies = [f"m{i:02d}".encode() for i in range(PREFETCH * 2)]
    publish(rabbit_config["AMQP_URI"], queue, bodies)

    eventlet.sleep(3)                         # messages ready, none delivered for 3 s: but it holds a window
    assert Seen.bodies == []
    Seen.hold.send()
    assert wait_until(lambda: len(Seen.bodies) >= len(bodies), timeout=30), Seen.bodies
    eventlet.sleep(0.5)
    assert Seen.bodies == bodies              # in order, each once: nothing came back for a second try
    assert queue_consumer(container).reconnects_for_stall == 0


def test_an_idle_consumer_of_an_empty_queue_is_left_alone(start, rabbit_config, queue):
    container = start(INGRESS_STALL_SECONDS=0.5, INGRESS_STALL_CHECK_SECONDS=0.25)
    publish(rabbit_config["AMQP_URI"], queue, [b"only"])
    assert wait_until(lambda: Seen.bodies == [b"only"], timeout=10)
    eventlet.sleep(2)
    assert queue_consumer(container).reconnects_for_stall == 0
