"""The repository contract suite (tests/repositories) against nx-27017, over the wire
protocol, less the tests marked ``diverges_on_wire`` (what nx-27017 answers wrongly;
docs/development.md lists them). One server for the module; every test has databases of
its own."""
from __future__ import annotations

import pytest

from tests.repositories.conftest import database  # noqa: F401 - the suite's fixture, here on the wire
from tests.repositories.test_repository_contract import *  # noqa: F401,F403 - the same tests
from tests.wire.processes import WireServer

pytestmark = pytest.mark.wire


@pytest.fixture(scope="module")
def module_wire_server(tmp_path_factory):
    server = WireServer(tmp_path_factory.mktemp("wire")).start()
    yield server
    server.shutdown()


@pytest.fixture
def store_uri(module_wire_server):
    return module_wire_server.uri
