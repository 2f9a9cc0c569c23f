"""Fixtures shared by every level of test.

Run with ``nameko test`` (pytest with eventlet monkey-patched first). Tests that touch
RabbitMQ get a throwaway vhost each (nameko's ``rabbit_config``) and a fresh embedded
store (``mongomock://test-<id>``), so they cannot see one another's messages or records.
"""
from __future__ import annotations

import socket
import uuid

import pytest

from shared.storage import forget_embedded
from wagewatch.config import load_config

TEST_PII_KEY = "test-only-pii-key"
TEST_QUARANTINE_KEY = "6F2m9JQq3l6iS8T4vV0fXo2pG3kN7yQ1aB5cD8eF9gA="  # a Fernet key for tests only


@pytest.fixture
def mongo_uri():
    uri = f"mongomock://test-{uuid.uuid4().hex}"
    yield uri
    forget_embedded(uri)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def platform_config(amqp_uri: str, mongo_uri: str) -> dict:
    """The platform's real config file, pointed at a test's broker and store, with the
    console on a free local port."""
    return load_config(AMQP_URI=amqp_uri, MONGO_URI=mongo_uri, PII_HASH_KEY=TEST_PII_KEY,
                       QUARANTINE_KEY=TEST_QUARANTINE_KEY, DAILY_SWEEP=False,
                       WEB_SERVER_ADDRESS=f"127.0.0.1:{free_port()}")


@pytest.fixture
def config(rabbit_config, mongo_uri):
    """The platform's real config file, pointed at this test's vhost and store."""
    return platform_config(rabbit_config["AMQP_URI"], mongo_uri)
