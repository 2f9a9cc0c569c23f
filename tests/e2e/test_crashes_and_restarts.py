"""Nothing is lost and nothing is applied twice when a service dies mid-stream or the
broker restarts under the platform.

Each test prints its figures (messages sent, effects stored, receipts, duplicates, lost);
``make faults`` runs just these with the figures shown.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import eventlet
import pytest
from kombu import Exchange
from nameko.extensions import DependencyProvider
from nameko.standalone.rpc import ServiceRpcProxy

from services.alerts.service import AlertsService
from services.ingress.service import IngressService
from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.client import CountyClient, Listener, receipts_listener
from shared.internal import PROJECT_REGISTERED
from shared.storage import database_for
from tests.conftest import platform_config
from tests.factories import COUNTY, message, payroll, project
from tests.streams import DurableReceipts, Effects, Stream, receipt_tally, wait_until
from wagewatch import platform as wagewatch_platform

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


def report(name: str, figures: dict) -> None:
    print(f"\n[{name}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def publish_all(client: CountyClient, stream: Stream) -> None:
    for env in stream.messages:
        client.publish(env)


@pytest.mark.parametrize("victim", ["ingress", "payroll", "projects"])
def test_a_service_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
        victim, config, runner_factory, container_factory):
    stream = Stream(projects=8, months=12)
    runner = wagewatch_platform.start(config, runner_factory(config))
    containers = {c.service_name: c for c in runner.containers}
    receipts = receipts_listener(config["AMQP_URI"], COUNTY)
    county = CountyClient(config["AMQP_URI"])
    started = time.monotonic()
    publish_all(county, stream)

    # Kill it once the stream is flowing and while it is in the middle of a message.
    busy = lambda: containers[victim]._worker_threads  # noqa: E731 - nameko's running workers
    assert wait_until(lambda: len(receipts.drain(0.05)) >= 12, timeout=60), "the platform never got going"
    assert wait_until(busy, timeout=60, interval=0), f"{victim} never had a worker in flight"
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
    """stop_app/start_app on a RabbitMQ node of the test's own, while messages flow.

    It used to stall in about half of the runs: an RPC reply that reached the ingress as
    the broker went away killed the ingress (nameko's reply listener let the socket's
    ConnectionResetError out of its acknowledgement), and the messages behind it waited in
    the queue. ResilientContainer keeps such a service alive now, and the reply comes again
    (tests/integration/test_reply_lost_with_the_broker.py)."""
    config = platform_config(private_broker.amqp_uri, mongo_uri)
    stream = Stream(projects=8, months=10)
    before, during = stream.messages[:44], stream.messages[44:]
    receipts = DurableReceipts(config["AMQP_URI"], COUNTY)
    runner = wagewatch_platform.start(config, runner_factory(config))
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
    # The management API's counts are sampled (every 5 s by default), and the last delivery
    # is acknowledged just after its receipt goes out: wait for the queue to read empty
    # rather than take a count from before the last acknowledgements.
    left = lambda: {q: private_broker.queue_depths().get(q) for q in ("wagewatch.ingress",  # noqa: E731
                                                                      "wagewatch.ingress.parked")}
    wait_until(lambda: set(left().values()) == {0}, timeout=30, interval=1)
    depths = left()
    died = sorted(c.service_name for c in runner.containers if c._died.ready())
    report("broker restart", {"sent": len(stream.messages), "answered_before_outage": answered_before,
                              "outage_seconds": round(outage, 1), **effects, "receipts": tally["receipts"],
                              "repeated_receipts": tally["repeated"], "statuses": dict(tally["statuses"]),
                              "reader_reconnects": receipts.reconnects, "services_died": died,
                              "seconds": round(time.monotonic() - started, 1)})
    assert died == []            # every service rode out the outage (none had to be restarted)
    assert tally["unanswered"] == []
    # A publish whose confirm the outage swallowed is sent again by the county's client:
    # that second copy is answered "duplicate", never applied twice.
    assert set(tally["statuses"]) <= {"accepted", "duplicate"}
    assert (effects["lost"], effects["duplicated"], effects["receipts_unsent"]) == (0, 0, 0)
    assert depths == {"wagewatch.ingress": 0, "wagewatch.ingress.parked": 0}


class DiesOnFirstUse(DependencyProvider):
    """Stands in for a publisher: the first worker that uses it takes its whole service
    down with it, after the worker has stored its effects and before anything is published."""

    def get_dependency(self, worker_ctx):
        def publish(*args, **kwargs):
            eventlet.spawn(self.container.kill)
            eventlet.sleep(60)   # killed with the container long before this ends
        return publish


class PayrollDiesBeforePublishing(PayrollService):
    dispatch = DiesOnFirstUse()


class ProjectsDieBeforePublishing(ProjectsService):
    dispatch = DiesOnFirstUse()


class IngressDiesBeforePublishing(IngressService):
    publish_receipt = DiesOnFirstUse()


def stored_before_publishing(mongo_uri: str, service: str) -> bool:
    if service == "payroll":
        return database_for(mongo_uri, "payroll")["payroll_months"].count_documents({}) == 1
    if service == "projects":
        return database_for(mongo_uri, "projects")["projects"].count_documents({}) == 1
    return database_for(mongo_uri, "ingress")["messages"].count_documents({"receipt_sent": False}) == 1


@pytest.mark.parametrize("dying", [PayrollDiesBeforePublishing, ProjectsDieBeforePublishing,
                                   IngressDiesBeforePublishing], ids=["payroll", "projects", "ingress"])
def test_a_service_that_stores_and_dies_before_publishing_loses_nothing(dying, config, container_factory, listen):
    """The message that made it store is still unacknowledged: once the service is back it
    is redelivered, the idempotent write changes nothing, and the event and the receipt
    go out as they would have."""
    classes = {c.name: c for c in (ProjectsService, PayrollService, AlertsService, IngressService)}
    classes[dying.name] = dying
    started = {name: container_factory(cls, config) for name, cls in classes.items()}
    for container in started.values():
        container.start()
    receipts, desk = listen("receipts", COUNTY), listen("alerts", department="water", division=COUNTY)
    events = Listener(config["AMQP_URI"], Exchange("projects.events", type="topic"), [PROJECT_REGISTERED])
    county = CountyClient(config["AMQP_URI"])
    if dying.name == "payroll":   # an alert that the payroll must clear
        county.publish(message("project.upsert", project(start_date="2026-08-01"), message_id="p-1"))
        assert [r["body"]["status"] for r in receipts.wait_for(1)] == ["accepted"]
        with ServiceRpcProxy("payroll", config) as payroll_rpc:
            payroll_rpc.sweep("2026-11-20")        # PAYROLL_MISSING for 08, 09 and 10
        assert len(desk.wait_for(3)) == 3
        receipts.messages.clear()
        desk.messages.clear()
    last = (message("payroll.paid", payroll("2026-09"), message_id="pay-09") if dying.name == "payroll"
            else message("project.upsert", project(start_date="2026-08-01"), message_id="p-1"))
    county.publish(last)

    victim = started[dying.name]
    assert wait_until(lambda: victim._died.ready(), timeout=30), "the service never died"
    assert stored_before_publishing(config["MONGO_URI"], dying.name)
    assert receipts.drain(0.5) == []                      # nothing went out before it died
    container_factory(classes[dying.name].__bases__[0], config).start()   # the real service is back

    [receipt] = [r["body"] for r in receipts.wait_for(1)]
    assert (receipt["message_id"], receipt["status"]) == (last["message_id"], "accepted")
    if dying.name != "payroll":
        [event] = events.wait_for(1)
        assert event["body"]["project"]["version"] == 1 and "status" in event["body"]["changed"]
        assert database_for(config["MONGO_URI"], "projects")["projects"].count_documents({}) == 1
    else:
        [resolved] = [a["body"] for a in desk.wait_for(1)]
        assert (resolved["status"], resolved["month"]) == ("resolved", "2026-09")
        [sheet] = database_for(config["MONGO_URI"], "payroll")["payroll_months"].find()
        assert sheet["message_ids"] == ["pay-09"] and len(sheet["lines"]) == 2
    # One receipt; the ingress, which died after logging it, sends that same receipt again.
    assert all(r["body"] == receipt for r in receipts.drain(1.0))
    events.close()
    county.close()


def health(url: str, which: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/health/{which}", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_health_reports_live_and_ready_and_follows_the_broker_and_a_dead_service(
        private_broker, mongo_uri, runner_factory):
    from shared.nameko.health import HealthServer

    config = {**platform_config(private_broker.amqp_uri, mongo_uri), "HEALTH_ADDRESS": "127.0.0.1:0"}
    runner = wagewatch_platform.start(config, runner_factory(config))
    url = f"http://127.0.0.1:{HealthServer.serving('127.0.0.1:0').port}"
    status, body = health(url, "ready")
    assert status == 200 and sorted(body["services"]) == sorted(c.service_name for c in runner.containers)
    assert body["services"]["ingress"] == [{"live": True, "broker": True, "database": True}]

    private_broker.stop_app()
    try:
        assert wait_until(lambda: health(url, "ready")[0] == 503, timeout=30)
        status, body = health(url, "ready")
        assert {e["broker"] for entries in body["services"].values() for e in entries} == {False}
        assert health(url, "live")[0] == 200          # waiting for the broker is not a reason to restart
    finally:
        private_broker.start_app()
    assert wait_until(lambda: health(url, "ready")[0] == 200, timeout=30)

    cli = subprocess.run([str(Path(sys.executable).parent / "wagewatch"), "health", "--url", url],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    next(c for c in runner.containers if c.service_name == "payroll").kill(
        (RuntimeError, RuntimeError("a bug"), None))   # as nameko kills a container on an error
    status, body = health(url, "live")
    assert status == 503 and body["services"]["payroll"] == [{"live": False}]
    cli = subprocess.run([str(Path(sys.executable).parent / "wagewatch"), "health", "--live", "--url", url],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 1
