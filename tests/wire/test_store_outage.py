"""The store goes away under the platform: the wire-protocol server is killed (SIGKILL)
while a county publishes, then restarted on the same data.

The services run as docker-compose.yml runs them (own processes, ``nameko run``, a
``mongodb://`` URI). Nothing is restarted but the store. Prints its figures; ``make
faults`` shows them."""
from __future__ import annotations

import time

import eventlet
import pytest

from shared.contract.client import CountyClient
from tests.factories import COUNTY
from tests.streams import DurableReceipts, Effects, Stream, receipt_tally, wait_until

pytestmark = [pytest.mark.wire, pytest.mark.faults]

SERVICES = ["projects", "payroll", "alerts", "ingress"]   # what a stream of projects and payrolls reaches


class Readiness:
    """Polls each service's /health/ready; keeps when each was first seen not ready and
    when it was seen ready again."""

    def __init__(self, services: dict):
        self.services = services
        self.down_at: dict[str, float] = {}
        self.up_at: dict[str, float] = {}
        self._stopped = False
        self._thread = eventlet.spawn(self._run)

    def _run(self):
        while not self._stopped:
            for name, service in self.services.items():
                ready = service.ready()
                if not ready and name not in self.down_at:
                    self.down_at[name] = time.monotonic()
                elif ready and name in self.down_at and name not in self.up_at:
                    self.up_at[name] = time.monotonic()
            eventlet.sleep(0.25)

    def all_down(self) -> bool:
        return set(self.down_at) == set(self.services)

    def all_up_again(self) -> bool:
        return set(self.up_at) == set(self.services)

    def seconds_not_ready(self) -> dict[str, float]:
        return {name: round(self.up_at[name] - self.down_at[name], 1) for name in self.up_at}

    def stop(self):
        self._stopped = True
        self._thread.wait()


@pytest.mark.timeout(600)
def test_a_store_outage_mid_stream_loses_nothing_and_the_services_recover_by_themselves(
        compose, wire_server, rabbit_config):
    amqp_uri = rabbit_config["AMQP_URI"]
    services = compose(*SERVICES)
    assert wait_until(lambda: all(s.ready() for s in services.values()), timeout=150), \
        {name: s.health_body() for name, s in services.items()}
    pids = {name: s.process.pid for name, s in services.items()}
    stream = Stream(projects=10, months=19, workers=10)   # 200 messages, every month in the past
    receipts = DurableReceipts(amqp_uri, COUNTY)
    county = CountyClient(amqp_uri)
    started = time.monotonic()

    published = []

    def publish():                  # at a county's pace, so that it goes on through the outage
        for env in stream.messages:
            county.publish(env)
            published.append(env["message_id"])
            eventlet.sleep(0.05)

    publisher = eventlet.spawn(publish)
    assert wait_until(lambda: len(receipts.bodies) >= 20, timeout=120), "the platform never got going"

    answered_before = len(receipts.bodies)
    wire_server.kill()
    killed_at, published_before_kill = time.monotonic(), len(published)
    readiness = Readiness(services)
    all_down = wait_until(readiness.all_down, timeout=60)
    eventlet.sleep(3)               # the outage goes on while the county keeps publishing
    wire_server.start()             # same port, same data
    outage = time.monotonic() - killed_at
    published_during_outage = len(published) - published_before_kill
    recovered = wait_until(readiness.all_up_again, timeout=180)
    readiness.stop()
    publisher.wait()
    wait_until(lambda: len({r["message_id"] for r in receipts.bodies}) >= len(stream.messages), timeout=300)
    eventlet.sleep(2)               # a late second receipt would show here
    receipts.close()
    county.close()

    tally = receipt_tally(receipts.bodies, stream)
    effects = Effects.of(wire_server.uri, stream).check(stream)
    not_ready = readiness.seconds_not_ready()
    print(f"\n[store outage] sent={len(stream.messages)}, receipts={tally['receipts']}, "
          f"lost={effects['lost']}, duplicated={effects['duplicated']}, repeated_receipts={tally['repeated']}, "
          f"answered_before_kill={answered_before}, published_during_outage={published_during_outage}, "
          f"outage_seconds={outage:.1f}, "
          f"seconds_not_ready={not_ready}, statuses={dict(tally['statuses'])}, "
          f"seconds={time.monotonic() - started:.1f}")
    assert published_during_outage > 0, "the county had finished before the store went away"
    assert all_down, f"not every service reported not-ready during the outage: {readiness.down_at}"
    assert recovered, f"not ready again: {set(services) - set(readiness.up_at)}"
    assert {name: s.process.pid for name, s in services.items()} == pids, "a service was restarted"
    assert tally["unanswered"] == [] and tally["repeated"] == 0
    assert dict(tally["statuses"]) == {"accepted": len(stream.messages)}
    assert (effects["lost"], effects["duplicated"], effects["receipts_unsent"]) == (0, 0, 0)
