"""A complaint case's lifecycle (投诉案件办理): its states, the changes a desk may make,
and the record of every change (who, when, what).

    received ─accept─▶ accepted ─investigate─▶ investigating ─resolve─▶ resolved ─close─▶ closed
        └─refuse─▶ refused          └───────────resolve──────────────▲
    received / accepted / investigating ─suspend─▶ waiting ─resume─▶ where it was
    received / accepted / investigating / waiting ─transfer─▶ received, at the new desk
    closed ─reopen─▶ investigating            refused ─reopen─▶ received
    accepted … resolved ─extend─▶ (unchanged) investigation deadline + 30 working days, once
    accepted / investigating ─order─▶ (unchanged) an order to pay (责令支付) with its deadline
    accepted / investigating / waiting ─pay─▶ (unchanged) wages paid under the order recorded

An order to pay is the step the crime of refusing to pay wages (拒不支付劳动报酬罪, Criminal
Law Art 276-1) turns on: only an order from the labour inspectorate (or another competent
department) that was not obeyed by its deadline makes a referral to the police due
(Supreme People's Court interpretation 法释〔2013〕3号 Art 4); the amount a complaint claims
is never enough on its own (``rules.referral_condition``). The order is read from the
record (:func:`order_of`), never stored beside it: a later order replaces an earlier one.

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
ORDER, PAY = "order_payment", "record_payment"

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
    ORDER: Rule((ACCEPTED, INVESTIGATING), None, internal.COMPLAINT_PAYMENT_ORDERED),
    PAY: Rule((ACCEPTED, INVESTIGATING, WAITING), None, internal.COMPLAINT_PAYMENT_RECORDED),
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
    (ORDER, RECEIVED): "accept it first (立案): an order to pay is issued in an accepted case",
    (ORDER, WAITING): "resume it first",
    (PAY, RECEIVED): "accept it first",
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
    changes, details = _CHANGES[action](case, {**params, "on": on})
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


def _order(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    if params["deadline"] <= params["on"]:
        raise InvalidChange({"deadline": [f"Must be after the day the order is issued ({params['on'].isoformat()})."]})
    if params["workers"] == 1 and params.get("largest_one_worker_fen") not in (None, params["amount_fen"]):
        raise InvalidChange({"largest_one_worker": ["For one worker it is the amount ordered; leave it out."]})
    if (params.get("largest_one_worker_fen") or 0) > params["amount_fen"]:
        raise InvalidChange({"largest_one_worker": ["Must not be more than the amount ordered."]})
    details = {key: params.get(key) for key in ("deadline", "amount_fen", "workers", "months",
                                                  "largest_one_worker_fen", "note")}
    details["deadline"] = params["deadline"].isoformat()
    return {"status": case["status"]}, details


def _pay(case: dict[str, Any], params: dict[str, Any]) -> _Change:
    if order_of(case) is None:
        raise InvalidTransition(f"Cannot record a payment on case {case['_id']}: no order to pay (责令支付) "
                                "is recorded on it; record the order first (order_payment).")
    return {"status": case["status"]}, {"amount_paid_fen": params["amount_paid_fen"], "note": params.get("note")}


_CHANGES = {
    ACCEPT: _note, REFUSE: _reason, INVESTIGATE: _note, SUSPEND: _suspend, RESUME: _resume,
    RESOLVE: _resolve, CLOSE: _note, TRANSFER: _transfer, REOPEN: _reopen, EXTEND: _extend,
    ORDER: _order, PAY: _pay,
}


# ---- the order to pay (责令支付), read from the record -------------------------------------

@dataclass(frozen=True)
class Order:
    """The order to pay in force on a case and what was paid under it."""

    ordered_on: date
    by: str
    deadline: date                 # the last day to pay
    amount_fen: int                # wages ordered paid, in total
    workers: int                   # workers they are owed to
    months: int                    # the longest run of months any one of them went unpaid
    largest_one_worker_fen: int | None   # the most owed to one worker, when the desk knows it
    paid_by_deadline_fen: int      # paid under the order on or before the deadline
    paid_fen: int                  # paid under the order so far

    @property
    def outstanding_at_deadline_fen(self) -> int:
        return max(self.amount_fen - self.paid_by_deadline_fen, 0)

    @property
    def one_worker_fen(self) -> int:
        """What one worker was owed at least: the desk's figure, else (a lower bound) the
        average; never more than what remained unpaid at the deadline."""
        if self.workers == 1:
            owed = self.amount_fen
        else:
            owed = self.largest_one_worker_fen or self.amount_fen // self.workers
        return min(owed, self.outstanding_at_deadline_fen)


def order_of(case: dict[str, Any]) -> Order | None:
    """The latest order to pay on the case (a later order replaces an earlier one), with
    the payments recorded after it; None when no order was issued."""
    order: dict[str, Any] | None = None
    payments: list[dict[str, Any]] = []
    for entry in case["history"]:
        if entry["action"] == ORDER:
            order, payments = entry, []
        elif entry["action"] == PAY and order is not None:
            payments.append(entry)
    if order is None:
        return None
    details, deadline = order["details"], date.fromisoformat(order["details"]["deadline"])
    return Order(ordered_on=date.fromisoformat(order["on"]), by=order["by"], deadline=deadline,
                 amount_fen=details["amount_fen"], workers=details["workers"], months=details["months"],
                 largest_one_worker_fen=details.get("largest_one_worker_fen"),
                 paid_by_deadline_fen=sum(p["details"]["amount_paid_fen"] for p in payments
                                          if date.fromisoformat(p["on"]) <= deadline),
                 paid_fen=sum(p["details"]["amount_paid_fen"] for p in payments))
