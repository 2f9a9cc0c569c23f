"""Complaint case storage: one document per case, its record of changes inside it.

``_id`` is the case id (``<county>/<complaint_id>``), so the same complaint re-sent can
never open a second case. Every change is one atomic update guarded by the version it
was decided on, so two desks changing a case at once cannot both win.
"""
from __future__ import annotations

from datetime import date, timedelta

import pymongo
from pymongo.errors import DuplicateKeyError

from services.complaints.domain import OPEN_STATUSES
from shared.divisions import division_prefix
from shared.sweeps import SweepLog

# Lists and sweeps never need the free text.
_WITHOUT_TEXT = {"description": 0}


class CaseRepository:
    def __init__(self, database):
        self.cases = database["cases"]
        self.sweeps = SweepLog(database)

    def ensure_indexes(self) -> None:
        self.cases.create_index([("status", pymongo.ASCENDING)])
        self.cases.create_index([("divisions", pymongo.ASCENDING), ("filed_on", pymongo.ASCENDING)])
        self.cases.create_index([("project_code", pymongo.ASCENDING), ("filed_on", pymongo.ASCENDING)])
        self.cases.create_index([("employer_uscc", pymongo.ASCENDING), ("filed_on", pymongo.ASCENDING)])
        self.cases.create_index([("complainant.id_hash", pymongo.ASCENDING)], sparse=True)
        self.cases.create_index([("complainant.phone_hash", pymongo.ASCENDING)], sparse=True)
        self.cases.create_index([("pending", pymongo.ASCENDING), ("updated_at", pymongo.ASCENDING)])

    # ---- intake -----------------------------------------------------------------------

    def insert(self, case: dict) -> bool:
        """Store a new case; False when this complaint already has one."""
        try:
            self.cases.insert_one(case)
        except DuplicateKeyError:
            return False
        return True

    def related_to(self, case_id: str, project_code: str | None, employer_uscc: str | None,
                   filed_on: date, days: int) -> list[str]:
        """Cases on the same project or naming the same employer, filed within ``days``."""
        subjects = [{"project_code": project_code}] if project_code else []
        subjects += [{"employer_uscc": employer_uscc}] if employer_uscc else []
        if not subjects:
            return []
        window = {"$gte": (filed_on - timedelta(days=days)).isoformat(),
                  "$lte": (filed_on + timedelta(days=days)).isoformat()}
        cursor = self.cases.find({"$or": subjects, "filed_on": window, "_id": {"$ne": case_id}}, {"_id": 1})
        return sorted(doc["_id"] for doc in cursor)

    def link(self, case_ids: list[str], case_id: str) -> None:
        """Relate ``case_id`` to each of ``case_ids`` both ways (idempotent)."""
        if case_ids:
            self.cases.update_many({"_id": {"$in": case_ids}}, {"$addToSet": {"related": case_id}})
            self.cases.update_one({"_id": case_id}, {"$addToSet": {"related": {"$each": case_ids}}})

    # ---- reading ----------------------------------------------------------------------

    def get(self, case_id: str) -> dict | None:
        return self.cases.find_one({"_id": case_id})

    def get_many(self, case_ids: list[str]) -> list[dict]:
        return list(self.cases.find({"_id": {"$in": list(case_ids)}}, _WITHOUT_TEXT))

    def find(self, *, division: str | None = None, status: str | None = None, project_code: str | None = None,
             employer_uscc: str | None = None, complainant_hash: str | None = None, limit: int = 100) -> list[dict]:
        query: dict = {}
        if division:
            query["division"] = {"$regex": f"^{division_prefix(division)}"}
        if status:
            query["status"] = status
        if project_code:
            query["project_code"] = project_code
        if employer_uscc:
            query["employer_uscc"] = employer_uscc
        if complainant_hash:
            query["$or"] = [{"complainant.id_hash": complainant_hash}, {"complainant.phone_hash": complainant_hash}]
        cursor = self.cases.find(query, _WITHOUT_TEXT).sort([("filed_on", pymongo.DESCENDING), ("_id", 1)])
        return list(cursor.limit(limit))

    def on_project_month(self, project_code: str, month: str) -> list[dict]:
        return list(self.cases.find({"project_code": project_code, "month": month}, _WITHOUT_TEXT))

    def of_employer(self, employer_uscc: str) -> list[dict]:
        return list(self.cases.find({"employer_uscc": employer_uscc}, _WITHOUT_TEXT))

    def open_cases(self) -> list[dict]:
        """Every case not closed or refused: one query for a whole sweep."""
        return list(self.cases.find({"status": {"$in": list(OPEN_STATUSES)}}, _WITHOUT_TEXT))

    def filed_within(self, scope: str, date_from: date, date_to: date) -> list[dict]:
        """Cases filed in the period that were ever held within ``scope``."""
        query = {"divisions": {"$regex": f"^{division_prefix(scope)}"},
                 "filed_on": {"$gte": date_from.isoformat(), "$lte": date_to.isoformat()}}
        return list(self.cases.find(query, _WITHOUT_TEXT))

    # ---- changes ----------------------------------------------------------------------

    def apply(self, case: dict, changes: dict, entry: dict) -> dict | None:
        """Record one change on the version it was decided on; None if the case moved on."""
        update = {"$set": {**changes, "updated_at": entry["at"]}, "$inc": {"version": 1},
                  "$push": {"history": entry, "pending": entry["seq"]}}
        if "division" in changes:
            update["$addToSet"] = {"divisions": changes["division"]}
        return self.cases.find_one_and_update({"_id": case["_id"], "version": case["version"]}, update,
                                              return_document=pymongo.ReturnDocument.AFTER)

    def followed_up(self, case_id: str, seqs: list[int]) -> None:
        """The changes' events and alerts are out: nothing left to relay for them."""
        self.cases.update_one({"_id": case_id}, {"$pull": {"pending": {"$in": list(seqs)}}})

    def with_pending(self, changed_before: str) -> list[dict]:
        """Cases with changes whose events or alerts may not have gone out."""
        query = {"pending.0": {"$exists": True}, "updated_at": {"$lt": changed_before}}
        return list(self.cases.find(query, _WITHOUT_TEXT))
