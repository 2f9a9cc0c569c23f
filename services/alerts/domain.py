"""The alert lifecycle: one open alert per fingerprint.

A condition that a monitoring rule reports fires an alert unless one is already open for
its fingerprint; an open alert whose severity rises, or that must now reach a higher level
(city 督办, then province), is published again with the same alert_id; a fingerprint that
is no longer reported, or whose data cleared, resolves.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.contract.alerts import FIRING, LEVELS, RESOLVED, RULE_FAILED, severity_rank
from shared.divisions import city_of, province_of
from shared.workdays import WorkingCalendar

RAISE, RERAISE, ESCALATE, KEEP = "raise", "reraise", "escalate", "keep"


def decide(existing: dict[str, Any] | None, condition: dict[str, Any]) -> str:
    """What a reported condition does to the alert stored under its fingerprint."""
    if existing is None:
        return RAISE
    if existing["status"] == RESOLVED:
        return RERAISE
    if severity_rank(condition["severity"]) > severity_rank(existing["severity"]):
        return ESCALATE
    if LEVELS.index(condition.get("level", "county")) > LEVELS.index(existing.get("level", "county")):
        return ESCALATE
    return KEEP


def higher_level(*levels: str) -> str:
    return max(levels, key=LEVELS.index)


def to_resolve(open_fingerprints: set[str], reported: set[str], source: str | None = None,
               unevaluated: list[str] | None = None) -> set[str]:
    """Open alerts of a sweep's rules that the sweep no longer reports have cleared, except
    those about a subject (project code or case id, a part of the fingerprint) the sweep
    could not evaluate, and another monitor's RULE_FAILED alerts."""
    kept = set(unevaluated or ())
    return {fp for fp in open_fingerprints - reported
            if not kept.intersection(fp.split(":")) and _owned_by(fp, source)}


def _owned_by(fp: str, source: str | None) -> bool:
    kind, _, rest = fp.partition(":")
    return kind != RULE_FAILED or source is None or rest.split(":")[0] == source


def routes(departments: list[str], division: str, level: str = "county") -> list[dict[str, Any]]:
    """The desks that see an alert: the county's, then (when escalated) the city's and the
    province's, each under its own division code, since topic wildcards cannot match a
    prefix of a division code."""
    divisions = {"county": division, "city": city_of(division), "province": province_of(division)}
    reached = LEVELS[: LEVELS.index(level) + 1]
    return [{"department": d, "division": divisions[lv], "level": lv} for lv in reached for d in departments]


def messages_for(alert: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(route, body) for every desk the alert goes to: the contract's alert body."""
    body = {
        "alert_id": alert["alert_id"], "fingerprint": alert["_id"], "type": alert["type"],
        "severity": alert["severity"], "status": alert["status"],
        "project_code": alert.get("project_code"), "month": alert.get("month"),
        "summary": alert["summary"], "details": alert.get("details", {}), "p1": alert.get("p1", False),
        "raised_at": alert["raised_at"], "resolved_at": alert.get("resolved_at"),
    }
    return [(route, {**body, **route}) for route in alert["routes"]]


def is_open(alert: dict[str, Any]) -> bool:
    return bool(alert["status"] == FIRING)


# Acknowledgement (签收) and escalation (督办): a red or orange alert that no desk has
# acknowledged within its working days is handed one level up, and the clock starts again.
def next_level(level: str) -> str | None:
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def acknowledgement_deadline(alert: dict[str, Any], within: dict[str, int], calendar: WorkingCalendar) -> date | None:
    """The last working day on which the alert's current desks may acknowledge it, or
    None when its clock does not run (acknowledged, resolved, at the province, or a
    colour that never escalates). The clock starts the day the alert reached its level."""
    days = within.get(alert["severity"])
    if not days or alert["status"] != FIRING or alert.get("acknowledged_at") or not next_level(alert["level"]):
        return None
    since = date.fromisoformat((alert.get("level_since") or alert["raised_at"])[:10])
    return calendar.add_working_days(since, days)


def overdue_level(alert: dict[str, Any], within: dict[str, int], calendar: WorkingCalendar, as_of: date) -> str | None:
    """The level an unacknowledged alert must reach as of ``as_of``, if it is overdue."""
    deadline = acknowledgement_deadline(alert, within, calendar)
    return next_level(alert["level"]) if deadline and as_of > deadline else None


def overdue_since(alert: dict[str, Any], within: dict[str, int], calendar: WorkingCalendar) -> date | None:
    """The day an alert became overdue at its level: where the next level's clock starts,
    whenever the escalation is noticed (a sweep as of a later date, a timer after a pause)."""
    deadline = acknowledgement_deadline(alert, within, calendar)
    return deadline + timedelta(days=1) if deadline else None


# An operator resolves an alert with one of these outcomes (处理结果).
OUTCOMES = {
    "paid": "已足额支付",
    "data_corrected": "数据已补报或更正",
    "false_alarm": "误报",
    "transferred": "已移交有关部门",
    "case_opened": "已立案查处",
    "other": "其他",
}
