"""A service container that outlives the broker going away.

nameko 2.14 kills a whole container when a worker fails *after* its service method ran:
while publishing the RPC reply or acknowledging the message. During a broker restart
that is exactly what happens to every worker in flight (the reply cannot be published,
the ack hits a reset socket), so one restart would take every busy service down with it.

Nothing is lost by carrying on: a message that was not acknowledged returns to its
queue when its channel dies, and is redelivered once the consumer has reconnected
(kombu's ConsumerMixin does that by itself); every handler is idempotent. So when a
worker dies of a broker connection error, this container logs it and keeps running.
Any other error still kills the container, as nameko intends.

Selected by ``SERVICE_CONTAINER_CLS`` in ``deploy/config.yml``, so every service run with
that config gets it (``nameko run``, ``wagewatch up`` and the tests alike).
"""
from __future__ import annotations

import logging
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


class ResilientContainer(ServiceContainer):
    def _handle_worker_thread_exited(self, gt: Any, worker_ctx: Any) -> None:   # eventlet and nameko: untyped
        try:
            gt.wait()
        except BROKER_CONNECTION_ERRORS as exc:
            self._worker_threads.pop(worker_ctx, None)
            log.warning("%s: lost the broker while answering %s (%s); the message will be "
                        "redelivered once the service has reconnected",
                        self.service_name, worker_ctx.entrypoint.method_name, exc)
            return
        except BaseException:  # noqa: BLE001 - nameko's own handling follows
            pass
        super()._handle_worker_thread_exited(gt, worker_ctx)
