"""Every service, started as docker-compose.yml starts it (``nameko run --config
deploy/config.yml services.<name>.service`` with ``MONGO_URI=mongodb://…``), reaches the
store over the wire protocol: it reports ready, and the contract works through it.

The regression test of issue 12: under eventlet 0.33.3, pymongo 4.15 could not open a
single connection (``getaddrinfo() got an unexpected keyword argument 'type'``)."""
from __future__ import annotations

import pytest

from shared.contract.client import CountyClient, receipts_listener
from tests.factories import COUNTY, message, project
from tests.streams import wait_until
from tests.wire.processes import compose_service

pytestmark = pytest.mark.wire

SERVICES = ["projects", "payroll", "workers", "accounts", "alerts", "complaints", "ingress", "console"]


@pytest.mark.timeout(300)
def test_each_service_started_as_compose_starts_it_is_ready_and_answers_the_contract(compose, rabbit_config):
    assert [compose_service(name)["command"] for name in SERVICES] == \
        [["nameko", "run", "--config", "deploy/config.yml", f"services.{name}.service"] for name in SERVICES]
    services = compose(*SERVICES)
    wait_until(lambda: all(service.ready() for service in services.values()), timeout=150)
    not_ready = [name for name, service in services.items() if not service.ready()]
    assert not_ready == [], "\n".join(f"{services[n].health_body()}\n{services[n].process.log_tail()}"
                                      for n in not_ready)

    receipts = receipts_listener(rabbit_config["AMQP_URI"], COUNTY)
    county = CountyClient(rabbit_config["AMQP_URI"])
    upsert = message("project.upsert", project(), message_id="wire-1")
    county.publish(upsert)
    [first] = receipts.wait_for(1, timeout=60)
    county.publish(upsert)
    second = receipts.wait_for(2, timeout=60)[1:]
    county.close()
    receipts.close()
    assert (first["body"]["message_id"], first["body"]["status"]) == ("wire-1", "accepted"), first["body"]
    assert [(r["body"]["message_id"], r["body"]["status"]) for r in second] == [("wire-1", "duplicate")]
