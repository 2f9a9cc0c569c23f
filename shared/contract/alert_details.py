"""What an alert's ``details`` hold, per alert type: part of the public alert body.

The rules that build them live in the services (payroll, workers, accounts, complaints);
``tests/unit/test_alert_details.py`` runs every rule and checks that what it emits is
exactly what is written here, so the AsyncAPI document (``docs/asyncapi.yaml``, generated
from this table) cannot drift from the code. Keys marked optional are present only in
some alerts of the type. No full ID number, phone or account number is ever a value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contract import alerts as a


@dataclass(frozen=True)
class Key:
    """One key of ``details``: its JSON Schema and whether every alert of the type has it."""

    schema: dict[str, Any]
    optional: bool = False


def _s(kind: str | list[str], description: str, **more: Any) -> Key:
    return Key({"type": kind, "description": description, **more})


def _date(description: str, nullable: bool = False) -> Key:
    return Key({"type": ["string", "null"] if nullable else "string", "format": "date", "description": description})


def _object(description: str, **properties: Key) -> Key:
    return Key({"type": "object", "description": description,
                "properties": {name: key.schema for name, key in properties.items()}})


AS_OF = {"as_of": _date("The date the rule was evaluated as of (Asia/Shanghai).")}
PROJECT = {**AS_OF, "project_name": _s("string", "The project's name.")}
DUE = {**PROJECT, "due_date": _date("When the month's wages (or labour cost) fell due: pay_day of the next month.")}
WORKER = {"worker_ref": _s("string", "Short keyed-hash reference of the worker (stable, not reversible)."),
          "id_masked": _s("string", "The worker's resident ID number, masked (430***********1234).")}
CASE = {"case_id": _s("string", "The complaint case: <receiving county>/<complaint_id>.")}
CLOCK = _object("The case's working-day clock.", stage=_s("string", "acceptance or investigation"),
                started_on=_date("Start of the clock."), allowed=_s("integer", "Working days allowed."),
                elapsed=_s("integer", "Working days used."), remaining=_s("integer", "Working days left."),
                running=_s("boolean", "False while paused."), deadline=_date("Due date; null while paused.", True),
                overdue=_s("boolean", "Past the deadline."), estimated=_s("boolean", "Deadline estimated."))
EMPLOYER = _object("The employer named in the complaint(s).", name=_s("string", "Name."),
                   uscc=_s("string", "Unified social credit code, when given."))

ALERT_DETAILS: dict[str, dict[str, Key]] = {
    a.PAYROLL_MISSING: DUE,
    a.WORKER_UNPAID: {**DUE, **WORKER, "name_masked": _s(["string", "null"], "The worker's name, masked."),
                      "days": _s("integer", "Days the worker clocked in during the month.")},
    a.WAGES_SHORT: {**DUE, **WORKER, "amount_due_fen": _s("integer", "Amount due, in fen (分)."),
                    "amount_paid_fen": _s("integer", "Amount paid, in fen."),
                    "shortfall_fen": _s("integer", "Amount due minus amount paid, in fen.")},
    a.BELOW_MINIMUM_WAGE: {**DUE, **WORKER,
                           "amount_paid_fen": _s("integer", "Amount paid, in fen."),
                           "minimum_fen": _s("integer", "The county's monthly minimum wage, in fen."),
                           "shortfall_fen": _s("integer", "The minimum wage minus the amount paid, in fen."),
                           "county_class": _s("string", "The county's minimum-wage class (档) in RULES.minimum_wage."),
                           "working_days_attended": _s("integer", "Working days of the month the worker clocked in on."),
                           "working_days": _s("integer", "Working days in the month (statutory holidays excluded)."),
                           "source": _s("string", "Where the minimum-wage figures come from (RULES.minimum_wage).")},
    a.HEADCOUNT_MISMATCH: {**DUE, "attended": _s("integer", "Workers who clocked in during the month."),
                           "paid": _s("integer", "Workers with a paid payroll line."),
                           "unpaid": _s("integer", "Attended workers without a paid line.")},
    a.PAYEE_NOT_ENROLLED: {**DUE, "payees": _s("array", "Payroll lines for people not enrolled that month.",
                                               items={"type": "object", "properties": {k: v.schema for k, v in WORKER.items()}})},
    a.NO_ATTENDANCE: {**PROJECT, "days_without_clock_ins": _s("integer", "Days since the last clock-in (or the start)."),
                      "last_clock_in_day": _date("The last day anyone clocked in; null if never.", True)},
    a.ATTENDANCE_UNREGISTERED: {**AS_OF, "window_start": _date("First day of the window looked at."),
                                "clock_ins": _s("integer", "Irregular clock-ins in the window."),
                                "persons": _s("integer", "Distinct people behind them."),
                                "persons_by_reason": _s("object",
                                                        "People per reason (not enrolled, after exit, no labour contract).",
                                                        additionalProperties={"type": "integer"}),
                                "id_masked": _s("array", "Their ID numbers, masked (at most 50).", items={"type": "string"})},
    a.ACCOUNT_NOT_OPENED: {**PROJECT, "days_since_start": _s("integer", "Days since the clock started (clock_start)."),
                           "due_within_days": _s("integer", "Days after the clock's start by which the account was due."),
                           "clock_start": _date("The day the 30 days count from."),
                           "clock_from": _s("string", "Which date that is: contract_signed_on, start_date, or resumed_on "
                                                      "(a suspension restarted the clock).",
                                            enum=["contract_signed_on", "start_date", "resumed_on"])},
    a.LABOUR_COST_NOT_ALLOCATED: {**DUE, "months_missed": _s("integer", "Months due with no allocation.")},
    a.LABOUR_COST_SHORT: {**DUE, "allocated": _s("number", "Labour cost allocated for the month, yuan."),
                          "agreed": _s("number", "labour_cost.monthly_amount, yuan."),
                          "shortfall": _s("number", "Agreed minus allocated, yuan."),
                          "months_short": _s("integer", "Months due with an allocation below the agreed amount.")},
    a.PAYMENT_GUARANTEE_MISSING: PROJECT,
    a.NO_CONSTRUCTION_PERMIT: PROJECT,
    a.SITE_OBLIGATION_MISSING: {**PROJECT, "missing": _s("array", "What is not in place: wage_officer, signboard.",
                                                         items={"type": "string", "enum": ["wage_officer", "signboard"]}),
                                "days_since_start": _s("integer", "Days since start_date (or the resumption)."),
                                "due_within_days": _s("integer", "Days after the start by which both were due.")},
    a.DEPOSIT_MISSING: {**PROJECT, "required": _s("number", "Deposit required, yuan."),
                        "lodged": _s("number", "Deposit lodged, yuan."),
                        "days_since_start": _s("integer", "Days since start_date."),
                        "rate": _s("string", "Required share of the contract amount (decimal, e.g. 0.02).")},
    a.BALANCE_LOW: {**PROJECT, "balance": _s("number", "Labour cost credited minus wages paid out, yuan."),
                    "awaiting_payout": _s("number", "Payroll awaiting payout for the month due next, yuan."),
                    "basis": _s("string", "Which payroll the amount awaiting payout comes from.")},
    a.COMPLAINT_FILED: {**CASE, "complaint_id": _s("string", "The county's complaint_id."),
                        "channel": _s("string", "How the complaint arrived."),
                        "received_by": _s("string", "The county that received it (首问负责)."),
                        "filed_on": _date("When it was filed."), "status": _s("string", "The case's status."),
                        "employer": EMPLOYER,
                        "complainant": _s("object", "name, phone, id_number: masked, only those given."),
                        "workers_affected": _s("integer", "Workers the complaint is for."),
                        "amount_claimed": _s("number", "Yuan claimed."),
                        "related": _s("array", "Related case ids."),
                        "clock": Key(CLOCK.schema, optional=True)},
    a.COMPLAINT_OVERDUE: {**CASE, "status": _s("string", "The case's status."),
                          "department": _s("string", "The department handling it."), "clock": CLOCK},
    a.CRIMINAL_REFERRAL_DUE: {
        **CASE, **AS_OF, "status": _s("string", "The case's status."),
        "order": _object("The order to pay (责令支付) that went unheeded, and what was paid under it.",
                         ordered_on=_date("When it was issued."), by=_s("string", "Who recorded it."),
                         deadline=_date("The last day to pay."), amount=_s("number", "Wages ordered paid, yuan."),
                         workers=_s("integer", "Workers they are owed to."),
                         months=_s("integer", "The longest run of months any one worker went unpaid."),
                         largest_one_worker=_s(["number", "null"], "The most owed to one worker, yuan, if known."),
                         paid_by_deadline=_s("number", "Paid under the order by the deadline, yuan."),
                         paid=_s("number", "Paid under the order so far, yuan.")),
        "unpaid_at_deadline": _s("number", "Yuan still unpaid at the deadline."),
        "reason": _s("string", "Which threshold it meets."),
        "threshold_source": _s("string", "Where the province's threshold comes from (RULES.complaints.referral).")},
    a.GROUP_ARREARS: {"workers": _s("integer", "Workers in the complaints together."),
                      "case_ids": _s("array", "The cases.", items={"type": "string"}),
                      "amount_claimed": _s("number", "Yuan claimed together.")},
    a.REPEAT_DEFAULTER: {"employer": EMPLOYER, "case_ids": _s("array", "The cases.", items={"type": "string"}),
                         "divisions": _s("array", "Divisions of the cases.", items={"type": "string"})},
    a.RULE_FAILED: {**AS_OF, "source": _s("string", "The monitor whose sweep skipped the subject (payroll, workers, …)."),
                    "subject": _s("string", "The project code (or complaint case id) skipped."),
                    "error": _s("string", "The type of the error its records caused (never a value from them)."),
                    "where": _s("string", "Where in the rules it was raised: file:line function.")},
}

# Added to any alert by the platform, never by a rule: by the alerts service when it
# changes, by a sweep when it folds one rule's flood on one project into a summary alert.
LIFECYCLE_DETAILS: dict[str, Key] = {
    "folded": Key(_object("A summary alert (fingerprint <TYPE>:<project_code>:more) standing for the conditions "
                          "beyond the flood guard's limit; the other keys are those of the latest of them.",
                          conditions=_s("integer", "Conditions folded into this alert."),
                          first_month=_s(["string", "null"], "The earliest month among them."),
                          last_month=_s(["string", "null"], "The latest month among them."),
                          limit=_s("integer", "Alerts one rule raises for one project in one sweep.")).schema,
                  optional=True),
    "previous_severity": Key({"type": "string", "enum": list(a.SEVERITIES),
                              "description": "The colour before the alert rose."}, optional=True),
    "escalated": Key(_object("Handed up (督办) for want of acknowledgement.",
                             to=_s("string", "city or province"), reason=_s("string", "Why.")).schema, optional=True),
}


def details_schema(alert_type: str) -> dict[str, Any]:
    """The JSON Schema of one alert type's ``details``."""
    keys = {**ALERT_DETAILS[alert_type], **LIFECYCLE_DETAILS}
    return {"type": "object", "properties": {name: key.schema for name, key in keys.items()},
            "required": sorted(name for name, key in keys.items() if not key.optional)}
