"""Service-to-service messages: event names and the shapes they carry.

Not part of the public contract (that is ``shared.contract``), but written down once here
so producers and consumers cannot drift apart. Readers are tolerant (unknown fields are
ignored) so a producer can add a field without breaking its consumers.

Each message is a dataclass (at the end of this module) over its schema: ``X.load(body)``
reads a received body (validated: a ``marshmallow.ValidationError`` names the field) into
typed attributes, ``x.dump()`` gives the body to send. Who sends and handles which event is
``shared/topology_table.py``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from kombu import Exchange, Queue
from marshmallow import EXCLUDE, Schema, fields, validate

from shared.contract.alerts import LEVELS

# Events (past tense), dispatched with nameko's EventDispatcher.
PROJECT_REGISTERED = "project_registered"
PROJECT_CHANGED = "project_changed"
PAYROLL_RECORDED = "payroll_recorded"
CONDITIONS_CLEARED = "conditions_cleared"
ACCOUNT_RECORDED = "account_recorded"        # accounts: a dedicated account opened (body: RecordedSchema)
ALLOCATION_RECORDED = "allocation_recorded"  # accounts: labour cost credited for a month
DEPOSIT_RECORDED = "deposit_recorded"        # accounts: a wage deposit lodged

# Complaint cases (欠薪投诉), dispatched by the complaints service: one event per change,
# each with a ComplaintEventSchema body.
COMPLAINT_RECEIVED = "complaint_received"
COMPLAINT_ACCEPTED = "complaint_accepted"
COMPLAINT_REFUSED = "complaint_refused"
COMPLAINT_INVESTIGATION_STARTED = "complaint_investigation_started"
COMPLAINT_SUSPENDED = "complaint_suspended"
COMPLAINT_RESUMED = "complaint_resumed"
COMPLAINT_RESOLVED = "complaint_resolved"
COMPLAINT_CLOSED = "complaint_closed"
COMPLAINT_TRANSFERRED = "complaint_transferred"
COMPLAINT_REOPENED = "complaint_reopened"
COMPLAINT_DEADLINE_EXTENDED = "complaint_deadline_extended"
COMPLAINT_PAYMENT_ORDERED = "complaint_payment_ordered"          # 责令支付: an order to pay, with its deadline
COMPLAINT_PAYMENT_RECORDED = "complaint_payment_recorded"        # wages paid under the order

# Services that run monitoring rules: each exposes ``sweep(as_of)`` over RPC. The alerts
# service stays last: its sweep escalates alerts nobody acknowledged in time.
MONITORS = ("payroll", "workers", "accounts", "complaints", "alerts")

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
    owner = fields.Dict(allow_none=True, metadata={"description": "建设单位 {name, uscc}"})
    general_contractor = fields.Dict(allow_none=True, metadata={"description": "施工总承包单位 {name, uscc}"})
    # Contract 1.1 (absent from facts sent before it: loaded as None, the version as "1").
    schema_version = fields.String(load_default="1", metadata={"description": "Of the last project.upsert: 1 or 1.1"})
    contract_signed_on = fields.Date(allow_none=True, load_default=None)
    suspended_on = fields.Date(allow_none=True, load_default=None)
    resumed_on = fields.Date(allow_none=True, load_default=None)
    labour_cost_monthly = fields.Decimal(allow_none=True, load_default=None,
                                         metadata={"description": "labour_cost.monthly_amount (yuan)"})
    payment_guarantee = fields.Dict(allow_none=True, load_default=None,
                                    metadata={"description": "{form, amount (yuan, text), issued_on}"})
    construction_permit = fields.Dict(allow_none=True, load_default=None, metadata={"description": "{number, issued_on}"})
    wage_officer = fields.Dict(allow_none=True, load_default=None,
                               metadata={"description": "{name_masked, phone_masked}: masked only"})
    signboard_posted_on = fields.Date(allow_none=True, load_default=None)
    suspensions = fields.List(fields.Dict(), load_default=list, metadata={
        "description": "Earlier suspensions, ended, that the last upsert no longer states: [{from, to}] (ISO dates)"})


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


def project_condition(project: dict[str, Any], alert_type: str, fingerprint: str, severity: str, summary: str,
                      *, month: str | None = None, details: dict[str, Any] | None = None, p1: bool = False) -> dict[str, Any]:
    """A condition (``ConditionSchema``) about a project, routed by its division, sector
    and funding (project facts as ``ProjectFactsSchema`` gives them)."""
    return {"type": alert_type, "fingerprint": fingerprint, "severity": severity,
            "division": project["division"], "sector": project["sector"], "funding": project["funding"],
            "project_code": project["project_code"], "month": month, "summary": summary,
            "details": details or {}, "p1": p1}


class ConditionsClearedSchema(TolerantSchema):
    """Body of ``conditions_cleared``: data arrived that clears these fingerprints."""

    fingerprints = fields.List(fields.String(), required=True)
    reason = fields.String(required=True)


class CaseChangeSchema(TolerantSchema):
    """One entry of a complaint case's record: who changed what, when."""

    seq = fields.Integer(required=True)
    action = fields.String(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    by = fields.String(required=True)
    at = fields.String(required=True, metadata={"description": "When it was recorded (ISO 8601)."})
    on = fields.String(required=True, metadata={"description": "The date it took effect (YYYY-MM-DD)."})
    details = fields.Dict(load_default=dict)


class ComplaintEventSchema(TolerantSchema):
    """Body of every ``complaint_*`` event. It carries no personal data of the
    complainant: a consumer that needs the case asks ``complaints.get_case``. An event may
    arrive more than once (a follow-up relayed after a failure): ``change.seq`` numbers
    the changes of a case, so a consumer can tell a repeat."""

    case_id = fields.String(required=True, metadata={"description": "<county>/<complaint_id>"})
    county = fields.String(required=True, metadata={"description": "The county that received it."})
    complaint_id = fields.String(required=True)
    division = fields.String(required=True, metadata={"description": "The division handling it now."})
    department = fields.String(required=True)
    status = fields.String(required=True)
    filed_on = fields.String(required=True)
    month = fields.String(required=True, metadata={"description": "The month it was filed (YYYY-MM)."})
    project_code = fields.String(allow_none=True)
    employer_uscc = fields.String(allow_none=True)
    workers_affected = fields.Integer(required=True)
    change = fields.Nested(CaseChangeSchema, required=True)


class PayrollRecordedSchema(TolerantSchema):
    """Body of ``payroll_recorded``: a project-month's payroll sheet was stored or merged."""

    project_code = fields.String(required=True)
    month = fields.String(required=True)
    workers = fields.Integer(load_default=0)


class PayrollLineFactsSchema(TolerantSchema):
    """One stored payroll line as ``payroll.payroll_lines`` answers it, keyed by the
    worker's keyed hash (``shared.pii.keyed_hash`` with the platform's PII_HASH_KEY)."""

    id_masked = fields.String(required=True)
    amount_due_fen = fields.Integer(required=True)
    amount_paid_fen = fields.Integer(required=True)


class RecordedSchema(TolerantSchema):
    """Body of the ``*_recorded`` events: which project (and month) has new records.
    Never personal data: listeners ask the owning service for what they need."""

    project_code = fields.String(required=True)
    month = fields.String(allow_none=True, load_default=None)


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


# --- typed messages --------------------------------------------------------------------
M = TypeVar("M", bound="Message")


class Message:
    """A typed internal message, read and written through its (tolerant) schema."""

    SCHEMA: ClassVar[Schema]

    @classmethod
    def load(cls: type[M], body: Mapping[str, Any]) -> M:
        """A received body, validated and converted (dates, money); unknown fields ignored."""
        return cls._of(cls.SCHEMA.load(body))

    @classmethod
    def _of(cls: type[M], values: dict[str, Any]) -> M:
        return cls(**values)

    def dump(self) -> dict[str, Any]:
        """The body to send (JSON-ready but for money, which travels as ``Decimal``)."""
        body: dict[str, Any] = self.SCHEMA.dump(self)
        return body


@dataclass(frozen=True)
class ProjectFacts(Message):
    """What other services know of a project (项目登记信息)."""

    SCHEMA = ProjectFactsSchema()

    project_code: str
    name: str
    division: str
    sector: str
    funding: str
    status: str
    contract_amount: Decimal
    start_date: date
    planned_end_date: date
    pay_day: int
    version: int
    actual_end_date: date | None = None
    owner: dict[str, Any] | None = None                # 建设单位 {name, uscc}
    general_contractor: dict[str, Any] | None = None   # 施工总承包单位 {name, uscc}
    schema_version: str = "1"                # of the last project.upsert
    contract_signed_on: date | None = None
    suspended_on: date | None = None
    resumed_on: date | None = None
    labour_cost_monthly: Decimal | None = None
    payment_guarantee: dict[str, Any] | None = None
    construction_permit: dict[str, Any] | None = None
    wage_officer: dict[str, Any] | None = None         # {name_masked, phone_masked}
    signboard_posted_on: date | None = None
    suspensions: list[dict[str, Any]] = field(default_factory=list)   # [{from, to}], ISO dates


@dataclass(frozen=True)
class ProjectEvent(Message):
    """``project_registered`` and ``project_changed``: the project's facts after the change
    and the names of the facts that changed (none on a replay)."""

    SCHEMA = ProjectEventSchema()

    project: ProjectFacts
    changed: list[str]

    @classmethod
    def _of(cls, values: dict[str, Any]) -> ProjectEvent:
        return cls(project=ProjectFacts(**values["project"]), changed=values["changed"])


@dataclass(frozen=True)
class Condition(Message):
    """A monitoring rule's finding (what ``alerts.reconcile``/``report`` take)."""

    SCHEMA = ConditionSchema()

    type: str
    fingerprint: str
    severity: str
    division: str
    summary: str
    sector: str | None = None
    funding: str | None = None
    project_code: str | None = None
    month: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    p1: bool = False
    level: str = "county"


@dataclass(frozen=True)
class ConditionsCleared(Message):
    """``conditions_cleared``: data arrived that clears these fingerprints."""

    SCHEMA = ConditionsClearedSchema()

    fingerprints: list[str]
    reason: str


@dataclass(frozen=True)
class PayrollRecorded(Message):
    """``payroll_recorded``: a project-month's payroll sheet (工资表) was stored or merged."""

    SCHEMA = PayrollRecordedSchema()

    project_code: str
    month: str
    workers: int = 0


@dataclass(frozen=True)
class Recorded(Message):
    """``account_recorded``, ``allocation_recorded`` (with its month), ``deposit_recorded``."""

    SCHEMA = RecordedSchema()

    project_code: str
    month: str | None = None


@dataclass(frozen=True)
class CaseChange(Message):
    SCHEMA = CaseChangeSchema()

    seq: int
    action: str
    to_status: str
    by: str
    at: str
    on: str
    from_status: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ComplaintEvent(Message):
    """Every ``complaint_*`` event (欠薪投诉): the case as it is now and the change."""

    SCHEMA = ComplaintEventSchema()

    case_id: str
    county: str
    complaint_id: str
    division: str
    department: str
    status: str
    filed_on: str
    month: str
    workers_affected: int
    change: CaseChange
    project_code: str | None = None
    employer_uscc: str | None = None

    @classmethod
    def _of(cls, values: dict[str, Any]) -> ComplaintEvent:
        return cls(**{**values, "change": CaseChange(**values["change"])})


@dataclass(frozen=True)
class Desk(Message):
    SCHEMA = DeskSchema()

    department: str
    division: str
    level: str | None = None


@dataclass(frozen=True)
class AlertView(Message):
    """``alert_changed``: an alert as desks and the console see it."""

    SCHEMA = AlertViewSchema()

    alert_id: str
    fingerprint: str
    type: str
    severity: str
    status: str
    division: str
    level: str
    summary: str
    routes: list[Desk]
    raised_at: str
    updated_at: str
    sector: str | None = None
    funding: str | None = None
    project_code: str | None = None
    month: str | None = None
    p1: bool = False
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None
    resolved_at: str | None = None
    resolved_by: str | None = None
    outcome: str | None = None
    resolution: str | None = None
    silenced_by: str | None = None
    inhibited_by: str | None = None

    @classmethod
    def _of(cls, values: dict[str, Any]) -> AlertView:
        return cls(**{**values, "routes": [Desk(**desk) for desk in values["routes"]]})


@dataclass(frozen=True)
class Submission:
    """What the ingress hands the owner of a validated county message (an RPC argument):
    ``payload`` for a single type, ``records`` (``{"index", "record"}``, already loaded by
    the contract's schema: dates as ``date``, money as ``Decimal``) for a batch type."""

    county: str
    message_id: str
    type: str
    sent_at: str
    received_at: str
    payload: dict[str, Any] | None = None
    records: list[dict[str, Any]] | None = None
    schema_version: str = "1"      # the envelope's, as "1" or "1.1"

    def dump(self) -> dict[str, Any]:
        body = {"county": self.county, "message_id": self.message_id, "type": self.type,
                "sent_at": self.sent_at, "received_at": self.received_at, "schema_version": self.schema_version}
        return body | ({"records": self.records} if self.records is not None else {"payload": self.payload})

    @classmethod
    def load(cls, body: Mapping[str, Any]) -> Submission:
        values: dict[str, Any] = {name: body.get(name) for name in cls.__dataclass_fields__}
        values["schema_version"] = values["schema_version"] or "1"
        return cls(**values)


# The body each internal event carries.
EVENT_MESSAGES: dict[str, type[Message]] = {
    PROJECT_REGISTERED: ProjectEvent, PROJECT_CHANGED: ProjectEvent,
    PAYROLL_RECORDED: PayrollRecorded, CONDITIONS_CLEARED: ConditionsCleared,
    ACCOUNT_RECORDED: Recorded, ALLOCATION_RECORDED: Recorded, DEPOSIT_RECORDED: Recorded,
    ALERT_CHANGED: AlertView,
    **{event: ComplaintEvent for event in (
        COMPLAINT_RECEIVED, COMPLAINT_ACCEPTED, COMPLAINT_REFUSED, COMPLAINT_INVESTIGATION_STARTED,
        COMPLAINT_SUSPENDED, COMPLAINT_RESUMED, COMPLAINT_RESOLVED, COMPLAINT_CLOSED, COMPLAINT_TRANSFERRED,
        COMPLAINT_REOPENED, COMPLAINT_DEADLINE_EXTENDED, COMPLAINT_PAYMENT_ORDERED, COMPLAINT_PAYMENT_RECORDED)},
}
