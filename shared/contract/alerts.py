"""Alerts as operators receive them on ``wagewatch.alerts``."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

# Departments (行业主管部门 and 人社): the desks that receive alerts.
HOUSING, WATER, TRANSPORT, DEVELOPMENT, HRSS = "housing", "water", "transport", "development", "hrss"
FINANCE, SOE = "finance", "soe"   # contract 1.1
DEPARTMENTS = {
    HOUSING: "住房和城乡建设",
    WATER: "水利",
    TRANSPORT: "交通运输",
    DEVELOPMENT: "发展和改革",
    HRSS: "人力资源和社会保障 / 劳动保障监察",
    FINANCE: "财政",
    SOE: "国有资产监督管理",
}

# The colour ladder of provincial platforms, lowest first.
BLUE, YELLOW, ORANGE, RED = "blue", "yellow", "orange", "red"
SEVERITIES = (BLUE, YELLOW, ORANGE, RED)

FIRING, RESOLVED = "firing", "resolved"
LEVELS = ("county", "city", "province")

# Alert types every release raises (more are welcome).
PAYROLL_MISSING = "PAYROLL_MISSING"
WORKER_UNPAID = "WORKER_UNPAID"
WAGES_SHORT = "WAGES_SHORT"
ACCOUNT_NOT_OPENED = "ACCOUNT_NOT_OPENED"
LABOUR_COST_NOT_ALLOCATED = "LABOUR_COST_NOT_ALLOCATED"
DEPOSIT_MISSING = "DEPOSIT_MISSING"
COMPLAINT_FILED = "COMPLAINT_FILED"
COMPLAINT_OVERDUE = "COMPLAINT_OVERDUE"
# Raised from complaints as well (more are welcome, the contract says).
GROUP_ARREARS = "GROUP_ARREARS"        # 群体性欠薪: many workers on one project and month (p1)
REPEAT_DEFAULTER = "REPEAT_DEFAULTER"  # the same employer named in several complaints within days
# Contract 1.1: an order to pay (责令支付) on a complaint case went unheeded past its deadline
# and the amounts meet the provincial threshold of 拒不支付劳动报酬罪: refer to the police.
CRIMINAL_REFERRAL_DUE = "CRIMINAL_REFERRAL_DUE"
# Contract 1.1: a payroll line below the county's monthly minimum wage for a worker who
# clocked in on most of the month's working days.
BELOW_MINIMUM_WAGE = "BELOW_MINIMUM_WAGE"


# More types this platform raises (real-name records, attendance against payroll).
HEADCOUNT_MISMATCH = "HEADCOUNT_MISMATCH"        # fewer workers paid than attended
PAYEE_NOT_ENROLLED = "PAYEE_NOT_ENROLLED"        # a payroll line for someone not enrolled
NO_ATTENDANCE = "NO_ATTENDANCE"                  # a site under construction with no clock-ins
ATTENDANCE_UNREGISTERED = "ATTENDANCE_UNREGISTERED"  # clock-ins without registration or contract

# More than the contract requires: the dedicated account holds less than the payroll
# awaiting payout (专户余额不足).
BALANCE_LOW = "BALANCE_LOW"

# Contract 1.1: the contract's money terms and site obligations of a project.
LABOUR_COST_SHORT = "LABOUR_COST_SHORT"                  # a month's allocations below the agreed monthly amount
PAYMENT_GUARANTEE_MISSING = "PAYMENT_GUARANTEE_MISSING"  # no 工程款支付担保 while under construction
NO_CONSTRUCTION_PERMIT = "NO_CONSTRUCTION_PERMIT"        # under construction without 施工许可证 (未批先建)
SITE_OBLIGATION_MISSING = "SITE_OBLIGATION_MISSING"      # no wage officer or no signboard 30 days after the start

# The platform's own: a sweep could not evaluate a project (or case) because a value in its
# records is outside what the rules can compute with; it is skipped until corrected.
RULE_FAILED = "RULE_FAILED"


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


def fingerprint(alert_type: str, *subject: str) -> str:
    """``PAYROLL_MISSING:430102-2026-0001:2026-10``: one open alert per rule and subject."""
    return ":".join((alert_type, *subject))


class AlertSchema(Schema):
    """The body of every message on ``wagewatch.alerts``."""

    alert_id = fields.String(required=True)
    fingerprint = fields.String(required=True)
    type = fields.String(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    status = fields.String(required=True, validate=validate.OneOf((FIRING, RESOLVED)))
    department = fields.String(required=True, validate=validate.OneOf(tuple(DEPARTMENTS)))
    division = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    project_code = fields.String(allow_none=True)
    month = fields.String(allow_none=True)
    summary = fields.String(required=True)
    details = fields.Dict(required=True)
    p1 = fields.Boolean(required=True, metadata={"description": "Group event (群体性欠薪)."})
    raised_at = fields.String(required=True, metadata={"format": "date-time"})
    resolved_at = fields.String(allow_none=True, metadata={"format": "date-time"})


NOTIFICATION_REASONS = ("new", "changed", "repeat")


class DeskSchema(Schema):
    department = fields.String(required=True, validate=validate.OneOf(tuple(DEPARTMENTS)))
    division = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))


class NotificationSchema(Schema):
    """The body of every message on ``wagewatch.notifications``: one notification (通知) to
    one desk for a group of related alerts, as the alert policy groups them."""

    notification_id = fields.String(required=True)
    desk = fields.Nested(DeskSchema, required=True)
    group = fields.Dict(required=True, metadata={"description": "The group's labels (by default project_code)."})
    rule = fields.String(required=True, metadata={"description": "The alert policy's notification rule."})
    reason = fields.String(required=True, validate=validate.OneOf(NOTIFICATION_REASONS))
    colour = fields.String(required=True, validate=validate.OneOf((*SEVERITIES, RESOLVED)))
    sent_at = fields.String(required=True, metadata={"format": "date-time"})
    firing = fields.List(fields.Dict(), required=True, metadata={"description": "The group's firing alerts on this desk."})
    resolved = fields.List(fields.Dict(), required=True, metadata={"description": "Alerts resolved since the last notification."})
    suppressed = fields.List(fields.Dict(), required=True, metadata={
        "description": "{fingerprint, silenced_by, inhibited_by}: silenced or inhibited, not notified."})
