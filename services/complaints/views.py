"""How a case leaves the service: RPC answers and event bodies, JSON-ready and with the
complainant masked (the stored hashes never leave)."""
from __future__ import annotations

from services.complaints.clocks import Clock
from services.complaints.rules import shown_complainant
from shared.contract.fields import from_fen
from shared.internal import ComplaintEventSchema

_EVENT = ComplaintEventSchema()


def summary(case: dict, clock: Clock | None) -> dict:
    """One line's worth of a case, for lists."""
    return {
        "case_id": case["_id"], "filed_on": case["filed_on"], "status": case["status"],
        "division": case["division"], "department": case["department"],
        "project_code": case.get("project_code"), "employer_name": case["employer"]["name"],
        "workers_affected": case["workers_affected"],
        "amount_claimed": float(from_fen(case["amount_claimed_fen"])),
        "referral_suggested": case["referral"]["suggested"],
        "clock": clock.as_dict() if clock else None,
    }


def case_view(case: dict, clock: Clock | None) -> dict:
    """Everything a desk sees of a case, with its record of changes."""
    resolution = case.get("resolution")
    return {
        **summary(case, clock),
        "county": case["county"], "complaint_id": case["complaint_id"], "channel": case["channel"],
        "filed_at": case["filed_at"], "month": case["month"], "resume_status": case.get("resume_status"),
        "project": case.get("project"), "employer": case["employer"], "employer_role": case.get("employer_role"),
        "complainant": shown_complainant(case["complainant"]), "description": case["description"],
        "referral": case["referral"], "related": case.get("related", []),
        "resolution": _resolution(resolution) if resolution else None,
        "history": [_entry(e) for e in case["history"]],
    }


def _resolution(resolution: dict) -> dict:
    return {"outcome": resolution["outcome"], "workers_paid": resolution["workers_paid"],
            "amount_recovered": float(from_fen(resolution["amount_recovered_fen"]))}


def _entry(entry: dict) -> dict:
    details = dict(entry["details"])
    if "amount_recovered_fen" in details:
        details["amount_recovered"] = float(from_fen(details.pop("amount_recovered_fen")))
    return {**entry, "details": details}


def event_body(case: dict, entry: dict) -> dict:
    """The body of the ``complaint_*`` event for one change (no personal data)."""
    return _EVENT.dump({
        "case_id": case["_id"], "county": case["county"], "complaint_id": case["complaint_id"],
        "division": entry["division"], "department": entry["department"], "status": entry["to_status"],
        "filed_on": case["filed_on"], "month": case["month"], "project_code": case.get("project_code"),
        "employer_uscc": case.get("employer_uscc"), "workers_affected": case["workers_affected"],
        "change": _entry(entry),
    })
