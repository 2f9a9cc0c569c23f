"""What keeps an alert from being notified to a desk: a silence (静默) an operator set,
or an inhibition (抑制) the policy declares. Suppression is decided afresh from the
current silences and open alerts whenever a desk is notified or shown its alerts, and
the answer says which silence or which alert is responsible, so a console can show it.
"""
from __future__ import annotations

from datetime import datetime

from services.alerts.matchers import ALERT_LABELS, DESK_LABELS, labels_of, matcher_problems, matches, normalise
from services.alerts.policy import Inhibition
from shared.divisions import covers

SILENCE_LABELS = ALERT_LABELS + DESK_LABELS
MAX_SILENCE_DAYS = 90


def is_active(silence: dict, now: str) -> bool:
    """A silence mutes from ``starts_at`` until ``ends_at`` unless expired early."""
    return (silence["starts_at"] <= now < silence["ends_at"]) and not silence.get("expired_at")


def silenced_by(alert: dict, desk: dict, silences: list[dict], now: str) -> str | None:
    """The id of the first active silence that mutes this alert on this desk."""
    labels = labels_of(alert, desk)
    for silence in silences:
        if is_active(silence, now) and matches(normalise(silence["matchers"]), labels):
            return silence["_id"]
    return None


def inhibited_by(alert: dict, open_alerts: list[dict], rules: tuple[Inhibition, ...]) -> str | None:
    """The fingerprint of an open alert whose presence inhibits this one, or None.

    ``equal`` labels must be present and equal on both: an alert without a project never
    inhibits, nor is inhibited by, a rule that pairs alerts by project.
    """
    target = labels_of(alert)
    for rule in rules:
        if not matches(rule.target, target):
            continue
        for other in open_alerts:
            if other["_id"] == alert["_id"] or other["status"] != "firing":
                continue
            source = labels_of(other)
            if matches(rule.source, source) and all(
                    target[label] is not None and target[label] == source[label] for label in rule.equal):
                return other["_id"]
    return None


def suppression(alert: dict, desk: dict, open_alerts: list[dict], silences: list[dict],
                rules: tuple[Inhibition, ...], now: str) -> dict:
    """``{"silenced_by": id | None, "inhibited_by": fingerprint | None}``."""
    return {"silenced_by": silenced_by(alert, desk, silences, now),
            "inhibited_by": inhibited_by(alert, open_alerts, rules)}


def silence_problems(silence: dict, now: str) -> dict[str, list[str]]:
    """Field errors of a requested silence: matchers, reason, creator and a window that
    ends after it starts, in the future, within ``MAX_SILENCE_DAYS``."""
    problems: dict[str, list[str]] = {}
    matchers = silence.get("matchers")
    if not isinstance(matchers, dict) or not matchers:
        problems["matchers"] = ["Must match at least one label."]
    else:
        problems.update({f"matchers.{k}": v for k, v in matcher_problems(matchers, SILENCE_LABELS).items()})
    for field in ("created_by", "reason"):
        if not str(silence.get(field) or "").strip():
            problems[field] = ["Must not be empty."]
    starts, ends = silence.get("starts_at") or now, silence.get("ends_at")
    if not ends:
        problems["ends_at"] = ["Required: a silence always expires."]
    elif ends <= starts or ends <= now:
        problems["ends_at"] = ["Must be after the start and in the future."]
    elif _days_between(starts, ends) > MAX_SILENCE_DAYS:
        problems["ends_at"] = [f"A silence lasts at most {MAX_SILENCE_DAYS} days."]
    return problems


def _days_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 86400


def made_for_desk(silence: dict, department: str, division: str | None) -> bool:
    """A silence made for this desk: it names the department and a division within the desk's."""
    matchers = silence["matchers"]
    departments = matchers.get("department")
    divisions = matchers.get("desk_division")
    departments = departments if isinstance(departments, list) else [departments]
    divisions = divisions if isinstance(divisions, list) else [divisions]
    if not division:
        return False
    return department in departments and all(d and covers(division, d) for d in divisions)


def silence_view(silence: dict) -> dict:
    return {"silence_id": silence["_id"], **{k: v for k, v in silence.items() if k != "_id"}}
