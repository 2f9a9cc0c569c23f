"""A complaint case's lifecycle (投诉案件办理): its states, the changes a desk may make,
and the record of every change (who, when, what).

    received ─accept─▶ accepted ─investigate─▶ investigating ─resolve─▶ resolved ─close─▶ closed
        └─refuse─▶ refused          └───────────resolve──────────────▲
    received / accepted / investigating ─suspend─▶ waiting ─resume─▶ where it was
    received / accepted / investigating / waiting ─transfer─▶ received, at the new desk
    closed ─reopen─▶ investigating            refused ─reopen─▶ received
    accepted … resolved ─extend─▶ (unchanged) investigation deadline + 30 working days, once

First-contact responsibility (首问负责, Regulation Art 10): a desk that is not competent
transfers the case; nothing here turns a complaint away. A transfer puts the case back to
``received`` at the new desk, whose acceptance clock starts on the day of the transfer.

Plain Python: a case is the stored dict; :func:`apply` returns what to store.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.complaints.exceptions import InvalidChange, InvalidTransition
from shared import internal

# States.
RECEIVED, ACCEPTED, REFUSED, INVESTIGATING = "received", "accepted", "refused", "investigating"
WAITING, RESOLVED, CLOSED = "waiting", "resolved", "closed"
STATUSES = (RECEIVED, ACCEPTED, REFUSED, INVESTIGATING, WAITING, RESOLVED, CLOSED)
OPEN_STATUSES = (RECEIVED, ACCEPTED, INVESTIGATING, WAITING, RESOLVED)
FINAL_STATUSES = (REFUSED, CLOSED)

# Changes. FILE is the platform's own (a complaint arrives); the rest are a desk's.
FILE, ACCEPT, REFUSE, INVESTIGATE = "file", "accept", "refuse", "investigate"
SUSPEND, RESUME, RESOLVE, CLOSE = "suspend", "resume", "resolve", "close"
TRANSFER, REOPEN, EXTEND = "transfer", "reopen", "extend"

# How a case may end (办结方式); the fixed list the figures count by.
OUTCOMES = {
    "paid_in_full": "欠薪已全额清偿 wages paid in full",
    "paid_in_part": "部分清偿 wages paid in part",
    "no_arrears_found": "查无欠薪 no arrears found",
    "referred_to_police": "涉嫌拒不支付劳动报酬罪，移送公安 referred to the police",
    "referred_to_arbitration": "转劳动争议仲裁或诉讼 referred to arbitration or court",
    "withdrawn": "投诉人撤回 withdrawn by the complainant",
}


@dataclass(frozen=True)
class Rule:
    """Which states a change applies to, where it leads (None: decided by the case) and
    the event it publishes."""

    applies_to: tuple[str, ...]
    leads_to: str | None
    event: str


RULES: dict[str, Rule] = {
    FILE: Rule((), RECEIVED, internal.COMPLAINT_RECEIVED),
    ACCEPT: Rule((RECEIVED,), ACCEPTED, internal.COMPLAINT_ACCEPTED),
    REFUSE: Rule((RECEIVED,), REFUSED, internal.COMPLAINT_REFUSED),
    INVESTIGATE: Rule((ACCEPTED,), INVESTIGATING, internal.COMPLAINT_INVESTIGATION_STARTED),
    SUSPEND: Rule((RECEIVED, ACCEPTED, INVESTIGATING), WAITING, internal.COMPLAINT_SUSPENDED),
    RESUME: Rule((WAITING,), None, internal.COMPLAINT_RESUMED),
    RESOLVE: Rule((ACCEPTED, INVESTIGATING), RESOLVED, internal.COMPLAINT_RESOLVED),
    CLOSE: Rule((RESOLVED,), CLOSED, internal.COMPLAINT_CLOSED),
    TRANSFER: Rule((RECEIVED, ACCEPTED, INVESTIGATING, WAITING), RECEIVED, internal.COMPLAINT_TRANSFERRED),
    REOPEN: Rule(FINAL_STATUSES, None, internal.COMPLAINT_REOPENED),
    EXTEND: Rule((ACCEPTED, INVESTIGATING, WAITING, RESOLVED), None, internal.COMPLAINT_DEADLINE_EXTENDED),
}
DESK_ACTIONS = tuple(a for a in RULES if a != FILE)

# What to do instead, for the mistakes desks make most.
_HINTS = {
    (CLOSE, ACCEPTED): "resolve it first (outcome, amount recovered, workers paid)",
    (CLOSE, INVESTIGATING): "resolve it first (outcome, amount recovered, workers paid)",
    (REFUSE, ACCEPTED): "an accepted case ends with an outcome (resolve, then close), not a refusal",
    (REFUSE, INVESTIGATING): "an accepted case ends with an outcome (resolve, then close), not a refusal",
    (RESOLVE, RECEIVED): "accept it first",
    (INVESTIGATE, RECEIVED): "accept it first",
    (TRANSFER, RESOLVED): "a resolved case is closed by the desk that resolved it",
    (EXTEND, RECEIVED): "only the investigation deadline can be extended, once the case is accepted",
}


def event_of(action: str) -> str:
    return RULES[action].event


def is_open(case: dict[str, Any]) -> bool:
    return case["status"] in OPEN_STATUSES


def check_allowed(case: dict[str, Any], action: str) -> None:
    """Raise :class:`InvalidTransition` naming the case, its state and what would work."""
    rule = RULES.get(action)
    if rule is None or action == FILE:
        raise InvalidChange({"action": [f"Unknown change {action!r}; one of: {', '.join(DESK_ACTIONS)}."]})
    status = case["status"]
    if status in rule.applies_to:
        return
    message = (f"Cannot {action} case {case['_id']}: it is {status}; "
               f"{action} applies only to a case that is {' or '.join(rule.applies_to)}.")
    hint = _HINTS.get((action, status))
    raise InvalidTransition(f"{message} Hint: {hint}." if hint else message)


def check_effective_date(case: dict[str, Any], on: date, today: date) -> None:
    """A change takes effect on a date no earlier than the case's last change (a record
    is kept in order) and no later than today (nothing is decided in advance)."""
    last = date.fromisoformat(case["history"][-1]["on"])
    if on > today:
        raise InvalidChange({"on": [f"Must not be in the future (today is {today.isoformat()})."]})
    if on < last:
        raise InvalidChange({"on": [f"Must not be before the case's last change ({last.isoformat()})."]})


def since_acceptance(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries from the latest acceptance after the latest filing or transfer; empty
    while the case has not been accepted at its current desk."""
    accepted_at = None
    for index, entry in enumerate(history):
        if entry["action"] in (FILE, TRANSFER):
            accepted_at = None
        elif entry["action"] == ACCEPT:
            accepted_at = index
    return [] if accepted_at is None else history[accepted_at:]


# What an action sets on the case, and what its history entry records.
_Change = tuple[dict[str, Any], dict[str, Any]]

def apply(case: dict[str, Any], action: str, params: dict[str, Any], *, by: str, at: str, on: date,
          today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a desk's change does to a case: ``(fields to set, history entry)``.

    ``params`` were validated at the edge (``schemas.py``); here are the rules that need
    the case itself. Raises :class:`InvalidTransition` or :class:`InvalidChange`.
    """
    check_allowed(case, action)
    check_effective_date(case, on, today)
    changes, details = _CHANGES[action](case, params)
    changes.setdefault("status", RULES[action].leads_to)
    entry = {
        "seq": case["history"][-1]["seq"] + 1, "action": action, "from_status": case["status"],
        "to_status": changes["status"], "by": by, "at": at, "on": on.isoformat(),
        "division": changes.get("division", case["division"]),
        "department": changes.get("department", case["department"]),
        "details": {k: v for k, v in details.items() if v is not None},
    }
    return changes, entry


def _note(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    return {}, {"note": params.get("note")}


def _reason(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    return {}, {"reason": params["reason"]}


def _suspend(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    return {"resume_status": case["status"]}, {"reason": params["reason"]}


def _resume(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    return {"status": case["resume_status"], "resume_status": None}, {"note": params.get("note")}


def _resolve(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    resolution = {"outcome": params["outcome"], "amount_recovered_fen": params["amount_recovered_fen"],
                  "workers_paid": params["workers_paid"]}
    return {"resolution": resolution}, {**resolution, "note": params.get("note")}


def _transfer(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    division = params.get("to_division") or case["division"]
    department = params.get("to_department") or case["department"]
    if (division, department) == (case["division"], case["department"]):
        raise InvalidChange({"to_division": [
            f"The case is already with {department}@{division}: name another division or department."]})
    changes = {"division": division, "department": department, "resume_status": None}
    return changes, {"from_division": case["division"], "from_department": case["department"],
                     "to_division": division, "to_department": department, "reason": params["reason"]}


def _reopen(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    # A closed case goes back to investigation; a refused one back to acceptance.
    status = INVESTIGATING if case["status"] == CLOSED else RECEIVED
    return {"status": status, "resolution": None}, {"reason": params["reason"]}


def _extend(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    if case["status"] == WAITING and case.get("resume_status") == RECEIVED:
        raise InvalidTransition(
            f"Cannot extend case {case['_id']}: it has not been accepted at its current desk; "
            "only the investigation deadline can be extended.")
    for entry in since_acceptance(case["history"]):
        if entry["action"] == EXTEND:
            raise InvalidTransition(
                f"Cannot extend case {case['_id']}: its investigation deadline was already extended "
                f"on {entry['on']} by {entry['by']} (the law allows one extension of 30 working days).")
    return {"status": case["status"]}, {"reason": params["reason"]}


_CHANGES = {
    ACCEPT: _note, REFUSE: _reason, INVESTIGATE: _note, SUSPEND: _suspend, RESUME: _resume,
    RESOLVE: _resolve, CLOSE: _note, TRANSFER: _transfer, REOPEN: _reopen, EXTEND: _extend,
}
