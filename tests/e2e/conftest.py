"""End to end: every service running on the real local RabbitMQ (a vhost per test),
driven only through the public contract: ingress messages in, receipts and alerts out."""
from __future__ import annotations

import pytest

from shared.contract.client import CountyClient, alerts_listener, receipts_listener
from wagewatch import platform as wagewatch_platform


@pytest.fixture
def platform(config, runner_factory):
    """Every service, started as `wagewatch up` starts them (runner_factory kills it after)."""
    return wagewatch_platform.start(config, runner_factory(config))


@pytest.fixture
def county(config):
    client = CountyClient(config["AMQP_URI"])
    yield client
    client.close()


@pytest.fixture
def listen(config):
    """listen("alerts", department=…, division=…) or listen("receipts", "430102", …)."""
    opened = []

    def open_listener(kind, *divisions, **filters):
        listener = (receipts_listener(config["AMQP_URI"], *divisions) if kind == "receipts"
                    else alerts_listener(config["AMQP_URI"], **filters))
        opened.append(listener)
        return listener

    yield open_listener
    for listener in opened:
        listener.close()


@pytest.fixture
def private_broker(private_node):
    """The module's private node, with kombu's process-wide connection pools emptied first:
    connections pooled by an earlier test died with that test's broker restart, and a
    service starting now would be handed one of them."""
    import kombu.pools

    kombu.pools.reset()
    return private_node


@pytest.fixture(scope="module")
def private_node(tmp_path_factory):
    """A RabbitMQ node of this module's own (see tests/rabbit_node.py): the shared broker
    on :5672 is never stopped, so a test that needs an outage makes its own broker. A test
    that stops its app starts it again before it ends.

    Module-scoped so it outlives every test's services: nameko's fixtures kill them at
    the end of each test, which waits for their consumers to leave the broker."""
    from tests.rabbit_node import RabbitNode

    node = RabbitNode(tmp_path_factory.mktemp("rabbit")).start()
    yield node
    node.shutdown()
