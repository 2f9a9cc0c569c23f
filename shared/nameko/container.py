"""A service container that outlives the broker going away.

nameko 2.14 kills a whole container when a worker fails *after* its service method ran:
while publishing the RPC reply or acknowledging the message. During a broker restart
that is exactly what happens to every worker in flight (the reply cannot be published,
the ack hits a reset socket), so one restart would take every busy service down with it.

The same holds for the short thread nameko starts for each message a consumer receives
(``QueueConsumer.handle_message``, named ``<Extension>.handle_message[<routing key>]``).
The RPC reply listener's one acknowledges the reply first, and nameko's ``ack_message``
catches only amqp's own ``ConnectionError``, not the socket's ``ConnectionResetError``:
a reply that arrives as the broker goes away killed the whole service that made the call.
That was the broker-restart stall: the ingress died (``killing <ServiceContainer
[ingress]> due to [Errno 104] Connection reset by peer``), nothing consumed the ingress
queue any more, and every later message waited there unanswered.

Nothing is lost by carrying on: a message that was not acknowledged returns to its
queue when its channel dies, and is redelivered once the consumer has reconnected
(kombu's ConsumerMixin does that by itself); every handler is idempotent, and a reply
whose acknowledgement failed is redelivered to the same durable reply queue, where the
call still waits for it. So when a worker or a message's thread dies of a broker
connection error, this container logs it and keeps running. Any other error, and any
error in a long-lived thread (a consumer's own loop, a timer), still kills the
container, as nameko intends.

Selected by ``SERVICE_CONTAINER_CLS`` in ``deploy/config.yml``, so every service run with
that config gets it (``nameko run``, ``wagewatch up`` and the tests alike).
"""
from __future__ import annotations

import logging
import re
from typing import Any

import amqp.exceptions
import kombu.exceptions
from nameko.containers import ServiceContainer

log = logging.getLogger(__name__)

# What a worker sees when the broker goes away under it: a reset or refused socket, or
# the AMQP client's own connection errors (kombu wraps a refused reconnect as an
# OperationalError).
BROKER_CONNECTION_ERRORS = (
    OSError,
    kombu.exceptions.OperationalError,
    amqp.exceptions.ConnectionError,
)

# The identifier nameko's QueueConsumer gives the thread it starts for one message.
MESSAGE_THREAD = re.compile(r"^\w+\.handle_message\[.*\]$", re.DOTALL)


class ResilientContainer(ServiceContainer):
    def _handle_worker_thread_exited(self, gt: Any, worker_ctx: Any) -> None:   # eventlet and nameko: untyped
        if self._lost_the_broker(gt, f"answering {worker_ctx.entrypoint.method_name}"):
            self._worker_threads.pop(worker_ctx, None)
            return
        super()._handle_worker_thread_exited(gt, worker_ctx)

    def _handle_managed_thread_exited(self, gt: Any, identifier: Any) -> None:
        if isinstance(identifier, str) and MESSAGE_THREAD.match(identifier) and \
                self._lost_the_broker(gt, f"taking a message ({identifier})"):
            self._managed_threads.pop(gt, None)
            return
        super()._handle_managed_thread_exited(gt, identifier)

    def _lost_the_broker(self, gt: Any, doing: str) -> bool:
        """True when the thread died of a broker connection error: the message was not
        acknowledged, so it comes back once the service has reconnected. Any other ending
        is left to nameko's own handling (which waits on the thread again)."""
        try:
            gt.wait()
        except BROKER_CONNECTION_ERRORS as exc:
            log.warning("%s: lost the broker while %s (%s); the message will be redelivered once "
                        "the service has reconnected", self.service_name, doing, exc)
            return True
        except BaseException:  # noqa: BLE001 - nameko's own handling follows
            pass
        return False
