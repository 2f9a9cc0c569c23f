"""RabbitMQ definitions for the public topology and who may use it, generated from
``topology.py`` and ``access.py``.

``deploy/rabbitmq/definitions.json`` is generated from this (with the platform's internal
event queues added by ``wagewatch.definitions``; ``make definitions``), and a test keeps it
current. Loading it at deployment declares the durable ingress queue, every county's
receipts queue and every desk's alerts queue before any service runs, so counties'
messages wait even while the platform is down. It names users in its permissions but
holds no user and no password: ``wagewatch broker setup`` creates missing users without
touching existing passwords (a definitions import would reset them).
"""
from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

from shared.contract.access import Scope
from shared.contract.topology import PUBLIC_EXCHANGES, ingress_queue, parked_exchange, parked_queue


def exchange_definition(exchange: Exchange, vhost: str) -> dict[str, Any]:
    return {"name": exchange.name, "vhost": vhost, "type": exchange.type, "durable": exchange.durable,
            "auto_delete": exchange.auto_delete, "internal": False, "arguments": {}}


def queue_definition(queue: Queue, vhost: str) -> dict[str, Any]:
    return {"name": queue.name, "vhost": vhost, "durable": queue.durable, "auto_delete": queue.auto_delete,
            "arguments": dict(queue.queue_arguments or {})}  # type: ignore[attr-defined]  # kombu sets it from Queue.attrs


def binding_definition(queue: Queue, vhost: str) -> dict[str, Any]:
    return {"source": queue.exchange.name, "vhost": vhost, "destination": queue.name,
            "destination_type": "queue", "routing_key": queue.routing_key, "arguments": {}}


def definitions(vhost: str = "/", scope: Scope | None = None, prefix: str = "") -> dict[str, Any]:
    """The public topology in ``vhost``; with a ``scope``, also its counties' and desks'
    queues and everyone's permissions (user names prefixed by ``prefix``, for tests)."""
    queues = [ingress_queue, parked_queue, *(scope.queues() if scope else ())]
    result = {
        "exchanges": [exchange_definition(e, vhost) for e in (*PUBLIC_EXCHANGES, parked_exchange)],
        "queues": [queue_definition(q, vhost) for q in queues],
        "bindings": [binding_definition(q, vhost) for q in queues],
    }
    if scope is not None:
        grants = scope.grants(prefix)
        result["vhosts"] = [{"name": vhost}]
        result["permissions"] = [g.permission(vhost) for g in grants]
        result["topic_permissions"] = [t for g in grants for t in g.topic_permissions(vhost)]
    return result


def users(document: dict[str, Any]) -> list[str]:
    """The users a definitions document grants permissions to (they must exist first)."""
    return sorted({p["user"] for p in document.get("permissions", ())})
