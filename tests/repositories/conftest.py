"""The repository contract suite's store: ``MONGO_TEST_URI`` (default: a fresh embedded
store per test). With a real MongoDB each test works in databases of its own
(``contract_<random>_<service>``), dropped afterwards, so the suite can share a server
with anything else::

    MONGO_TEST_URI=mongodb://mongo.ci:27017/ .venv/bin/nameko test -q tests/repositories

tests/wire runs the same tests against nx-27017 (docs/development.md: where it differs).
"""
from __future__ import annotations

import os
import uuid

import pytest

from shared.storage import client_for, forget_embedded, is_embedded


@pytest.fixture
def store_uri():
    return os.environ.get("MONGO_TEST_URI") or f"mongomock://contract-{uuid.uuid4().hex}"


@pytest.fixture
def database(store_uri):
    """database(service) -> that service's database, fresh for this test."""
    prefix = f"contract_{uuid.uuid4().hex[:10]}"
    client = client_for(store_uri)
    made = []

    def named(service: str):
        made.append(f"{prefix}_{service}")
        return client[made[-1]]

    yield named
    if is_embedded(store_uri):
        forget_embedded(store_uri)
    else:
        for name in made:
            client.drop_database(name)
