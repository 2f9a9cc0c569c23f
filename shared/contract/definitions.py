"""RabbitMQ definitions for the public topology, generated from ``topology.py``.

``deploy/rabbitmq/definitions.json`` is this module's output (``make definitions``); a
test keeps it current. Loading it at deployment declares the durable ingress queue before
any service runs, so counties' messages wait even while the platform is down.
"""
from __future__ import annotations

import json
import sys

from shared.contract.topology import (
    PUBLIC_EXCHANGES, ingress_queue, parked_exchange, parked_queue,
)


def _exchange(exchange, vhost: str) -> dict:
    return {"name": exchange.name, "vhost": vhost, "type": exchange.type, "durable": exchange.durable,
            "auto_delete": exchange.auto_delete, "internal": False, "arguments": {}}


def _queue(queue, vhost: str) -> dict:
    return {"name": queue.name, "vhost": vhost, "durable": queue.durable, "auto_delete": queue.auto_delete,
            "arguments": dict(queue.queue_arguments or {})}


def _binding(queue, vhost: str) -> dict:
    return {"source": queue.exchange.name, "vhost": vhost, "destination": queue.name,
            "destination_type": "queue", "routing_key": queue.routing_key, "arguments": {}}


def definitions(vhost: str = "/") -> dict:
    queues = (ingress_queue, parked_queue)
    return {
        "exchanges": [_exchange(e, vhost) for e in (*PUBLIC_EXCHANGES, parked_exchange)],
        "queues": [_queue(q, vhost) for q in queues],
        "bindings": [_binding(q, vhost) for q in queues],
    }


if __name__ == "__main__":
    json.dump(definitions(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
