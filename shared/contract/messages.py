"""One marshmallow schema per ingress message type (schema_version 1).

Schemas raise on unknown fields: the public edge is strict so that a county learns of a
misspelt field at once instead of losing the value silently.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from shared.contract.fields import (
    Code,
    Count,
    CreditCode,
    DivisionCode,
    ExactPattern,
    Money,
    MonthField,
    ResidentIdNumber,
    StrictBoolean,
    StrictDate,
    Text,
    Timestamp,
)
from shared.contract.window import PAST, PLAN

SECTORS = ("housing", "municipal", "water", "transport", "railway", "energy", "other")
FUNDING = ("government", "soe", "private")
PROJECT_STATUSES = ("planned", "under_construction", "suspended", "completed")
DEPOSIT_FORMS = ("cash", "bank_guarantee", "insurance")
COMPLAINT_CHANNELS = ("national_platform", "hotline", "online", "walk_in", "letter")
MAX_BATCH_RECORDS = 1000
DEFAULT_PAY_DAY = 15

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_ACCOUNT = re.compile(r"^\d{8,32}$")


def _text(max_length: int, **kwargs: Any) -> fields.String:
    return Text(validate=validate.Length(min=1, max=max_length), **kwargs)


def _choice(options: Iterable[str]) -> fields.String:
    return Text(required=True, validate=validate.OneOf(options))


def _phone(**kwargs: Any) -> fields.String:
    return Text(
        validate=ExactPattern(_MOBILE, error="Must be an 11-digit mainland mobile number."), **kwargs
    )


class ContractSchema(Schema):
    class Meta:
        unknown = RAISE


class PartySchema(ContractSchema):
    name = _text(200, required=True)
    uscc = CreditCode(required=True)


class ProjectSchema(ContractSchema):
    """project.upsert: a construction project (工程项目)."""

    project_code = _text(40, required=True)
    name = _text(200, required=True)
    division = DivisionCode(required=True)
    sector = _choice(SECTORS)
    funding = _choice(FUNDING)
    owner = fields.Nested(PartySchema, required=True, metadata={"description": "建设单位"})
    general_contractor = fields.Nested(PartySchema, required=True, metadata={"description": "施工总承包单位"})
    contract_amount = Money(required=True, positive=True)
    start_date = StrictDate(required=True, when=PLAN)
    planned_end_date = StrictDate(required=True, when=PLAN)
    actual_end_date = StrictDate(allow_none=True, when=PAST)
    status = _choice(PROJECT_STATUSES)
    pay_day = fields.Integer(
        strict=True, validate=validate.Range(min=1, max=28),
        metadata={"description": f"Day of month M+1 by which month M's wages are due (default {DEFAULT_PAY_DAY})."},
    )

    @validates_schema(skip_on_field_errors=True)
    def _dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        for later in ("planned_end_date", "actual_end_date"):
            if data.get(later) and data[later] < data["start_date"]:
                raise ValidationError("Must not be before start_date.", later)


class WorkerEnrolmentSchema(ContractSchema):
    """worker.enrol record: real-name registration (实名制登记) of a worker on a project."""

    project_code = _text(40, required=True)
    id_number = ResidentIdNumber(required=True)
    name = _text(50, required=True)
    phone = _phone()
    employer_uscc = CreditCode(required=True)
    team = _text(100)
    trade = _text(50, required=True)
    contract_signed = StrictBoolean(required=True)
    entry_date = StrictDate(required=True, when=PAST)


class WorkerExitSchema(ContractSchema):
    """worker.exit record: a worker leaves a project."""

    project_code = _text(40, required=True)
    id_number = ResidentIdNumber(required=True)
    exit_date = StrictDate(required=True, when=PAST)


class AttendanceSchema(ContractSchema):
    """attendance.batch record: one clock-in at the site gate (考勤)."""

    project_code = _text(40, required=True)
    id_number = ResidentIdNumber(required=True)
    at = Timestamp(required=True, when=PAST)


class AccountOpenedSchema(ContractSchema):
    """account.opened: the dedicated wage account (农民工工资专用账户) is opened."""

    project_code = _text(40, required=True)
    bank = _text(100, required=True)
    account_no = Text(
        required=True, validate=ExactPattern(_ACCOUNT, error="Must be 8-32 digits.")
    )
    opened_on = StrictDate(required=True, when=PAST)


class AllocationSchema(ContractSchema):
    """allocation.received: labour cost (人工费用) for a month credited to the dedicated account."""

    project_code = _text(40, required=True)
    month = MonthField(required=True, when=PLAN)   # labour cost may be allocated ahead
    amount = Money(required=True, positive=True)
    received_on = StrictDate(required=True, when=PAST)


class PayrollLineSchema(ContractSchema):
    id_number = ResidentIdNumber(required=True)
    amount_due = Money(required=True)
    amount_paid = Money(required=True)


class PayrollSchema(ContractSchema):
    """payroll.paid: a month's payroll sheet (工资支付表) with the bank's payout (总包代发)."""

    project_code = _text(40, required=True)
    month = MonthField(required=True, when=PAST)
    paid_on = StrictDate(required=True, when=PAST)
    lines = fields.List(
        fields.Nested(PayrollLineSchema), required=True, validate=validate.Length(min=1, max=20_000)
    )

    @validates_schema(skip_on_field_errors=True)
    def _one_line_per_worker(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen = set()
        for index, line in enumerate(data["lines"]):
            if line["id_number"] in seen:
                raise ValidationError(
                    {"lines": {index: {"id_number": ["Appears more than once in this payroll."]}}}
                )
            seen.add(line["id_number"])


class DepositSchema(ContractSchema):
    """deposit.paid: the wage deposit (工资保证金)."""

    project_code = _text(40, required=True)
    amount = Money(required=True, positive=True)
    paid_on = StrictDate(required=True, when=PAST)
    form = _choice(DEPOSIT_FORMS)


class EmployerSchema(ContractSchema):
    name = _text(200, required=True)
    uscc = CreditCode()


class ComplainantSchema(ContractSchema):
    name = _text(50, required=True)
    phone = _phone()
    id_number = ResidentIdNumber()


class ComplaintSchema(ContractSchema):
    """complaint.filed: a wage-arrears complaint or clue (欠薪线索)."""

    complaint_id = Code(required=True)
    channel = _choice(COMPLAINT_CHANNELS)
    filed_at = Timestamp(required=True, when=PAST)
    division = DivisionCode(required=True)
    project_code = _text(40)
    employer = fields.Nested(EmployerSchema, required=True)
    complainant = fields.Nested(ComplainantSchema, required=True)
    workers_affected = Count(required=True)
    amount_claimed = Money(required=True)
    description = _text(5000, required=True)


class BatchSchema(ContractSchema):
    """The shape of every batch payload; each record is then validated on its own."""

    records = fields.List(
        fields.Raw(), required=True, validate=validate.Length(min=1, max=MAX_BATCH_RECORDS)
    )


@dataclass(frozen=True)
class MessageType:
    name: str
    schema: type[Schema]
    batch: bool
    meaning: str


MESSAGE_TYPES: dict[str, MessageType] = {
    t.name: t
    for t in (
        MessageType("project.upsert", ProjectSchema, False, "register a construction project or replace its data"),
        MessageType("worker.enrol", WorkerEnrolmentSchema, True, "real-name registration of workers on a project"),
        MessageType("worker.exit", WorkerExitSchema, True, "a worker leaves a project"),
        MessageType("attendance.batch", AttendanceSchema, True, "clock-ins at the site gate"),
        MessageType("account.opened", AccountOpenedSchema, False, "the project's dedicated wage account is opened"),
        MessageType("allocation.received", AllocationSchema, False, "labour cost for a month credited to the dedicated account"),
        MessageType("payroll.paid", PayrollSchema, False, "the month's payroll sheet with the bank's payout result"),
        MessageType("deposit.paid", DepositSchema, False, "wage deposit lodged"),
        MessageType("complaint.filed", ComplaintSchema, False, "a wage-arrears complaint or clue"),
    )
}
