"""Notifications to desks (通知): how a noisy rule is kept from flooding a desk.

Every change to an alert marks the *group* it belongs to on each desk it reaches
(department, division, the desk rule and its ``group_by`` labels, e.g. one project) as
changed. A group is notified once its wait is over: ``group_wait`` after it first
changes (a burst of 300 alerts on one project makes one notification), then no more
often than ``group_interval`` while it keeps changing. A group still firing and not
acknowledged is notified again after ``repeat_interval`` for its highest colour.
Silenced and inhibited alerts are left out of notifications (and listed as such).

Pure functions over plain dicts; the service stores the group state and publishes.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from services.alerts.matchers import labels_of
from services.alerts.policy import AlertPolicy, DeskRule
from shared.contract.alerts import FIRING, severity_rank
from shared.contract.topology import NOTIFICATIONS_EXCHANGE_NAME, notifications_exchange  # noqa: F401 - re-exported

NEW, CHANGED, REPEAT = "new", "changed", "repeat"

# Desks that would rather be told than watch every alert bind here: one message per
# notification, ``notify.<department>.<division>.<colour>`` (the group's highest colour,
# or ``resolved`` when only resolutions are left). Declared with the contract's exchanges.


def notification_key(desk: dict, colour: str) -> str:
    return f"notify.{desk['department']}.{desk['division']}.{colour}"


def group_of(alert: dict, desk: dict, policy: AlertPolicy) -> dict:
    """The group an alert belongs to on a desk: its id and what identifies it."""
    labels = labels_of(alert, desk)
    index, rule = policy.desk_rule(labels)
    values = {label: labels.get(label) for label in rule.group_by}
    key = "|".join([f"{desk['department']}@{desk['division']}", str(index),
                    *(f"{k}={v}" for k, v in values.items())])
    return {"_id": key, "desk": dict(desk), "rule": index, "labels": values}


def in_group(alert: dict, group: dict, policy: AlertPolicy) -> bool:
    return group_of(alert, group["desk"], policy)["_id"] == group["_id"]


def due_after_change(state: dict | None, rule: DeskRule, now: datetime) -> datetime:
    """When a group that just changed is next notified."""
    if state and state.get("dirty") and state.get("due_at"):
        return min(_at(state["due_at"]), _wait_due(state, rule, now))
    return _wait_due(state, rule, now)


def _wait_due(state: dict | None, rule: DeskRule, now: datetime) -> datetime:
    if not state or not state.get("notified_at"):
        return now + timedelta(seconds=rule.group_wait)
    return max(now, _at(state["notified_at"]) + timedelta(seconds=rule.group_interval))


def compose(group: dict, state: dict, members: list[dict], suppressed: dict[str, dict],
            rule: DeskRule, now: datetime) -> tuple[str | None, dict]:
    """(reason to notify or None, the group's next state) at a group's due time.

    ``members`` are the group's alerts on this desk, open or recently resolved;
    ``suppressed`` maps a fingerprint to why it is not notified.
    """
    firing = [a for a in members if a["status"] == FIRING and a["_id"] not in suppressed]
    before = set(state.get("notified") or ())
    resolved = [a for a in members if a["_id"] in before and a["status"] != FIRING]
    current = {a["_id"] for a in firing}
    if state.get("dirty"):
        reason = (CHANGED if state.get("notified_at") else NEW) if (current - before or resolved) else None
    else:
        reason = REPEAT if _unacknowledged(firing) else None
    notified_at = now if reason else (_at(state["notified_at"]) if state.get("notified_at") else None)
    repeat = _repeat_after(firing, rule)
    next_due = notified_at + timedelta(seconds=repeat) if (repeat is not None and notified_at) else None
    return reason, {"dirty": False, "notified": sorted(current), "notified_at": notified_at,
                    "due_at": next_due, "firing": firing, "resolved": resolved}


def _unacknowledged(firing: list[dict]) -> list[dict]:
    return [a for a in firing if not a.get("acknowledged_at")]


def _repeat_after(firing: list[dict], rule: DeskRule) -> int | None:
    """The repeat interval of the group's highest unacknowledged colour, or None."""
    waiting = _unacknowledged(firing)
    if not waiting:
        return None
    top = max((a["severity"] for a in waiting), key=severity_rank)
    return rule.repeat_after(top)


def _at(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
