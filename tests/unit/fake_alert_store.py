"""A hand-written fake of the alerts use cases' storage port (AlertRepository's verbs):
plain dicts, each change guarded by the state it expects as the repository's atomic
updates are (tests/repositories proves the real one against MongoDB and the embedded
store). A new alert takes the repository's own stored shape."""
from __future__ import annotations

import copy
import itertools

from services.alerts.repository import AlertRepository
from shared.calendar import now_iso
from shared.contract.alerts import FIRING, RESOLVED, severity_rank

_ids = itertools.count(1)


def _reaches(alert: dict, desk: dict) -> bool:
    return any(r["department"] == desk["department"] and r["division"] == desk["division"] for r in alert["routes"])


class FakeAlertStore:
    def __init__(self):
        self.alerts: dict[str, dict] = {}
        self.silences: dict[str, dict] = {}
        self.groups: dict[str, dict] = {}
        self.notifications: list[dict] = []

    # --- alerts ---------------------------------------------------------------------------
    def get(self, fingerprint):
        return copy.deepcopy(self.alerts.get(fingerprint))

    def open_fingerprints(self, types, project_codes=None):
        return {fp for fp, a in self.alerts.items() if a["type"] in types and a["status"] == FIRING
                and (project_codes is None or a.get("project_code") in project_codes)}

    def by_fingerprints(self, fingerprints):
        return [copy.deepcopy(self.alerts[fp]) for fp in fingerprints if fp in self.alerts]

    def raise_new(self, condition, routes, now):
        if condition["fingerprint"] in self.alerts:
            return None
        return self._store(self._firing(condition, routes, now, episode=1))

    def reraise(self, existing, condition, routes, now):
        guard = {"status": RESOLVED, "episode": existing.get("episode", 1)}
        if not self._holds(existing["_id"], guard):
            return None
        return self._store(self._firing(condition, routes, now, episode=existing.get("episode", 1) + 1))

    def escalate(self, existing, condition, routes, now):
        guard = {"status": FIRING, "severity": existing["severity"], "level": existing["level"]}
        severity = max(existing["severity"], condition["severity"], key=severity_rank)
        change = {"severity": severity, "level": condition["level"], "routes": routes, "summary": condition["summary"],
                  "details": {**condition.get("details", {}), "previous_severity": existing["severity"]},
                  "updated_at": now, "unpublished": True, "revision": f"r{next(_ids)}"}
        if severity != existing["severity"]:
            change.update(acknowledged_by=None, acknowledged_at=None, level_since=condition.get("clock_from") or now)
        elif condition["level"] != existing["level"]:
            change["level_since"] = condition.get("clock_from") or now
        return self._update(existing["_id"], guard, change)

    def escalate_level(self, existing, level, routes, reason, now, since):
        guard = {"status": FIRING, "severity": existing["severity"], "level": existing["level"], "acknowledged_at": None}
        change = {"level": level, "routes": routes, "level_since": now_iso(since), "updated_at": now,
                  "unpublished": True,
                  "details": {**existing.get("details", {}), "escalated": {"to": level, "reason": reason}}}
        return self._update(existing["_id"], guard, change)

    def acknowledge(self, fingerprint, desk, by, note, now):
        alert = self.alerts.get(fingerprint)
        if alert is None or not _reaches(alert, desk):
            return None
        return self._update(fingerprint, {"status": FIRING, "acknowledged_at": None},
                            {"acknowledged_by": by, "acknowledged_at": now, "acknowledged_desk": desk,
                             "acknowledgement_note": note, "updated_at": now})

    def resolve(self, fingerprint, reason, now, *, by=None, outcome=None, desk=None):
        alert = self.alerts.get(fingerprint)
        if alert is None or (desk and not _reaches(alert, desk)):
            return None
        return self._update(fingerprint, {"status": FIRING},
                            {"status": RESOLVED, "resolved_at": now, "resolution": reason, "resolved_by": by,
                             "outcome": outcome, "updated_at": now, "unpublished": True,
                             "revision": f"r{next(_ids)}"})

    def mark_published(self, fingerprint, revision):
        alert = self.alerts.get(fingerprint)
        if alert is not None and alert.get("revision") == revision:
            alert["unpublished"] = False

    def unpublished(self):
        return [copy.deepcopy(a) for a in self.alerts.values() if a.get("unpublished")]

    def unacknowledged(self, severities):
        return [copy.deepcopy(a) for a in self.alerts.values()
                if a["status"] == FIRING and a.get("acknowledged_at") is None and a["severity"] in severities]

    def for_desk(self, desk, *, status=None, project_code=None, since=None, limit=500):
        found = [a for a in self.alerts.values() if _reaches(a, desk) and (not status or a["status"] == status)
                 and (not project_code or a.get("project_code") == project_code)
                 and (not since or a["status"] == FIRING or a["updated_at"] >= since)]
        return copy.deepcopy(sorted(found, key=lambda a: a["updated_at"], reverse=True)[:limit])

    def on_projects(self, project_codes):
        return [copy.deepcopy(a) for a in self.alerts.values() if a.get("project_code") in project_codes]

    def open_on_projects(self, project_codes):
        codes = {c for c in project_codes if c}
        return [copy.deepcopy(a) for a in self.alerts.values() if a["status"] == FIRING and a.get("project_code") in codes]

    def find(self, *, status=None, types=None, division_prefix=None, limit=1000):
        found = [a for a in self.alerts.values() if (not status or a["status"] == status)
                 and (not types or a["type"] in types)
                 and (not division_prefix or a["division"].startswith(division_prefix))]
        return copy.deepcopy(sorted(found, key=lambda a: a["raised_at"], reverse=True)[:limit])

    # --- silences -------------------------------------------------------------------------
    def add_silence(self, silence):
        silence = {**copy.deepcopy(silence), "_id": f"s{next(_ids)}", "expired_at": None, "expired_by": None}
        self.silences[silence["_id"]] = silence
        return copy.deepcopy(silence)

    def expire_silence(self, silence_id, by, now):
        silence = self.silences.get(silence_id)
        if silence is None or silence["expired_at"] is not None:
            return None
        silence.update(expired_at=now, expired_by=by)
        return copy.deepcopy(silence)

    def get_silence(self, silence_id):
        return copy.deepcopy(self.silences.get(silence_id))

    def current_silences(self, now):
        return copy.deepcopy(sorted((s for s in self.silences.values() if s["ends_at"] > now and s["expired_at"] is None),
                                    key=lambda s: s["starts_at"]))

    def silences_ended_unnoticed(self, now):
        return [copy.deepcopy(s) for s in self.silences.values() if s["ends_at"] <= now and not s.get("end_noticed")]

    def mark_end_noticed(self, silence_id):
        silence = self.silences.get(silence_id)
        if silence is None or silence.get("end_noticed"):
            return False
        silence["end_noticed"] = True
        return True

    # --- notification groups --------------------------------------------------------------
    def touch_group(self, group, due_at, now):
        stored = self.groups.setdefault(group["_id"], {
            "_id": group["_id"], "desk": group["desk"], "rule": group["rule"], "labels": group["labels"],
            "notified": [], "notified_at": None})
        stored.update(dirty=True, due_at=due_at, changed_at=now)

    def get_group(self, group_id):
        return copy.deepcopy(self.groups.get(group_id))

    def due_groups(self, now, limit=200):
        due = [g for g in self.groups.values() if g.get("due_at") is not None and g["due_at"] <= now]
        return copy.deepcopy(sorted(due, key=lambda g: g["due_at"])[:limit])

    def claim_group(self, group, lease_until):
        stored = self.groups.get(group["_id"])
        if stored is None or stored.get("due_at") != group["due_at"] or stored.get("changed_at") != group.get("changed_at"):
            return None
        stored["due_at"] = lease_until
        return copy.deepcopy(stored)

    def finish_group(self, group, state, lease_until):
        stored = self.groups.get(group["_id"])
        if stored is None:
            return
        stored.update(notified=copy.deepcopy(state["notified"]), notified_at=state["notified_at"])
        if stored.get("due_at") == lease_until and stored.get("changed_at") == group.get("changed_at"):
            stored.update(dirty=False, due_at=state["due_at"])

    def forget_idle_group(self, group_id):
        stored = self.groups.get(group_id)
        if stored and not stored.get("dirty") and stored.get("due_at") is None and stored.get("notified") == []:
            del self.groups[group_id]

    def record_notification(self, notification):
        self.notifications.append({**copy.deepcopy(notification), "_id": notification["notification_id"]})

    def notifications_for(self, desk, limit=50):
        mine = [n for n in self.notifications if n["desk"]["department"] == desk["department"]
                and n["desk"]["division"] == desk["division"]]
        return copy.deepcopy(sorted(mine, key=lambda n: n["sent_at"], reverse=True)[:limit])

    # --- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _firing(condition, routes, now, episode):
        alert = AlertRepository._firing(condition, routes, now, episode)   # the stored shape, written once
        return {**alert, "revision": f"r{next(_ids)}"}

    def _store(self, alert):
        self.alerts[alert["_id"]] = copy.deepcopy(alert)
        return copy.deepcopy(alert)

    def _holds(self, fingerprint, guard):
        alert = self.alerts.get(fingerprint)
        return alert is not None and all(alert.get(k) == v for k, v in guard.items())

    def _update(self, fingerprint, guard, change):
        if not self._holds(fingerprint, guard):
            return None
        self.alerts[fingerprint].update(copy.deepcopy(change))
        return copy.deepcopy(self.alerts[fingerprint])
