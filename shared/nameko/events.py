"""An event handler that neither drops a failing event nor retries it forever.

nameko's ``event_handler`` acknowledges (drops) an event whose handler raises, or with
``requeue_on_error=True`` puts it straight back, with no limit: one poison event then
spins forever. ``reliable_event_handler`` instead:

- reads a durable quorum queue of its own (``shared.internal.event_queue_name``), which
  the deployment also declares, so events published before the service's first start wait;
- retries a failing event ``max_attempts`` times (default 5) with a growing pause, counted
  by the broker (``x-delivery-count``), so the count survives a restart of the service;
- then parks it in ``wagewatch.events.parked`` with its error (headers
  ``x-wagewatch-error``, ``-service``, ``-handler``, ``-attempts``) and acknowledges it,
  so the queue keeps flowing. An event that fails validation is parked at once: retrying
  cannot fix it;
- and if an event crashes the whole service every time, the broker dead-letters it to the
  same place after ``EVENT_DELIVERY_LIMIT`` deliveries.

Use it for every SERVICE_POOL handler that does work (one line)::

    @reliable_event_handler("payroll", CONDITIONS_CLEARED)
    def handle_payroll_conditions_cleared(self, body): ...

Handlers must be idempotent: an event can arrive more than once.
"""
from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

import eventlet
from kombu import Queue
from kombu.message import Message
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher as AmqpPublisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import EventHandler
from nameko.messaging import Consumer
from nameko.standalone.events import get_event_exchange

from shared.calendar import now_iso
from shared.internal import EVENT_QUEUE_ARGUMENTS, event_queue_name, parked_events_exchange, parked_events_queue

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 5
MAX_PAUSE_SECONDS = 30
PERMANENT_ERRORS = (ValidationError,)   # retrying cannot fix these


def event_queue(source: str, event_type: str, service: str, method: str, config: dict[str, Any] | None = None) -> Queue:
    """The queue a reliable handler reads; the deployment declares the same one."""
    return Queue(event_queue_name(source, event_type, service, method),
                 exchange=get_event_exchange(source, config or {}), routing_key=event_type,
                 durable=True, auto_delete=False, queue_arguments=dict(EVENT_QUEUE_ARGUMENTS))


class ReliableEventHandler(EventHandler):
    def __init__(self, source_service: str, event_type: str, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                 **kwargs: Any) -> None:
        self.max_attempts = max_attempts
        self.parking: Any = None     # nameko's amqp Publisher (untyped), made at setup
        super().__init__(source_service, event_type, **kwargs)

    def setup(self) -> None:
        self.queue = event_queue(self.source_service, self.event_type, self.container.service_name,
                                 self.method_name, self.container.config)
        self.parking = AmqpPublisher(self.container.config[AMQP_URI_CONFIG_KEY],
                                     exchange=parked_events_exchange,
                                     declare=[parked_events_exchange, parked_events_queue])
        Consumer.setup(self)   # registers self.queue with the container's consumer

    def handle_message_processed(self, message: Message, result: Any = None,
                                 exc_info: tuple[type[BaseException], BaseException, TracebackType] | None = None) -> None:
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        attempts = int((message.headers or {}).get("x-delivery-count", 0) or 0) + 1
        error = exc_info[1]
        if attempts < self.max_attempts and not isinstance(error, PERMANENT_ERRORS):
            eventlet.sleep(min(2 ** attempts / 4, MAX_PAUSE_SECONDS))
            self.queue_consumer.requeue_message(message)
            return
        self.park(message, error, attempts)
        self.queue_consumer.ack_message(message)

    def park(self, message: Message, error: BaseException, attempts: int) -> None:
        """Publish the event, untouched, with why it failed (confirmed before the ack)."""
        reason = f"{type(error).__name__}: {error}"[:1000]
        log.error("parking %s event after %d attempt(s) of %s.%s: %s", self.event_type, attempts,
                  self.container.service_name, self.method_name, reason)
        headers = {**(message.headers or {}),
                   "x-wagewatch-error": reason,
                   "x-wagewatch-service": self.container.service_name,
                   "x-wagewatch-handler": self.method_name,
                   "x-wagewatch-event": f"{self.source_service}.{self.event_type}",
                   "x-wagewatch-attempts": attempts,
                   "x-wagewatch-parked-at": now_iso()}
        self.parking.publish(message.body, headers=headers, serializer=None,
                             content_type=message.content_type,
                             content_encoding=message.content_encoding)


reliable_event_handler = ReliableEventHandler.decorator
