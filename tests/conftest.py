"""Fixtures shared by every level of test.

Run with ``nameko test`` (pytest with eventlet monkey-patched first). Tests that touch
RabbitMQ get a throwaway vhost each (nameko's ``rabbit_config``) and a fresh embedded
store (``mongomock://test-<id>``), so they cannot see one another's messages or records.
"""
from __future__ import annotations

import uuid

import pytest

from shared.storage import forget_embedded
from wagewatch.config import load_config

TEST_PII_KEY = "test-only-pii-key"


@pytest.fixture
def mongo_uri():
    uri = f"mongomock://test-{uuid.uuid4().hex}"
    yield uri
    forget_embedded(uri)


@pytest.fixture
def config(rabbit_config, mongo_uri):
    """The platform's real config file, pointed at this test's vhost and store."""
    return load_config(AMQP_URI=rabbit_config["AMQP_URI"], MONGO_URI=mongo_uri,
                       PII_HASH_KEY=TEST_PII_KEY, DAILY_SWEEP=False)
