"""Alert storage. Every state change is one atomic update guarded by the state it expects,
so two instances handling the same condition cannot both publish it."""
from __future__ import annotations

import uuid

import pymongo
from pymongo.errors import DuplicateKeyError

from shared.contract.alerts import FIRING, RESOLVED, severity_rank


def _revision() -> str:
    """Names one stored change, so marking it published cannot mark a later one."""
    return uuid.uuid4().hex


class AlertRepository:
    def __init__(self, database):
        self.alerts = database["alerts"]

    def ensure_indexes(self) -> None:
        # _id is the fingerprint: one document per rule and subject, reused across episodes.
        self.alerts.create_index([("type", pymongo.ASCENDING), ("status", pymongo.ASCENDING)])
        self.alerts.create_index([("unpublished", pymongo.ASCENDING)])

    def get(self, fingerprint: str) -> dict | None:
        return self.alerts.find_one({"_id": fingerprint})

    def open_fingerprints(self, types: list[str]) -> set[str]:
        cursor = self.alerts.find({"type": {"$in": types}, "status": FIRING}, {"_id": 1})
        return {doc["_id"] for doc in cursor}

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
        return self._update(guard, change)

    def resolve(self, fingerprint: str, reason: str, now: str) -> dict | None:
        guard = {"_id": fingerprint, "status": FIRING}
        change = {"status": RESOLVED, "resolved_at": now, "resolution": reason,
                  "updated_at": now, "unpublished": True, "revision": _revision()}
        return self._update(guard, change)

    def mark_published(self, fingerprint: str, revision: str | None) -> None:
        """Only the change that was published: a later change stored meanwhile (even within
        the same second) stays unpublished for the relay."""
        self.alerts.update_one({"_id": fingerprint, "revision": revision}, {"$set": {"unpublished": False}})

    def unpublished(self) -> list[dict]:
        return list(self.alerts.find({"unpublished": True}))

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

    @staticmethod
    def _firing(condition: dict, routes: list[dict], now: str, episode: int) -> dict:
        return {
            "_id": condition["fingerprint"], "alert_id": uuid.uuid4().hex, "episode": episode,
            "type": condition["type"], "severity": condition["severity"], "status": FIRING,
            "division": condition["division"], "sector": condition.get("sector"),
            "funding": condition.get("funding"), "project_code": condition.get("project_code"),
            "month": condition.get("month"), "summary": condition["summary"],
            "details": condition.get("details", {}), "p1": condition.get("p1", False),
            "level": condition["level"], "routes": routes, "raised_at": now, "resolved_at": None,
            "resolution": None,
            "updated_at": now, "unpublished": True, "revision": _revision(),
        }

    def _swap(self, guard: dict, alert: dict) -> dict | None:
        replaced = self.alerts.replace_one(guard, alert)
        return alert if replaced.modified_count else None

    def _update(self, guard: dict, change: dict) -> dict | None:
        return self.alerts.find_one_and_update(guard, {"$set": change},
                                               return_document=pymongo.ReturnDocument.AFTER)
