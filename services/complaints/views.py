"""How a case leaves the service: RPC answers and event bodies, JSON-ready and with the
complainant masked (the stored hashes never leave)."""
from __future__ import annotations

from typing import Any

from services.complaints.clocks import Clock
from services.complaints.domain import Order, order_of
from services.complaints.rules import shown_complainant
from shared.contract.fields import from_fen
from shared.internal import CaseChange, ComplaintEvent


def summary(case: dict, clock: Clock | None, referral: dict | None = None) -> dict:
    """One line's worth of a case, for lists. ``referral`` is the case's
    CRIMINAL_REFERRAL_DUE condition as of the day read, if it holds."""
    order = order_of(case)
    return {
        "case_id": case["_id"], "filed_on": case["filed_on"], "status": case["status"],
        "division": case["division"], "department": case["department"],
        "project_code": case.get("project_code"), "employer_name": case["employer"]["name"],
        "workers_affected": case["workers_affected"],
        "amount_claimed": float(from_fen(case["amount_claimed_fen"])),
        "order_deadline": order.deadline.isoformat() if order else None,
        "referral_due": referral is not None,
        "clock": clock.as_dict() if clock else None,
    }


def case_view(case: dict, clock: Clock | None, referral: dict | None = None) -> dict:
    """Everything a desk sees of a case, with its record of changes."""
    resolution, order = case.get("resolution"), order_of(case)
    return {
        **summary(case, clock, referral),
        "county": case["county"], "complaint_id": case["complaint_id"], "channel": case["channel"],
        "filed_at": case["filed_at"], "month": case["month"], "resume_status": case.get("resume_status"),
        "project": case.get("project"), "employer": case["employer"], "employer_role": case.get("employer_role"),
        "complainant": shown_complainant(case["complainant"]), "description": case["description"],
        "order": _order(order) if order else None,
        "referral": {"due": referral is not None, "reason": referral["details"]["reason"] if referral else None},
        "related": case.get("related", []),
        "resolution": _resolution(resolution) if resolution else None,
        "history": [_entry(e) for e in case["history"]],
    }


def _resolution(resolution: dict) -> dict:
    return {"outcome": resolution["outcome"], "workers_paid": resolution["workers_paid"],
            "amount_recovered": float(from_fen(resolution["amount_recovered_fen"]))}


def _order(order: Order) -> dict:
    yuan = lambda fen: float(from_fen(fen)) if fen is not None else None  # noqa: E731
    return {"ordered_on": order.ordered_on.isoformat(), "by": order.by, "deadline": order.deadline.isoformat(),
            "amount": yuan(order.amount_fen), "workers": order.workers, "months": order.months,
            "largest_one_worker": yuan(order.largest_one_worker_fen), "paid_by_deadline": yuan(order.paid_by_deadline_fen),
            "paid": yuan(order.paid_fen)}


def _entry(entry: dict) -> dict:
    details = dict(entry["details"])
    for key in [k for k in details if k.endswith("_fen")]:
        value = details.pop(key)
        details[key[:-4]] = float(from_fen(value)) if value is not None else None
    return {**entry, "details": details}


def complaint_event(case: dict, entry: dict) -> ComplaintEvent:
    """The ``complaint_*`` event for one change (no personal data)."""
    change = _entry(entry)
    recorded: dict[str, Any] = {name: change.get(name) for name in CaseChange.SCHEMA.fields}
    return ComplaintEvent(
        case_id=case["_id"], county=case["county"], complaint_id=case["complaint_id"],
        division=entry["division"], department=entry["department"], status=entry["to_status"],
        filed_on=case["filed_on"], month=case["month"], project_code=case.get("project_code"),
        employer_uscc=case.get("employer_uscc"), workers_affected=case["workers_affected"],
        change=CaseChange(**recorded))

