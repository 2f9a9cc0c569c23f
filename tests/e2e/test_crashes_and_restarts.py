"""Nothing is lost and nothing is applied twice when a service dies mid-stream or the
broker restarts under the platform.

Each test prints its figures (messages sent, effects stored, receipts, duplicates, lost);
``make faults`` runs just these with the figures shown.
"""
from __future__ import annotations

import time

import eventlet
import pytest

from shared.contract.client import CountyClient, receipts_listener
from tests.conftest import TEST_PII_KEY
from tests.factories import COUNTY
from tests.streams import DurableReceipts, Effects, Stream, receipt_tally, wait_until
from wagewatch import platform as wagewatch_platform
from wagewatch.config import load_config

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


def report(name: str, figures: dict) -> None:
    print(f"\n[{name}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def publish_all(client: CountyClient, stream: Stream) -> None:
    for env in stream.messages:
        client.publish(env)


@pytest.mark.parametrize("victim", ["ingress", "payroll", "projects"])
def test_a_service_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
        victim, config, runner_factory, container_factory):
    stream = Stream(projects=6, months=10)
    runner = wagewatch_platform.start(config, runner_factory(config))
    containers = {c.service_name: c for c in runner.containers}
    receipts = receipts_listener(config["AMQP_URI"], COUNTY)
    county = CountyClient(config["AMQP_URI"])
    started = time.monotonic()
    publish_all(county, stream)

    # Kill it once the stream is flowing and while it is in the middle of a message.
    busy = lambda: containers[victim]._worker_threads  # noqa: E731 - nameko's running workers
    assert wait_until(lambda: len(receipts.drain(0.05)) >= 12 and busy(), timeout=60, interval=0.01), \
        "the platform never got going"
    answered_before_kill, in_flight = len(receipts.messages), len(busy())
    containers[victim].kill()          # its in-flight work dies with it; the store lives on
    replacement = container_factory(containers[victim].service_cls, config)
    replacement.start()

    wait_until(lambda: len({r["body"]["message_id"] for r in receipts.drain(0.1)}) >= len(stream.messages),
               timeout=120)
    tally = receipt_tally([r["body"] for r in receipts.drain(1.0)], stream)
    effects = Effects.of(config["MONGO_URI"], stream).check(stream)
    county.close()
    receipts.close()
    report(f"kill {victim}", {"sent": len(stream.messages), "answered_before_kill": answered_before_kill,
                              "workers_killed": in_flight,
                              **effects, "receipts": tally["receipts"], "repeated_receipts": tally["repeated"],
                              "seconds": round(time.monotonic() - started, 1)})
    assert tally["unanswered"] == [] and tally["first_not_accepted"] == {}
    assert (effects["lost"], effects["duplicated"], effects["receipts_unsent"]) == (0, 0, 0)


@pytest.mark.timeout(420)
def test_a_broker_restart_mid_stream_loses_nothing(private_broker, mongo_uri, runner_factory):
    """stop_app/start_app on a RabbitMQ node of the test's own, while messages flow."""
    config = load_config(AMQP_URI=private_broker.amqp_uri, MONGO_URI=mongo_uri,
                         PII_HASH_KEY=TEST_PII_KEY, DAILY_SWEEP=False)
    stream = Stream(projects=8, months=10)
    before, during = stream.messages[:44], stream.messages[44:]
    receipts = DurableReceipts(config["AMQP_URI"], COUNTY)
    wagewatch_platform.start(config, runner_factory(config))
    county = CountyClient(config["AMQP_URI"])
    started = time.monotonic()
    for env in before:
        county.publish(env)
    assert wait_until(lambda: len(receipts.bodies) >= 10, timeout=60), "the platform never got going"

    # Publishing goes on through the outage (the county's client retries until the broker
    # confirms), while the platform is cut off in the middle of its work.
    publisher = eventlet.spawn(lambda: [county.publish(env) for env in during])
    eventlet.sleep(0.2)
    answered_before = len(receipts.bodies)
    outage_started = time.monotonic()
    private_broker.stop_app()
    eventlet.sleep(3)
    private_broker.start_app()
    outage = time.monotonic() - outage_started
    publisher.wait()

    wait_until(lambda: len({r["message_id"] for r in receipts.bodies}) >= len(stream.messages), timeout=180)
    eventlet.sleep(1)
    receipts.close()
    county.close()
    tally = receipt_tally(receipts.bodies, stream)
    effects = Effects.of(mongo_uri, stream).check(stream)
    depths = private_broker.queue_depths()
    report("broker restart", {"sent": len(stream.messages), "answered_before_outage": answered_before,
                              "outage_seconds": round(outage, 1), **effects, "receipts": tally["receipts"],
                              "repeated_receipts": tally["repeated"], "statuses": dict(tally["statuses"]),
                              "reader_reconnects": receipts.reconnects,
                              "seconds": round(time.monotonic() - started, 1)})
    assert tally["unanswered"] == []
    # A publish whose confirm the outage swallowed is sent again by the county's client:
    # that second copy is answered "duplicate", never applied twice.
    assert set(tally["statuses"]) <= {"accepted", "duplicate"}
    assert (effects["lost"], effects["duplicated"], effects["receipts_unsent"]) == (0, 0, 0)
    assert depths.get("wagewatch.ingress") == 0 and depths.get("wagewatch.ingress.parked") == 0
