"""``deploy/rabbitmq/definitions.json``: the public topology and access
(``shared.contract.definitions``) plus the durable queue of every reliable internal event
handler, read off the service classes, so an event published before its consumer first
starts waits for it instead of vanishing. ``make definitions`` writes it; a test keeps
it current.
"""
from __future__ import annotations

import inspect
import json
import sys

from shared.contract.access import DEFAULT_VHOST, Scope
from shared.contract.definitions import (
    binding_definition, definitions as contract_definitions, exchange_definition, queue_definition,
)
from shared.internal import parked_events_exchange, parked_events_queue


def event_queues(services) -> list:
    """The queue of each ``reliable_event_handler`` of the given service classes."""
    from shared.nameko.events import ReliableEventHandler, event_queue

    queues = []
    for cls in services:
        for method, function in inspect.getmembers(cls, inspect.isfunction):
            for entrypoint in getattr(function, "nameko_entrypoints", ()):
                if isinstance(entrypoint, ReliableEventHandler):
                    queues.append(event_queue(entrypoint.source_service, entrypoint.event_type, cls.name, method))
    return queues


def definitions(vhost: str = DEFAULT_VHOST, services=None, scope: Scope | None = None, prefix: str = "") -> dict:
    if services is None:
        from wagewatch.platform import service_classes

        services = service_classes()
    document = contract_definitions(vhost, scope, prefix)
    queues = [parked_events_queue, *event_queues(services)]
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
