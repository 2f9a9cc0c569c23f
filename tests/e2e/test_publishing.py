"""Everything the platform publishes is persistent, so a durable queue keeps it across a
broker restart; every exchange and queue it publishes through is durable."""
from __future__ import annotations

import pytest
from kombu import Connection, Exchange, Queue
from nameko.standalone.rpc import ServiceRpcProxy

from shared.contract.access import receipts_queue
from shared.contract.topology import alerts_exchange, receipts_exchange
from shared.internal import CONDITIONS_CLEARED
from tests.factories import COUNTY, message, payroll, project

pytestmark = pytest.mark.e2e


def test_receipts_alerts_and_internal_events_are_published_persistent(platform, county, config):
    payroll_events = Exchange("payroll.events", type="topic", durable=True)
    taps = {"receipt": Queue("tap.receipts", receipts_exchange, routing_key="#", durable=True),
            "alert": Queue("tap.alerts", alerts_exchange, routing_key="#", durable=True),
            "event": Queue("tap.events", payroll_events, routing_key=CONDITIONS_CLEARED, durable=True)}
    with Connection(config["AMQP_URI"]) as connection:
        for queue in taps.values():
            queue(connection.channel()).declare()
        readers = {name: connection.SimpleQueue(queue) for name, queue in taps.items()}
        county.publish(message("project.upsert", project(start_date="2026-08-01")))
        with ServiceRpcProxy("payroll", config) as payroll_rpc:
            # the project must be stored before the sweep: wait for its receipt
            assert readers["receipt"].get(timeout=30).properties["delivery_mode"] == 2
            payroll_rpc.sweep("2026-11-20")
        county.publish(message("payroll.paid", payroll("2026-09")))
        for name, reader in readers.items():
            received = reader.get(timeout=30)
            assert received.properties["delivery_mode"] == 2, name
        for exchange in (receipts_exchange, alerts_exchange, payroll_events):
            exchange(connection.channel()).declare(passive=True)
            assert exchange.durable


def test_a_receipt_sent_before_the_county_first_reads_waits_in_its_receipts_queue(platform, county, config, listen):
    """Nothing of the county's is bound when it publishes: `wagewatch up` has declared its
    receipts queue as deployment does, so the receipt waits there until the county reads."""
    platform_tap = listen("receipts", "#")      # the platform's view: when the receipt went out
    sent = message("project.upsert", project())
    county.publish(sent)
    assert platform_tap.wait_for(1)
    with Connection(config["AMQP_URI"]) as connection:
        queue = receipts_queue(COUNTY)(connection.channel())
        queue.queue_declare(passive=True)        # as a county's user does: it may declare nothing
        receipt = queue.get(accept=["json"])
        assert (receipt.payload["message_id"], receipt.payload["status"]) == (sent["message_id"], "accepted")
