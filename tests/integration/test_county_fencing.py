"""Counties are fenced on the broker: a county's user publishes only as itself and reads
only its own receipts; a desk's user reads only its own alerts. The users are created on
the shared broker by ``wagewatch broker setup``, in this test's own vhost, with names
unique to the test run, and deleted afterwards."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import uuid
from urllib.parse import urlparse

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Producer

from shared.contract.access import Scope, county_user, desk_user
from shared.contract.definitions import users
from shared.contract.topology import INGRESS_QUEUE_NAME, alerts_exchange, ingress_exchange
from tests.e2e.test_command_line import WAGEWATCH, read_line
from tests.factories import COUNTY, OTHER_COUNTY, message, project
from wagewatch.broker import ManagementApi, set_password, setup
from wagewatch.definitions import definitions

pytestmark = pytest.mark.faults


@pytest.fixture
def fenced(request, rabbit_config):
    """Counties 430102 and 430121 and their water desks, set up as deployment does."""
    api_uri = urlparse(request.config.getoption("RABBIT_API_URI"))
    api = ManagementApi(f"{api_uri.scheme}://{api_uri.hostname}:{api_uri.port}/api",
                        api_uri.username, api_uri.password)
    vhost, prefix = rabbit_config["vhost"], f"t{uuid.uuid4().hex[:8]}-"
    document = definitions(vhost, scope=Scope.of([COUNTY, OTHER_COUNTY], ["water"]), prefix=prefix)
    created = setup(api, document)["users_created"]
    passwords = {user: secrets.token_urlsafe(16) for user in created}
    try:
        for user, password in passwords.items():
            set_password(api, user, password)
        amqp = urlparse(rabbit_config["AMQP_URI"])

        def connect(user):
            return Connection(f"amqp://{user}:{passwords[user]}@{amqp.hostname}:{amqp.port}/{vhost}",
                              transport_options={"confirm_publish": True})

        yield {"connect": connect, "prefix": prefix, "created": created, "document": document,
               "admin": Connection(rabbit_config["AMQP_URI"])}
    finally:
        for user in created:
            api.call("DELETE", f"users/{api.quote(user)}")


def publish(connection, county, routing_county):
    env = message("project.upsert", project(division=county), county=county)
    Producer(connection.channel()).publish(
        json.dumps(env).encode(), exchange=ingress_exchange, routing_key=f"county.{routing_county}.project.upsert",
        content_type="application/json", delivery_mode=2)


def waiting(admin, queue) -> int:
    return admin.channel().queue_declare(queue, passive=True)[1]


def test_setup_creates_every_user_it_grants_to_and_none_else(fenced):
    assert sorted(fenced["created"]) == users(fenced["document"])
    assert county_user(COUNTY, fenced["prefix"]) in fenced["created"]


def test_a_county_publishes_as_itself_but_never_as_another_county(fenced):
    with fenced["connect"](county_user(COUNTY, fenced["prefix"])) as county_a:
        publish(county_a, COUNTY, COUNTY)
        with pytest.raises(AccessRefused, match="county.430121.project.upsert"):
            publish(county_a, COUNTY, OTHER_COUNTY)
    with fenced["connect"](county_user(COUNTY, fenced["prefix"])) as county_a:
        with pytest.raises(AccessRefused):
            Producer(county_a.channel()).publish(b"{}", exchange=alerts_exchange, routing_key="alert.water.430102.red")
    assert waiting(fenced["admin"], INGRESS_QUEUE_NAME) == 1


def test_a_county_reads_its_own_receipts_but_not_another_countys(fenced):
    with fenced["connect"](county_user(COUNTY, fenced["prefix"])) as county_a:
        county_a.channel().basic_get(f"wagewatch.receipts.{COUNTY}")        # allowed: nothing there yet
        with pytest.raises(AccessRefused, match=f"wagewatch.receipts.{OTHER_COUNTY}"):
            county_a.channel().basic_get(f"wagewatch.receipts.{OTHER_COUNTY}")


def test_a_county_reads_its_receipts_from_the_queue_deployment_bound_for_it(fenced):
    mine = f"wagewatch.receipts.{COUNTY}"
    with fenced["connect"](county_user(COUNTY, fenced["prefix"])) as county_a:
        channel = county_a.channel()
        channel.queue_declare(mine, passive=True)              # a passive declare only checks it is there
        Producer(fenced["admin"].channel()).publish(b'{"status": "accepted"}', exchange="wagewatch.receipts",
                                                    routing_key=f"county.{COUNTY}")
        assert wait_for_message(channel, mine) == b'{"status": "accepted"}'


@pytest.mark.parametrize("trespass", [
    lambda ch: ch.queue_bind(f"wagewatch.receipts.{COUNTY}", "wagewatch.receipts", f"county.{OTHER_COUNTY}"),
    lambda ch: ch.queue_bind(f"wagewatch.receipts.{COUNTY}", "wagewatch.receipts", "county.*"),
    lambda ch: ch.queue_declare(f"wagewatch.receipts.{OTHER_COUNTY}.mine", auto_delete=True),
    lambda ch: ch.queue_declare(f"wagewatch.receipts.{COUNTY}.mine", auto_delete=True),
    lambda ch: ch.queue_delete(f"wagewatch.receipts.{COUNTY}"),
    lambda ch: ch.queue_declare("snoop", auto_delete=True),
    lambda ch: ch.queue_bind(f"wagewatch.receipts.{COUNTY}", "wagewatch.alerts", "#"),
    lambda ch: ch.exchange_delete("wagewatch.ingress"),
    lambda ch: ch.exchange_declare("wagewatch.receipts", "topic", durable=True, auto_delete=False),
], ids=["bind-other-county", "bind-wildcard", "declare-other-countys-queue", "declare-own-queue",
        "delete-own-queue", "declare-elsewhere",
        "bind-to-alerts", "delete-exchange", "declare-exchange"])
def test_a_county_cannot_reach_beyond_its_own_receipts(fenced, trespass):
    with fenced["connect"](county_user(COUNTY, fenced["prefix"])) as county_a:
        with pytest.raises(AccessRefused):
            trespass(county_a.channel())


def wait_for_message(channel, queue, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = channel.basic_get(queue, no_ack=True)
        if message is not None:
            return message.body
        time.sleep(0.1)
    return None


def test_a_desk_reads_only_its_own_alerts(fenced):
    user = desk_user("water", COUNTY, fenced["prefix"])
    with fenced["connect"](user) as desk:
        desk.channel().basic_get(f"wagewatch.desk.water.{COUNTY}")
        with pytest.raises(AccessRefused):
            desk.channel().basic_get(f"wagewatch.desk.water.{OTHER_COUNTY}")
    with fenced["connect"](user) as desk:
        with pytest.raises(AccessRefused):
            desk.channel().basic_get(f"wagewatch.receipts.{COUNTY}")
    with fenced["connect"](user) as desk:     # its own queue, bound as the contract shows
        channel = desk.channel()
        channel.queue_declare(f"wagewatch.desk.water.{COUNTY}.tail", auto_delete=True)
        channel.queue_bind(f"wagewatch.desk.water.{COUNTY}.tail", "wagewatch.alerts", f"alert.water.{COUNTY}.*")
        with pytest.raises(AccessRefused):
            channel.queue_bind(f"wagewatch.desk.water.{COUNTY}.tail", "wagewatch.alerts", f"alert.water.{OTHER_COUNTY}.*")


def test_a_desk_binds_its_own_grouped_notifications_and_no_other_desks(fenced):
    mine = f"wagewatch.desk.water.{COUNTY}.notifications"
    with fenced["connect"](desk_user("water", COUNTY, fenced["prefix"])) as desk:
        channel = desk.channel()
        channel.queue_declare(mine, durable=True, auto_delete=False)
        channel.queue_bind(mine, "wagewatch.notifications", f"notify.water.{COUNTY}.*")
        Producer(fenced["admin"].channel()).publish(b'{"reason": "new"}', exchange="wagewatch.notifications",
                                                    routing_key=f"notify.water.{COUNTY}.red")
        assert wait_for_message(channel, mine) == b'{"reason": "new"}'
        with pytest.raises(AccessRefused):
            channel.queue_bind(mine, "wagewatch.notifications", f"notify.water.{OTHER_COUNTY}.*")


# Ways a county could get a message into the ingress under another county's key without
# publishing it there itself: each needs only the write on wagewatch.ingress that
# publishing needs, and none is checked against topic permissions.
AS_OTHER_COUNTY = f"county.{OTHER_COUNTY}.project.upsert"
RELAYS = {
    "dead-lettered receipts": lambda ch, own: (
        ch.queue_declare(f"{own}.relay", arguments={
            "x-message-ttl": 0, "x-dead-letter-exchange": "wagewatch.ingress",
            "x-dead-letter-routing-key": AS_OTHER_COUNTY}),
        ch.queue_bind(f"{own}.relay", "wagewatch.receipts", f"county.{COUNTY}")),
    "alternate exchange": lambda ch, own: (
        ch.exchange_declare(f"{own}.relay", "direct", arguments={"alternate-exchange": "wagewatch.ingress"}),
        Producer(ch).publish(b"{}", exchange=f"{own}.relay", routing_key=AS_OTHER_COUNTY)),
    "receipts bound into the ingress": lambda ch, own: (
        ch.exchange_bind("wagewatch.ingress", "wagewatch.receipts", f"county.{COUNTY}"),),
    "own exchange bound into the ingress": lambda ch, own: (
        ch.exchange_declare(f"{own}.relay", "topic"),
        ch.exchange_bind("wagewatch.ingress", f"{own}.relay", "#"),
        Producer(ch).publish(b"{}", exchange=f"{own}.relay", routing_key=AS_OTHER_COUNTY)),
}


@pytest.mark.parametrize("relay", RELAYS)
def test_a_county_cannot_relay_anything_into_the_ingress_as_another_county(fenced, relay):
    with fenced["connect"](county_user(COUNTY, fenced["prefix"])) as county_a:
        with pytest.raises(AccessRefused):
            RELAYS[relay](county_a.channel(), f"wagewatch.receipts.{COUNTY}")
    Producer(fenced["admin"].channel()).publish(b'{"status": "rejected"}', exchange="wagewatch.receipts",
                                                routing_key=f"county.{COUNTY}")
    assert wait_for_message(fenced["admin"].channel(), INGRESS_QUEUE_NAME, timeout=2.0) is None
    assert waiting(fenced["admin"], f"wagewatch.receipts.{COUNTY}") == 1, "the receipt still reached its queue"


def test_the_county_client_publishes_with_a_county_user_when_it_does_not_declare(fenced):
    from shared.contract.client import CountyClient

    user = county_user(COUNTY, fenced["prefix"])
    client = CountyClient(fenced["connect"](user).as_uri(include_password=True), declare=False)
    client.send(COUNTY, "project.upsert", project())
    client.close()
    assert waiting(fenced["admin"], INGRESS_QUEUE_NAME) == 1


def test_setup_again_keeps_the_passwords_already_set(fenced, request, rabbit_config):
    api_uri = urlparse(request.config.getoption("RABBIT_API_URI"))
    api = ManagementApi(f"{api_uri.scheme}://{api_uri.hostname}:{api_uri.port}/api",
                        api_uri.username, api_uri.password)
    assert setup(api, fenced["document"])["users_created"] == []
    with fenced["connect"](county_user(COUNTY, fenced["prefix"])) as county_a:
        publish(county_a, COUNTY, COUNTY)


def tail_as(fenced, user, *args):
    """`wagewatch alerts tail` as an operator runs it, with that broker user's credentials."""
    uri = fenced["connect"](user).as_uri(include_password=True)
    return subprocess.Popen([WAGEWATCH, "alerts", "tail", *args], env={**os.environ, "AMQP_URI": uri},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def alert_for(division, severity="red"):
    return {"alert_id": "a1", "fingerprint": f"PAYROLL_MISSING:{division}-W1:2026-10", "type": "PAYROLL_MISSING",
            "severity": severity, "status": "firing", "department": "water", "division": division,
            "level": "county", "project_code": f"{division}-W1", "month": "2026-10", "summary": "缺 10 月工资表",
            "details": {}, "raised_at": "2026-11-16T09:00:00+08:00"}


def publish_as_platform(fenced, exchange, routing_key, body):
    Producer(fenced["admin"].channel()).publish(body, exchange=exchange, routing_key=routing_key, serializer="json")


@pytest.mark.parametrize("args", [(), ("--department", "water", "--division", COUNTY)], ids=["own-desk", "named"])
def test_a_desk_tails_its_own_alerts_with_its_own_credentials(fenced, args):
    tail = tail_as(fenced, desk_user("water", COUNTY, fenced["prefix"]), *args)
    try:
        assert read_line(tail, 30).startswith(f"watching alerts (water, {COUNTY}"), tail.stderr.read()
        publish_as_platform(fenced, "wagewatch.alerts", f"alert.water.{OTHER_COUNTY}.red", alert_for(OTHER_COUNTY))
        publish_as_platform(fenced, "wagewatch.alerts", f"alert.water.{COUNTY}.red", alert_for(COUNTY))
        line = read_line(tail, 30)
        assert "RED" in line and f"water@{COUNTY}" in line and f"{COUNTY}-W1" in line
    finally:
        tail.send_signal(signal.SIGINT)
        assert tail.wait(10) == 0


def test_a_desk_tails_its_own_grouped_notifications(fenced):
    tail = tail_as(fenced, desk_user("water", COUNTY, fenced["prefix"]), "--notifications")
    note = {"desk": {"department": "water", "division": COUNTY, "level": "county"},
            "group": {"project_code": f"{COUNTY}-W1"}, "reason": "new", "colour": "red",
            "sent_at": "2026-11-16T09:00:01+08:00", "firing": [alert_for(COUNTY)], "resolved": [], "suppressed": []}
    try:
        assert read_line(tail, 30).startswith(f"watching notifications (water, {COUNTY}"), tail.stderr.read()
        publish_as_platform(fenced, "wagewatch.notifications", f"notify.water.{COUNTY}.red", note)
        assert f"water@{COUNTY} project_code={COUNTY}-W1: 1 firing" in read_line(tail, 30)
    finally:
        tail.send_signal(signal.SIGINT)
        assert tail.wait(10) == 0


@pytest.mark.parametrize("args", [("--division", OTHER_COUNTY), ("--department", "hrss"), ("--notifications",
                                                                                          "--division", "430100")])
def test_a_desk_tailing_beyond_its_desk_is_told_plainly_without_a_traceback(fenced, args):
    tail = tail_as(fenced, desk_user("water", COUNTY, fenced["prefix"]), *args)
    out, err = tail.communicate(timeout=60)
    assert tail.returncode == 2 and out == ""
    assert "the broker refused this" in err and "may watch only its own desk" in err and "Traceback" not in err


def test_a_wrong_password_is_said_plainly_too(fenced):
    uri = fenced["connect"](desk_user("water", COUNTY, fenced["prefix"])).as_uri(include_password=True)
    user, _, rest = uri.partition("@")
    tail = subprocess.Popen([WAGEWATCH, "alerts", "tail"], env={**os.environ, "AMQP_URI": f"{user}x@{rest}"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = tail.communicate(timeout=60)
    assert tail.returncode == 2 and "Check the user and password" in err and "Traceback" not in err
