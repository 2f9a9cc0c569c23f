"""Alert storage. Every state change is one atomic update guarded by the state it expects,
so two instances handling the same condition cannot both publish it."""
from __future__ import annotations

import uuid
from typing import Any

import pymongo
from pymongo.errors import DuplicateKeyError

from shared.calendar import now_iso
from shared.contract.alerts import FIRING, RESOLVED, severity_rank


def _revision() -> str:
    """Names one stored change, so marking it published cannot mark a later one."""
    return uuid.uuid4().hex


class AlertRepository:
    def __init__(self, database):
        self.alerts = database["alerts"]
        self.silences = database["silences"]
        self.groups = database["notification_groups"]
        self.notifications = database["notifications"]

    def ensure_indexes(self) -> None:
        # _id is the fingerprint: one document per rule and subject, reused across episodes.
        self.alerts.create_index([("type", pymongo.ASCENDING), ("status", pymongo.ASCENDING)])
        self.alerts.create_index([("unpublished", pymongo.ASCENDING)])
        self.alerts.create_index([("routes.department", pymongo.ASCENDING), ("routes.division", pymongo.ASCENDING),
                                  ("status", pymongo.ASCENDING)])
        self.alerts.create_index([("project_code", pymongo.ASCENDING), ("status", pymongo.ASCENDING)])
        self.alerts.create_index([("status", pymongo.ASCENDING), ("acknowledged_at", pymongo.ASCENDING),
                                  ("severity", pymongo.ASCENDING)])
        self.silences.create_index([("ends_at", pymongo.ASCENDING)])
        self.groups.create_index([("due_at", pymongo.ASCENDING)])
        self.notifications.create_index([("desk.department", pymongo.ASCENDING),
                                         ("desk.division", pymongo.ASCENDING), ("sent_at", pymongo.DESCENDING)])

    def get(self, fingerprint: str) -> dict | None:
        return self.alerts.find_one({"_id": fingerprint})

    def open_fingerprints(self, types: list[str], project_codes: list[str] | None = None) -> set[str]:
        query = {"type": {"$in": types}, "status": FIRING}
        if project_codes is not None:
            query["project_code"] = {"$in": list(project_codes)}
        cursor = self.alerts.find(query, {"_id": 1})
        return {doc["_id"] for doc in cursor}

    def by_fingerprints(self, fingerprints: list[str]) -> list[dict]:
        found = {doc["_id"]: doc for doc in self.alerts.find({"_id": {"$in": list(fingerprints)}})}
        return [found[fp] for fp in fingerprints if fp in found]

    def raise_new(self, condition: dict, routes: list[dict], now: str) -> dict | None:
        """Insert a first alert for a fingerprint; None if another instance did first."""
        alert = self._firing(condition, routes, now, episode=1)
        try:
            self.alerts.insert_one(alert)
        except DuplicateKeyError:
            return None
        return alert

    def reraise(self, existing: dict, condition: dict, routes: list[dict], now: str) -> dict | None:
        alert = self._firing(condition, routes, now, episode=existing.get("episode", 1) + 1)
        guard = {"_id": existing["_id"], "status": RESOLVED, "episode": existing.get("episode", 1)}
        return self._swap(guard, alert)

    def escalate(self, existing: dict, condition: dict, routes: list[dict], now: str) -> dict | None:
        """Raise an open alert's severity or level (never lower either)."""
        guard = {"_id": existing["_id"], "status": FIRING, "severity": existing["severity"],
                 "level": existing["level"]}
        severity = max(existing["severity"], condition["severity"], key=severity_rank)
        change = {"severity": severity, "level": condition["level"], "routes": routes,
                  "summary": condition["summary"],
                  "details": {**condition.get("details", {}), "previous_severity": existing["severity"]},
                  "updated_at": now, "unpublished": True, "revision": _revision()}
        if severity != existing["severity"]:   # worse news needs a fresh acknowledgement
            change.update(acknowledged_by=None, acknowledged_at=None, level_since=condition.get("clock_from") or now)
        elif condition["level"] != existing["level"]:
            change["level_since"] = condition.get("clock_from") or now
        return self._update(guard, change)

    def escalate_level(self, existing: dict, level: str, routes: list[dict], reason: str, now: str,
                       since) -> dict | None:
        """Hand an unacknowledged alert one level up (督办); its clock starts again ``since``."""
        guard = {"_id": existing["_id"], "status": FIRING, "severity": existing["severity"],
                 "level": existing["level"], "acknowledged_at": None}
        change = {"level": level, "routes": routes, "level_since": now_iso(since), "updated_at": now,
                  "unpublished": True,
                  "details": {**existing.get("details", {}), "escalated": {"to": level, "reason": reason}}}
        return self._update(guard, change)

    def acknowledge(self, fingerprint: str, desk: dict, by: str, note: str | None, now: str) -> dict | None:
        """Acknowledge (签收) an open alert for a desk it reaches; None if it is not open,
        already acknowledged, or not the desk's."""
        guard = {"_id": fingerprint, "status": FIRING, "acknowledged_at": None, "routes": _reaching(desk)}
        change = {"acknowledged_by": by, "acknowledged_at": now, "acknowledged_desk": desk,
                  "acknowledgement_note": note, "updated_at": now}
        return self._update(guard, change)

    def resolve(self, fingerprint: str, reason: str, now: str, *, by: str | None = None,
                outcome: str | None = None, desk: dict | None = None) -> dict | None:
        guard: dict[str, Any] = {"_id": fingerprint, "status": FIRING}
        if desk:
            guard["routes"] = _reaching(desk)
        change = {"status": RESOLVED, "resolved_at": now, "resolution": reason, "resolved_by": by,
                  "outcome": outcome, "updated_at": now, "unpublished": True, "revision": _revision()}
        return self._update(guard, change)

    def mark_published(self, fingerprint: str, revision: str | None) -> None:
        """Only the change that was published: a later change stored meanwhile (even within
        the same second) stays unpublished for the relay."""
        self.alerts.update_one({"_id": fingerprint, "revision": revision}, {"$set": {"unpublished": False}})

    def unpublished(self) -> list[dict]:
        return list(self.alerts.find({"unpublished": True}))

    def unacknowledged(self, severities: list[str]) -> list[dict]:
        """Open alerts of these colours that no desk has acknowledged yet."""
        return list(self.alerts.find({"status": FIRING, "acknowledged_at": None,
                                      "severity": {"$in": severities}}))

    def for_desk(self, desk: dict, *, status: str | None = None, project_code: str | None = None,
                 since: str | None = None, limit: int = 500) -> list[dict]:
        """Alerts that reach a desk (department at a division), newest change first;
        resolved ones only since ``since`` when given."""
        query: dict = {"routes": _reaching(desk)}
        if status:
            query["status"] = status
        if project_code:
            query["project_code"] = project_code
        if since:
            query["$or"] = [{"status": FIRING}, {"updated_at": {"$gte": since}}]
        return list(self.alerts.find(query).sort("updated_at", pymongo.DESCENDING).limit(limit))

    def on_projects(self, project_codes: list[str]) -> list[dict]:
        """Every alert (firing or resolved) on these projects, in one query."""
        return list(self.alerts.find({"project_code": {"$in": list(project_codes)}}))

    def open_on_projects(self, project_codes: list[str | None]) -> list[dict]:
        """Open alerts on these projects (codes of alerts about no project are passed over)."""
        codes = [c for c in set(project_codes) if c]
        return list(self.alerts.find({"status": FIRING, "project_code": {"$in": codes}})) if codes else []

    def find(self, *, status: str | None = None, types: list[str] | None = None,
             division_prefix: str | None = None, limit: int = 1000) -> list[dict]:
        query: dict = {}
        if status:
            query["status"] = status
        if types:
            query["type"] = {"$in": types}
        if division_prefix:
            query["division"] = {"$regex": f"^{division_prefix}"}
        return list(self.alerts.find(query).sort("raised_at", pymongo.DESCENDING).limit(limit))

    # Silences (静默): who muted what, why, until when.
    def add_silence(self, silence: dict) -> dict:
        silence = {**silence, "_id": uuid.uuid4().hex[:12], "expired_at": None, "expired_by": None}
        self.silences.insert_one(silence)
        return silence

    def expire_silence(self, silence_id: str, by: str, now: str) -> dict | None:
        return self.silences.find_one_and_update(
            {"_id": silence_id, "expired_at": None}, {"$set": {"expired_at": now, "expired_by": by}},
            return_document=pymongo.ReturnDocument.AFTER)

    def get_silence(self, silence_id: str) -> dict | None:
        return self.silences.find_one({"_id": silence_id})

    def current_silences(self, now: str) -> list[dict]:
        """Silences not yet over (active or starting later)."""
        return list(self.silences.find({"ends_at": {"$gt": now}, "expired_at": None}).sort("starts_at"))

    def silences_ended_unnoticed(self, now: str) -> list[dict]:
        return list(self.silences.find({"ends_at": {"$lte": now}, "end_noticed": {"$ne": True}}))

    def mark_end_noticed(self, silence_id: str) -> bool:
        """True for the one instance that gets to act on a silence running out."""
        done = self.silences.update_one({"_id": silence_id, "end_noticed": {"$ne": True}},
                                        {"$set": {"end_noticed": True}})
        return bool(done.modified_count)

    # Notification groups: what each desk was last told about each group, and when next.
    def touch_group(self, group: dict, due_at: str, now: str) -> None:
        self.groups.update_one({"_id": group["_id"]},
                               {"$set": {"dirty": True, "due_at": due_at, "changed_at": now},
                                "$setOnInsert": {"desk": group["desk"], "rule": group["rule"],
                                                 "labels": group["labels"], "notified": [], "notified_at": None}},
                               upsert=True)

    def get_group(self, group_id: str) -> dict | None:
        return self.groups.find_one({"_id": group_id})

    def due_groups(self, now: str, limit: int = 200) -> list[dict]:
        return list(self.groups.find({"due_at": {"$ne": None, "$lte": now}}).sort("due_at").limit(limit))

    def claim_group(self, group: dict, lease_until: str) -> dict | None:
        """Take a due group for this instance; None if another instance took it first.
        The lease brings it back if this instance dies before it is done."""
        return self._update_in(self.groups, {"_id": group["_id"], "due_at": group["due_at"],
                                             "changed_at": group.get("changed_at")},
                               {"due_at": lease_until})

    def finish_group(self, group: dict, state: dict, lease_until: str) -> None:
        """Store the state after a notification, unless the group changed meanwhile (then
        only the notified part is kept and it stays due)."""
        kept = {"notified": state["notified"], "notified_at": state["notified_at"]}
        done = self.groups.update_one({"_id": group["_id"], "due_at": lease_until,
                                       "changed_at": group.get("changed_at")},
                                      {"$set": {**kept, "dirty": False, "due_at": state["due_at"]}})
        if not done.modified_count:
            self.groups.update_one({"_id": group["_id"]}, {"$set": kept})

    def forget_idle_group(self, group_id: str) -> None:
        """A group with nothing firing and nothing due is dropped (a later alert on the
        same project starts a new one, and waits its group_wait again)."""
        self.groups.delete_one({"_id": group_id, "dirty": False, "due_at": None, "notified": []})

    def record_notification(self, notification: dict) -> None:
        self.notifications.insert_one({**notification, "_id": notification["notification_id"]})

    def notifications_for(self, desk: dict, limit: int = 50) -> list[dict]:
        return list(self.notifications.find({"desk.department": desk["department"],
                                             "desk.division": desk["division"]})
                    .sort("sent_at", pymongo.DESCENDING).limit(limit))

    @staticmethod
    def _firing(condition: dict, routes: list[dict], now: str, episode: int) -> dict:
        return {
            "_id": condition["fingerprint"], "alert_id": uuid.uuid4().hex, "episode": episode,
            "type": condition["type"], "severity": condition["severity"], "status": FIRING,
            "division": condition["division"], "sector": condition.get("sector"),
            "funding": condition.get("funding"), "project_code": condition.get("project_code"),
            "month": condition.get("month"), "summary": condition["summary"],
            "details": condition.get("details", {}), "p1": condition.get("p1", False),
            "level": condition["level"], "level_since": condition.get("clock_from") or now, "routes": routes,
            "raised_at": now,
            "acknowledged_by": None, "acknowledged_at": None, "resolved_at": None, "resolution": None,
            "resolved_by": None, "outcome": None, "updated_at": now, "unpublished": True,
            "revision": _revision(),
        }

    def _swap(self, guard: dict, alert: dict) -> dict | None:
        replaced = self.alerts.replace_one(guard, alert)
        return alert if replaced.modified_count else None

    def _update(self, guard: dict, change: dict) -> dict | None:
        return self._update_in(self.alerts, guard, change)

    @staticmethod
    def _update_in(collection, guard: dict, change: dict) -> dict | None:
        return collection.find_one_and_update(guard, {"$set": change},
                                              return_document=pymongo.ReturnDocument.AFTER)


def _reaching(desk: dict) -> dict:
    """Matches alerts routed to a desk (department at a division)."""
    return {"$elemMatch": {"department": desk["department"], "division": desk["division"]}}
