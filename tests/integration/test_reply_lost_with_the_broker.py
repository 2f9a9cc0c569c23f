"""A service whose RPC reply arrives as its broker connection dies lives on, and the call
is answered.

This was the broker-restart stall: nameko's reply listener acknowledges a reply before
handing it to the waiting call, and its ``ack_message`` catches amqp's ``ConnectionError``
but not the socket's ``ConnectionResetError``. A reply that came in just as the broker went
away killed the whole calling service (the ingress, in the fault test), so nothing read the
ingress queue any more. ``ResilientContainer`` now lets that thread die alone: the reply was
not acknowledged, so the broker puts it back in the (durable) reply queue and hands it over
again once the service has reconnected, to the call that still waits for it.

The test breaks the connection on the real local broker at that very moment: the first
reply's acknowledgement finds its socket shut.
"""
from __future__ import annotations

import socket

import pytest
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcProxy, rpc
from nameko.standalone.rpc import ServiceRpcProxy

from tests.streams import wait_until

pytestmark = pytest.mark.faults

RESILIENT = "shared.nameko.container.ResilientContainer"


class Callee:
    name = "callee"

    @rpc
    def double(self, n):
        return 2 * n


class Caller:
    name = "caller"
    callee = RpcProxy("callee")

    @rpc
    def ask(self, n):
        return self.callee.double(n)


def break_the_first_reply_acknowledgement(container):
    """The caller's consumer shuts its own socket as it acknowledges the first reply, as if
    the broker had reset the connection at that moment."""
    consumer = next(e for e in container.shared_extensions.values() if type(e) is QueueConsumer)
    broken = []
    original = consumer.ack_message

    def ack_message(message):
        is_reply = "reply_to" not in message.properties   # requests carry one, replies do not
        if not broken and is_reply:
            broken.append(message.properties["correlation_id"])
            message.channel.connection.transport.sock.shutdown(socket.SHUT_RDWR)
        original(message)
    consumer.ack_message = ack_message
    return broken


def test_a_reply_whose_acknowledgement_meets_a_dead_connection_still_answers_the_call(
        container_factory, rabbit_config):
    config = {**rabbit_config, "SERVICE_CONTAINER_CLS": RESILIENT}
    callee, caller = container_factory(Callee, config), container_factory(Caller, config)
    callee.start()
    caller.start()
    broken = break_the_first_reply_acknowledgement(caller)

    with ServiceRpcProxy("caller", rabbit_config, timeout=60) as proxy:
        assert proxy.ask(21) == 42            # answered from the redelivered reply
        assert broken                         # the first reply's acknowledgement did fail
        assert not caller._died.ready()       # and the service lives on
        assert proxy.ask(5) == 10             # and still answers


def test_nameko_alone_would_lose_the_calling_service(container_factory, rabbit_config):
    """The same break under nameko's own container: the caller dies (what the fault test saw)."""
    callee, caller = container_factory(Callee, rabbit_config), container_factory(Caller, rabbit_config)
    callee.start()
    caller.start()
    broken = break_the_first_reply_acknowledgement(caller)

    with ServiceRpcProxy("caller", rabbit_config, timeout=5) as proxy:
        proxy.ask.call_async(21)
        assert wait_until(lambda: caller._died.ready(), timeout=30)
    assert broken
