"""Service-to-service messages: event names and the shapes they carry.

Not part of the public contract (that is ``shared.contract``), but written down once here
so producers and consumers cannot drift apart. Readers are tolerant (unknown fields are
ignored) so a producer can add a field without breaking its consumers.

Each message is a dataclass, its schema derived from it (``@message``, marshmallow-dataclass):
``X.load(body)`` reads a received body (validated: a ``marshmallow.ValidationError`` names
the field) into typed attributes, ``x.dump()`` gives the body to send. A service loads a
message at its edge (``service.py``), its use cases take the dataclass, and a dispatch sends
a built message's ``dump()``. Who sends and handles which event is ``shared/topology_table.py``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

from kombu import Exchange, Queue
from marshmallow import EXCLUDE, Schema, validate
from marshmallow_dataclass import class_schema

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


# --- typed messages --------------------------------------------------------------------
# Each message is written once, as a dataclass; its schema is derived from it
# (marshmallow-dataclass) on the tolerant base, and loads into the dataclass. Fields are
# keyword-only, in the order the body has always carried them, so a dump is the same
# body, key for key (tests/unit/test_internal_wire.py holds the bodies).
M = TypeVar("M", bound="Message")


def _about(description: str) -> dict[str, Any]:
    """A field's description (in the derived schema's field metadata)."""
    return {"metadata": {"description": description}}


class Message:
    """A typed internal message, read and written through the schema derived from it."""

    SCHEMA: ClassVar[Schema]
    OMITTED_WHEN_NONE: ClassVar[tuple[str, ...]] = ()   # fields the body has never carried as null

    @classmethod
    def load(cls: type[M], body: Mapping[str, Any]) -> M:
        """A received body, validated and converted (dates, money); unknown fields ignored."""
        loaded: M = cls.SCHEMA.load(body)
        return loaded

    @classmethod
    def load_many(cls: type[M], bodies: Sequence[Mapping[str, Any]]) -> list[M]:
        loaded: list[M] = cls.SCHEMA.load(bodies, many=True)
        return loaded

    def dump(self) -> dict[str, Any]:
        """The body to send (JSON-ready but for money, which travels as ``Decimal``)."""
        dumped: dict[str, Any] = self.SCHEMA.dump(self)
        for name in self.OMITTED_WHEN_NONE:
            if dumped[name] is None:
                del dumped[name]
        return dumped


def message(cls: type[M]) -> type[M]:
    """Give a message (a frozen, keyword-only dataclass) the schema derived from it."""
    cls.SCHEMA = class_schema(cls, base_schema=TolerantSchema)()
    return cls


def schema_of(cls: type[Message]) -> type[Schema]:
    """The schema class derived from a message (what the ``...Schema`` names are)."""
    return type(cls.SCHEMA)


@message
@dataclass(frozen=True, kw_only=True)
class ProjectFacts(Message):
    """What other services know of a project (项目登记信息, from the projects service)."""

    project_code: str
    name: str
    division: str
    sector: str
    funding: str
    status: str
    contract_amount: Decimal
    start_date: date
    planned_end_date: date
    actual_end_date: date | None = None
    pay_day: int
    version: int
    owner: dict[str, Any] | None = field(default=None, metadata=_about("建设单位 {name, uscc}"))
    general_contractor: dict[str, Any] | None = field(default=None, metadata=_about("施工总承包单位 {name, uscc}"))
    # Contract 1.1 (absent from facts sent before it: loaded as None, the version as "1").
    schema_version: str = field(default="1", metadata=_about("Of the last project.upsert: 1 or 1.1"))
    contract_signed_on: date | None = None
    suspended_on: date | None = None
    resumed_on: date | None = None
    labour_cost_monthly: Decimal | None = field(default=None, metadata=_about("labour_cost.monthly_amount (yuan)"))
    payment_guarantee: dict[str, Any] | None = field(default=None,
                                                     metadata=_about("{form, amount (yuan, text), issued_on}"))
    construction_permit: dict[str, Any] | None = field(default=None, metadata=_about("{number, issued_on}"))
    wage_officer: dict[str, Any] | None = field(default=None,
                                                metadata=_about("{name_masked, phone_masked}: masked only"))
    signboard_posted_on: date | None = None
    suspensions: list[dict[str, Any]] = field(default_factory=list, metadata=_about(
        "Earlier suspensions, ended, that the last upsert no longer states: [{from, to}] (ISO dates)"))


@message
@dataclass(frozen=True, kw_only=True)
class ProjectEvent(Message):
    """``project_registered`` and ``project_changed``: the project's facts after the change
    and the names of the facts that changed (none on a replay)."""

    project: ProjectFacts
    changed: list[str]


@message
@dataclass(frozen=True, kw_only=True)
class Condition(Message):
    """A monitoring rule's finding: something the law requires is missing as of a date
    (what ``alerts.reconcile``/``report`` take). The alerts service turns conditions into
    alerts: one open alert per fingerprint."""

    type: str
    fingerprint: str
    severity: str
    division: str
    sector: str | None = None
    funding: str | None = None
    project_code: str | None = None
    month: str | None = None
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    p1: bool = False
    level: str = field(default="county", metadata={
        "validate": validate.OneOf(LEVELS),
        **_about("The highest level that must see it: county desks always, then the city's (督办) "
                 "and the province's desks.")})


def project_condition(project: dict[str, Any], alert_type: str, fingerprint: str, severity: str, summary: str,
                      *, month: str | None = None, details: dict[str, Any] | None = None,
                      p1: bool = False) -> dict[str, Any]:
    """A condition (``ConditionSchema``) about a project, routed by its division, sector
    and funding (project facts as ``ProjectFactsSchema`` gives them)."""
    return {"type": alert_type, "fingerprint": fingerprint, "severity": severity,
            "division": project["division"], "sector": project["sector"], "funding": project["funding"],
            "project_code": project["project_code"], "month": month, "summary": summary,
            "details": details or {}, "p1": p1}


@message
@dataclass(frozen=True, kw_only=True)
class ConditionsCleared(Message):
    """``conditions_cleared``: data arrived that clears these fingerprints."""

    fingerprints: list[str]
    reason: str


@message
@dataclass(frozen=True, kw_only=True)
class CaseChange(Message):
    """One entry of a complaint case's record: who changed what, when."""

    seq: int
    action: str
    from_status: str | None = None
    to_status: str
    by: str
    at: str = field(metadata=_about("When it was recorded (ISO 8601)."))
    on: str = field(metadata=_about("The date it took effect (YYYY-MM-DD)."))
    details: dict[str, Any] = field(default_factory=dict)


@message
@dataclass(frozen=True, kw_only=True)
class ComplaintEvent(Message):
    """Every ``complaint_*`` event (欠薪投诉): the case as it is now and the change. It
    carries no personal data of the complainant: a consumer that needs the case asks
    ``complaints.get_case``. An event may arrive more than once (a follow-up relayed after
    a failure): ``change.seq`` numbers the changes of a case, so a consumer can tell a repeat."""

    case_id: str = field(metadata=_about("<county>/<complaint_id>"))
    county: str = field(metadata=_about("The county that received it."))
    complaint_id: str
    division: str = field(metadata=_about("The division handling it now."))
    department: str
    status: str
    filed_on: str
    month: str = field(metadata=_about("The month it was filed (YYYY-MM)."))
    project_code: str | None = None
    employer_uscc: str | None = None
    workers_affected: int
    change: CaseChange


@message
@dataclass(frozen=True, kw_only=True)
class PayrollRecorded(Message):
    """``payroll_recorded``: a project-month's payroll sheet (工资表) was stored or merged."""

    project_code: str
    month: str
    workers: int = 0


@message
@dataclass(frozen=True, kw_only=True)
class PayrollLineFacts(Message):
    """One stored payroll line as ``payroll.payroll_lines`` answers it, keyed by the
    worker's keyed hash (``shared.pii.keyed_hash`` with the platform's PII_HASH_KEY)."""

    id_masked: str
    amount_due_fen: int
    amount_paid_fen: int


@message
@dataclass(frozen=True, kw_only=True)
class Recorded(Message):
    """``account_recorded``, ``allocation_recorded`` (with its month), ``deposit_recorded``:
    which project (and month) has new records. Never personal data: listeners ask the
    owning service for what they need."""

    OMITTED_WHEN_NONE = ("month",)   # account_recorded and deposit_recorded carry no month

    project_code: str
    month: str | None = None


# The alerts service tells the console (and any other internal reader) about every change
# of an alert, including those the public stream does not carry (acknowledgements), and
# about every notification sent to a desk. Bodies: an alert *view* (below) and a
# notification (services/alerts/notify.py); both are read tolerantly.
ALERT_CHANGED = "alert_changed"
DESK_NOTIFIED = "desk_notified"
SILENCES_CHANGED = "silences_changed"



@message
@dataclass(frozen=True, kw_only=True)
class Desk(Message):
    """A department's desk at a division (county, city or province)."""

    department: str
    division: str
    level: str | None = None


@message
@dataclass(frozen=True, kw_only=True)
class AlertView(Message):
    """``alert_changed``: an alert as desks and the console see it: the contract's fields
    plus its lifecycle (acknowledged by whom, resolved how), the desks it reaches and why
    it is muted. Fields in the order ``services.alerts.views.view`` has always sent them."""

    alert_id: str
    type: str
    severity: str
    status: str
    division: str
    level: str
    sector: str | None = None
    funding: str | None = None
    project_code: str | None = None
    month: str | None = None
    summary: str
    p1: bool = False
    raised_at: str
    updated_at: str
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None
    resolved_at: str | None = None
    resolved_by: str | None = None
    outcome: str | None = None
    resolution: str | None = None
    fingerprint: str
    routes: list[Desk]
    silenced_by: str | None = None
    inhibited_by: str | None = None


# The schemas, by the names their readers have always used.
ProjectFactsSchema = schema_of(ProjectFacts)
ProjectEventSchema = schema_of(ProjectEvent)
ConditionSchema = schema_of(Condition)
ConditionsClearedSchema = schema_of(ConditionsCleared)
CaseChangeSchema = schema_of(CaseChange)
ComplaintEventSchema = schema_of(ComplaintEvent)
PayrollRecordedSchema = schema_of(PayrollRecorded)
PayrollLineFactsSchema = schema_of(PayrollLineFacts)
RecordedSchema = schema_of(Recorded)
DeskSchema = schema_of(Desk)
AlertViewSchema = schema_of(AlertView)


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

    def indexed(self) -> list[tuple[int, dict[str, Any]]]:
        """A batch's records as (index in the message, record)."""
        return [(r["index"], r["record"]) for r in self.records or ()]

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
