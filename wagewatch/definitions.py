"""``deploy/rabbitmq/definitions.json``: the public topology and access
(``shared.contract.definitions``) plus the durable queue of every reliable internal event
handler, from the topology table (``shared.topology_table``; a test keeps it true to the
service classes), so an event published before its consumer first starts waits for it
instead of vanishing. ``make definitions`` writes it; a test keeps it current.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from shared.contract.access import DEFAULT_VHOST, Scope
from shared.contract.definitions import binding_definition, exchange_definition, queue_definition
from shared.contract.definitions import definitions as contract_definitions
from shared.internal import parked_events_queue
from shared.topology_table import SERVICES, Service

if TYPE_CHECKING:
    from kombu import Queue


def event_queues(topology: Iterable[Service] = SERVICES) -> list[Queue]:
    """The queue of each ``reliable_event_handler`` in the topology table (or in the rows
    ``shared.nameko.topology.described`` reads off some service classes)."""
    from shared.nameko.events import event_queue

    return [event_queue(h.source, h.event, s.name, h.method) for s in topology for h in s.reliable()]


def definitions(vhost: str = DEFAULT_VHOST, services=None, scope: Scope | None = None, prefix: str = "") -> dict:
    """``services``: service classes to read the event queues off instead of the table (a
    test's own services)."""
    if services is not None:
        from shared.nameko.topology import described

        topology: Sequence[Service] = described(services)
    else:
        topology = SERVICES
    document = contract_definitions(vhost, scope, prefix)
    queues = [parked_events_queue, *event_queues(topology)]
    exchanges = {q.exchange.name: q.exchange for q in queues}   # each source's <name>.events
    document["exchanges"] += [exchange_definition(e, vhost) for e in exchanges.values()]
    document["queues"] += [queue_definition(q, vhost) for q in queues]
    document["bindings"] += [binding_definition(q, vhost) for q in queues]
    return document


def main() -> None:
    from wagewatch.config import load_config

    json.dump(definitions(scope=Scope.from_config(load_config())), sys.stdout, indent=2, sort_keys=True,
              ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
