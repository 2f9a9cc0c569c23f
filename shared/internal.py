"""Service-to-service messages: event names and the shapes they carry.

Not part of the public contract (that is ``shared.contract``), but written down once here
so producers and consumers cannot drift apart. Readers are tolerant (unknown fields are
ignored) so a producer can add a field without breaking its consumers.
"""
from __future__ import annotations

from kombu import Exchange, Queue
from marshmallow import EXCLUDE, Schema, fields, validate

from shared.contract.alerts import LEVELS

# Events (past tense), dispatched with nameko's EventDispatcher.
PROJECT_REGISTERED = "project_registered"
PROJECT_CHANGED = "project_changed"
PAYROLL_RECORDED = "payroll_recorded"
CONDITIONS_CLEARED = "conditions_cleared"

# Services that run monitoring rules: each exposes ``sweep(as_of)`` over RPC.
MONITORS = ("payroll",)

# Internal events whose handler keeps failing are parked here with their error, for an
# operator to look at (``shared.nameko.events.reliable_event_handler``). The broker also
# dead-letters here a message that crashes its service on every delivery.
PARKED_EVENTS_NAME = "wagewatch.events.parked"
EVENT_DELIVERY_LIMIT = 20   # deliveries, the broker's backstop; handlers give up after 5
parked_events_exchange = Exchange(PARKED_EVENTS_NAME, type="fanout", durable=True, auto_delete=False)
parked_events_queue = Queue(PARKED_EVENTS_NAME, exchange=parked_events_exchange, routing_key="",
                            durable=True, auto_delete=False)


def event_queue_name(source: str, event_type: str, service: str, method: str) -> str:
    """The durable queue a service's handler of an event reads (one per service and handler)."""
    return f"wagewatch.events.{source}.{event_type}.{service}.{method}"


EVENT_QUEUE_ARGUMENTS = {
    "x-queue-type": "quorum",                       # counts deliveries (x-delivery-count)
    "x-delivery-limit": EVENT_DELIVERY_LIMIT,
    "x-dead-letter-exchange": PARKED_EVENTS_NAME,
}


class TolerantSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class ProjectFactsSchema(TolerantSchema):
    """What other services need to know of a project (from the projects service)."""

    project_code = fields.String(required=True)
    name = fields.String(required=True)
    division = fields.String(required=True)
    sector = fields.String(required=True)
    funding = fields.String(required=True)
    status = fields.String(required=True)
    contract_amount = fields.Decimal(required=True)
    start_date = fields.Date(required=True)
    planned_end_date = fields.Date(required=True)
    actual_end_date = fields.Date(allow_none=True)
    pay_day = fields.Integer(required=True)
    version = fields.Integer(required=True)


class ProjectEventSchema(TolerantSchema):
    """Body of ``project_registered`` and ``project_changed``."""

    project = fields.Nested(ProjectFactsSchema, required=True)
    changed = fields.List(fields.String(), required=True)


class ConditionSchema(TolerantSchema):
    """A monitoring rule's finding: something the law requires is missing as of a date.

    The alerts service turns conditions into alerts: one open alert per fingerprint.
    """

    type = fields.String(required=True)
    fingerprint = fields.String(required=True)
    severity = fields.String(required=True)
    division = fields.String(required=True)
    sector = fields.String(allow_none=True)
    funding = fields.String(allow_none=True)
    project_code = fields.String(allow_none=True)
    month = fields.String(allow_none=True)
    summary = fields.String(required=True)
    details = fields.Dict(load_default=dict)
    p1 = fields.Boolean(load_default=False)
    level = fields.String(
        load_default="county", validate=validate.OneOf(LEVELS),
        metadata={"description": "The highest level that must see it: county desks always, "
                                 "then the city's (督办) and the province's desks."},
    )


class ConditionsClearedSchema(TolerantSchema):
    """Body of ``conditions_cleared``: data arrived that clears these fingerprints."""

    fingerprints = fields.List(fields.String(), required=True)
    reason = fields.String(required=True)
