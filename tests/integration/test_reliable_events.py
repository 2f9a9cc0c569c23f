"""A failing internal event is retried a bounded number of times, then parked with its
error, and the events behind it keep flowing."""
from __future__ import annotations

import json

import pytest
from kombu import Connection
from nameko.standalone.events import event_dispatcher

from shared.internal import event_queue_name, parked_events_queue
from shared.nameko.events import reliable_event_handler
from tests.streams import wait_until

pytestmark = pytest.mark.faults


class Ledger:
    """What the handler below saw, by event id (a class attribute: workers are short-lived)."""
    attempts: dict[str, int] = {}
    done: list[str] = []


class LedgerService:
    name = "ledger"

    @reliable_event_handler("accounts", "entry_posted", max_attempts=3)
    def handle_accounts_entry_posted(self, body):
        Ledger.attempts[body["id"]] = Ledger.attempts.get(body["id"], 0) + 1
        if body.get("poison"):
            raise RuntimeError(f"cannot post entry {body['id']}")
        Ledger.done.append(body["id"])


@pytest.fixture
def ledger(container_factory, config):
    Ledger.attempts, Ledger.done = {}, []
    container = container_factory(LedgerService, config)
    container.start()
    return container


def parked(config) -> list:
    with Connection(config["AMQP_URI"]) as connection:
        queue = connection.SimpleQueue(parked_events_queue)
        messages = []
        while True:
            try:
                message = queue.get(timeout=0.5)
            except queue.Empty:
                return messages
            messages.append(message)
            message.ack()


def test_a_poison_event_is_retried_then_parked_with_its_error_and_the_queue_keeps_flowing(ledger, config):
    dispatch = event_dispatcher(config)
    dispatch("accounts", "entry_posted", {"id": "e1"})
    dispatch("accounts", "entry_posted", {"id": "poison", "poison": True})
    for i in range(2, 6):
        dispatch("accounts", "entry_posted", {"id": f"e{i}"})

    assert wait_until(lambda: len(Ledger.done) == 5, timeout=30)
    assert wait_until(lambda: Ledger.attempts.get("poison") == 3, timeout=30)
    parked_messages = []
    assert wait_until(lambda: parked_messages.extend(parked(config)) or parked_messages, timeout=30)
    [message] = parked_messages
    assert json.loads(message.body) == {"id": "poison", "poison": True}
    headers = message.headers
    assert headers["x-wagewatch-error"] == "RuntimeError: cannot post entry poison"
    assert (headers["x-wagewatch-service"], headers["x-wagewatch-handler"], headers["x-wagewatch-attempts"]) == \
        ("ledger", "handle_accounts_entry_posted", 3)
    assert sorted(Ledger.done) == ["e1", "e2", "e3", "e4", "e5"] and Ledger.attempts["poison"] == 3
    with Connection(config["AMQP_URI"]) as connection:
        name = event_queue_name("accounts", "entry_posted", "ledger", "handle_accounts_entry_posted")
        _name, waiting, _consumers = connection.channel().queue_declare(name, passive=True)
    assert waiting == 0


def test_an_event_published_before_its_handler_ever_ran_waits_for_it(config, container_factory, rabbit_manager,
                                                                     rabbit_config):
    from wagewatch.definitions import definitions

    Ledger.attempts, Ledger.done = {}, []
    rabbit_manager._post("definitions", rabbit_config["vhost"],
                         json=definitions(rabbit_config["vhost"], services=[LedgerService]))
    event_dispatcher(config)("accounts", "entry_posted", {"id": "early"})
    container = container_factory(LedgerService, config)
    container.start()
    assert wait_until(lambda: Ledger.done == ["early"], timeout=30)
