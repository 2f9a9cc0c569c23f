"""Service-to-service messages: event names and the shapes they carry.

Not part of the public contract (that is ``shared.contract``), but written down once here
so producers and consumers cannot drift apart. Readers are tolerant (unknown fields are
ignored) so a producer can add a field without breaking its consumers.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.contract.alerts import LEVELS

# Events (past tense), dispatched with nameko's EventDispatcher.
PROJECT_REGISTERED = "project_registered"
PROJECT_CHANGED = "project_changed"
PAYROLL_RECORDED = "payroll_recorded"
CONDITIONS_CLEARED = "conditions_cleared"

# Services that run monitoring rules: each exposes ``sweep(as_of)`` over RPC. The alerts
# service stays last: its sweep escalates alerts nobody acknowledged in time.
MONITORS = ("payroll", "alerts")


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


# The alerts service tells the console (and any other internal reader) about every change
# of an alert, including those the public stream does not carry (acknowledgements), and
# about every notification sent to a desk. Bodies: an alert *view* (below) and a
# notification (services/alerts/notify.py); both are read tolerantly.
ALERT_CHANGED = "alert_changed"
DESK_NOTIFIED = "desk_notified"
SILENCES_CHANGED = "silences_changed"


class DeskSchema(TolerantSchema):
    """A department's desk at a division (county, city or province)."""

    department = fields.String(required=True)
    division = fields.String(required=True)
    level = fields.String(load_default=None)


class AlertViewSchema(TolerantSchema):
    """An alert as desks and the console see it: the contract's fields plus its lifecycle
    (acknowledged by whom, resolved how) and the desks it reaches."""

    alert_id = fields.String(required=True)
    fingerprint = fields.String(required=True)
    type = fields.String(required=True)
    severity = fields.String(required=True)
    status = fields.String(required=True)
    division = fields.String(required=True)
    level = fields.String(required=True)
    sector = fields.String(allow_none=True)
    funding = fields.String(allow_none=True)
    project_code = fields.String(allow_none=True)
    month = fields.String(allow_none=True)
    summary = fields.String(required=True)
    p1 = fields.Boolean(load_default=False)
    routes = fields.List(fields.Nested(DeskSchema), required=True)
    raised_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    acknowledged_by = fields.String(allow_none=True)
    acknowledged_at = fields.String(allow_none=True)
    resolved_at = fields.String(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    silenced_by = fields.String(allow_none=True)
    inhibited_by = fields.String(allow_none=True)
