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
GUARANTEE_FORMS = ("bank_guarantee", "insurance", "guarantor")   # 工程款支付担保 (contract 1.1)
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


class LabourCostSchema(ContractSchema):
    """1.1: the labour cost (人工费用) the owner agreed to allocate each month."""

    monthly_amount = Money(required=True, positive=True)


class PaymentGuaranteeSchema(ContractSchema):
    """1.1: the owner's guarantee of payment for the works (工程款支付担保)."""

    form = _choice(GUARANTEE_FORMS)
    amount = Money(required=True, positive=True)
    issued_on = StrictDate(required=True, when=PAST)


class ConstructionPermitSchema(ContractSchema):
    """1.1: the construction permit (施工许可证)."""

    number = _text(60, required=True)
    issued_on = StrictDate(required=True, when=PAST)


class WageOfficerSchema(ContractSchema):
    """1.1: the general contractor's wage officer on site (劳资专管员); the phone is personal
    data (kept and shown masked only)."""

    name = _text(50, required=True)
    phone = _phone(required=True)


class ProjectSchema(ContractSchema):
    """project.upsert: a construction project (工程项目); the last eight fields are the
    contract's 1.1 additions (optional, accepted under either version)."""

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
        metadata={"description": f"Day of month M+1 by which month M's wages are due (default {DEFAULT_PAY_DAY}); "
                                 "on a statutory holiday or rest day, the last working day before it (Art 14)."},
    )
    contract_signed_on = StrictDate(when=PAST, metadata={
        "description": "施工合同签订日: the dedicated account is due 30 days after it (else after start_date)."})
    suspended_on = StrictDate(when=PAST, metadata={
        "description": "停工: first day of a suspension. Required when status is suspended in a 1.1 message; "
                       "a 1.0 message without it suspends from the day it is received."})
    resumed_on = StrictDate(when=PAST, metadata={"description": "复工: the day the last suspension ended."})
    labour_cost = fields.Nested(LabourCostSchema, metadata={"description": "人工费用 agreed per month"})
    payment_guarantee = fields.Nested(PaymentGuaranteeSchema, metadata={"description": "工程款支付担保"})
    construction_permit = fields.Nested(ConstructionPermitSchema, metadata={"description": "施工许可证"})
    wage_officer = fields.Nested(WageOfficerSchema, metadata={"description": "劳资专管员"})
    signboard_posted_on = StrictDate(when=PAST, metadata={"description": "维权信息告示牌 posted"})

    @validates_schema(skip_on_field_errors=True)
    def _dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        for later in ("planned_end_date", "actual_end_date", "suspended_on"):
            if data.get(later) and data[later] < data["start_date"]:
                raise ValidationError("Must not be before start_date.", later)
        if data.get("resumed_on"):
            if not data.get("suspended_on"):
                raise ValidationError("Needs suspended_on: the suspension it ended.", "resumed_on")
            if data["status"] == "suspended":
                if data["resumed_on"] >= data["suspended_on"]:   # it ended an earlier suspension
                    raise ValidationError("Must be before suspended_on while status is suspended (the current "
                                          "suspension has not ended).", "resumed_on")
            elif data["resumed_on"] < data["suspended_on"]:
                raise ValidationError("Must not be before suspended_on.", "resumed_on")


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
