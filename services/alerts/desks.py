"""Telling desks (the use case behind ``notify.py``): mark the groups an alert change
concerns, send the notifications that are due, and say which alerts are muted and why.

Plain orchestration over the repository, the policy and two callables (publish on
``wagewatch.notifications``, dispatch ``desk_notified``), so the service stays thin.
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from services.alerts.matchers import labels_of, matches
from services.alerts.notify import compose, due_after_change, group_of, in_group, notification_key
from services.alerts.ports import Clock, Dispatch, Publish
from services.alerts.suppression import suppression
from services.alerts.views import view
from shared.calendar import now_iso
from shared.contract.alerts import FIRING, severity_rank
from shared.internal import DESK_NOTIFIED

if TYPE_CHECKING:
    from services.alerts.policy import AlertPolicy
    from services.alerts.repository import AlertRepository

GROUP_LEASE = timedelta(seconds=60)   # a claimed group comes back if its instance dies
FOR_DESK_LIMIT = 500                  # AlertRepository.for_desk's default limit


def reaches(alert: dict, desk: dict) -> bool:
    """The alert is routed to the desk (as ``AlertRepository.for_desk`` matches it)."""
    return any(r["department"] == desk["department"] and r["division"] == desk["division"] for r in alert["routes"])


class DeskNotifier:
    def __init__(self, repository: AlertRepository, policy: AlertPolicy, clock: Clock, publish: Publish,
                 dispatch: Dispatch) -> None:
        self.repository, self.policy, self.clock = repository, policy, clock
        self.publish, self.dispatch = publish, dispatch

    def changed(self, *alerts: dict) -> None:
        """Alerts changed: their groups, and those of the same projects' alerts they may
        inhibit or stop inhibiting, are due again (one query for all of them)."""
        concerned = {alert["_id"]: alert for alert in alerts}
        inhibiting = [alert.get("project_code") for alert in alerts
                      if any(matches(rule.source, labels_of(alert)) for rule in self.policy.inhibitions)]
        if inhibiting:
            for other in self.repository.open_on_projects(inhibiting):
                concerned.setdefault(other["_id"], other)
        self.touch(list(concerned.values()))

    def touch(self, alerts: list[dict]) -> None:
        """Each group once, however many of its alerts changed (a silence may touch thousands)."""
        now = self.clock.now()
        groups: dict[str, dict[str, Any]] = {}
        for alert in alerts:
            for desk in alert["routes"]:
                group = group_of(alert, desk, self.policy)
                groups.setdefault(group["_id"], group)
        for group in groups.values():
            if group["rule"] < len(self.policy.desk_rules):
                rule = self.policy.desk_rules[group["rule"]]
                due = due_after_change(self.repository.get_group(group["_id"]), rule, now)
                self.repository.touch_group(group, _not_before(due), now_iso(now))

    def send_due(self) -> None:
        """Notify the groups that are due: claimed one by one (one instance per group),
        their projects' alerts read in one query for all of them."""
        now = self.clock.now()
        lease = now_iso(now + GROUP_LEASE)
        claimed = [group for group in self.repository.due_groups(now_iso(now)) if self.repository.claim_group(group, lease)]
        codes = {group["labels"].get("project_code") for group in claimed} - {None}
        by_project: dict[str, list[dict]] = {code: [] for code in codes}
        for alert in self.repository.on_projects(sorted(codes)) if codes else ():
            by_project[alert["project_code"]].append(alert)
        for group in claimed:
            self._notify(group, lease, now, by_project.get(group["labels"].get("project_code")))

    def suppressed(self, alerts: list[dict], desk: dict, now: str,
                   neighbours: list[dict] | None = None) -> dict[str, dict]:
        """fingerprint → why it is not notified to this desk, for the muted ones
        (``neighbours``: the open alerts on their projects, when already read)."""
        silences = self.repository.current_silences(now)
        if neighbours is None:
            neighbours = self.repository.open_on_projects([a.get("project_code") for a in alerts])
        muted = {}
        for alert in alerts:
            why = suppression(alert, desk, neighbours, silences, self.policy.inhibitions, now)
            if why["silenced_by"] or why["inhibited_by"]:
                muted[alert["_id"]] = why
        return muted

    def _notify(self, group: dict, lease: str, now, on_project: list[dict] | None = None) -> None:
        """``on_project``: every alert on the group's project, when already read."""
        rule = self.policy.desk_rules[group["rule"]]
        code = group["labels"].get("project_code")
        if on_project is None:
            reaching = self.repository.for_desk(group["desk"], project_code=code)
            neighbours = None
        else:   # as for_desk answers: those reaching the desk, newest change first
            reaching = sorted((a for a in on_project if reaches(a, group["desk"])),
                              key=lambda a: a["updated_at"], reverse=True)[:FOR_DESK_LIMIT]
            neighbours = [a for a in on_project if a["status"] == FIRING]
        members = [a for a in reaching if in_group(a, group, self.policy)]
        muted = self.suppressed(members, group["desk"], now_iso(now), neighbours)
        reason, state = compose(group, group, members, muted, rule, now)
        stored = {**state, "notified_at": now_iso(state["notified_at"]) if state["notified_at"] else None,
                  "due_at": _not_before(state["due_at"]) if state["due_at"] else None}
        if reason:
            self._send(group, rule.name, reason, state, muted, now)
        self.repository.finish_group(group, stored, lease)
        if not stored["notified"] and stored["due_at"] is None:
            self.repository.forget_idle_group(group["_id"])

    def _send(self, group: dict, rule_name: str, reason: str, state: dict, muted: dict, now) -> None:
        firing, resolved = state["firing"], state["resolved"]
        colour = max((a["severity"] for a in firing), key=severity_rank) if firing else "resolved"
        notification = {
            "notification_id": uuid.uuid4().hex, "desk": group["desk"], "group": group["labels"],
            "rule": rule_name, "reason": reason, "colour": colour, "sent_at": now_iso(now),
            "firing": [view(a) for a in firing], "resolved": [view(a) for a in resolved],
            "suppressed": [{"fingerprint": fp, **why} for fp, why in sorted(muted.items())],
        }
        self.repository.record_notification(notification)   # the record first: what the desk was told
        self.publish(notification, routing_key=notification_key(group["desk"], colour))
        self.dispatch(DESK_NOTIFIED, notification)


def _not_before(moment) -> str:
    """A due time to the second, rounded up: a group never waits less than it should."""
    return now_iso(moment + timedelta(seconds=1) if moment.microsecond else moment)
