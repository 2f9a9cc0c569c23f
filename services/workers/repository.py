"""Real-name records storage: enrolments, attendance rolled up per project-month-worker,
irregular clock-ins, each site's last clock-in, and each project-month's reconciliation.

Batches are written with bulk operations (a 1000-record attendance batch costs a handful
of round trips, not a thousand), and every write is an upsert or delete keyed by a
natural key, so a redelivered message writes the same values again. Workers are keyed by
the keyed hash of their ID number; only the masked form is kept beside it.
"""
from __future__ import annotations

from datetime import date

import pymongo
from pymongo import DeleteMany, ReplaceOne, UpdateOne

from services.workers.domain import AttendancePlan, Stint, project_month_key
from shared.calendar import Month
from shared.sweeps import SweepLog


def _enrolment_id(project_code: str, worker: str) -> str:
    return f"{project_code}:{worker}"


def _stints_to_doc(stints: list[Stint]) -> list[dict]:
    return [{"entry_date": s.entry_date.isoformat(),
             "exit_date": s.exit_date.isoformat() if s.exit_date else None} for s in stints]


def _stints_from_doc(rows: list[dict]) -> list[Stint]:
    return [Stint(date.fromisoformat(r["entry_date"]),
                  date.fromisoformat(r["exit_date"]) if r.get("exit_date") else None) for r in rows]


def _enrolment(doc: dict) -> dict:
    return {**{k: v for k, v in doc.items() if k != "_id"}, "stints": _stints_from_doc(doc["stints"])}


def _stale(project_code: str, month: str) -> UpdateOne:
    """Mark a project-month for reconciliation; ``changes`` lets a sweep that read older
    data leave it marked."""
    return UpdateOne({"_id": project_month_key(project_code, month)},
                     {"$set": {"stale": True}, "$inc": {"changes": 1},
                      "$setOnInsert": {"project_code": project_code, "month": month, "has_findings": False}},
                     upsert=True)


class WorkersRepository:
    def __init__(self, database):
        self.enrolments = database["enrolments"]
        self.attendance = database["attendance"]
        self.activity = database["site_activity"]
        self.irregular = database["irregular_clock_ins"]
        self.project_months = database["project_months"]
        self.sweeps = SweepLog(database)

    def ensure_indexes(self) -> None:
        # _ids: enrolment "<project>:<worker>", attendance "<project>:<month>:<worker>",
        # irregular "<project>:<worker>:<at>", project month "<project>:<month>".
        self.enrolments.create_index([("project_code", pymongo.ASCENDING)])
        self.project_months.create_index([("project_code", pymongo.ASCENDING)])   # save_enrolments marks by project
        self.attendance.create_index([("project_month", pymongo.ASCENDING)])
        self.irregular.create_index([("day", pymongo.ASCENDING)])
        self.project_months.create_index([("stale", pymongo.ASCENDING)])
        self.project_months.create_index([("month", pymongo.ASCENDING)])
        self.project_months.create_index([("has_findings", pymongo.ASCENDING)])

    # Enrolments -------------------------------------------------------------------------

    def enrolments_by_worker(self, pairs: set[tuple[str, str]],
                             fields: tuple[str, ...] | None = None) -> dict[tuple[str, str], dict]:
        """The enrolments of (project_code, worker) pairs, in one query; with ``fields``,
        only those (and the stints) of each."""
        ids = [_enrolment_id(code, worker) for code, worker in pairs]
        projection = dict.fromkeys(("project_code", "worker", "stints", *fields), 1) if fields else None
        return {(doc["project_code"], doc["worker"]): _enrolment(doc)
                for doc in self.enrolments.find({"_id": {"$in": ids}}, projection)}

    def save_enrolments(self, enrolments: list[dict]) -> None:
        """Store a batch's enrolments (one bulk write) and mark their projects' months for
        reconciliation (who is enrolled decides PAYEE_NOT_ENROLLED)."""
        if not enrolments:
            return
        ops = [ReplaceOne({"_id": _enrolment_id(e["project_code"], e["worker"])},
                          {**e, "stints": _stints_to_doc(e["stints"])}, upsert=True) for e in enrolments]
        self.enrolments.bulk_write(ops, ordered=False)
        codes = sorted({e["project_code"] for e in enrolments})
        self.project_months.update_many({"project_code": {"$in": codes}},
                                        {"$set": {"stale": True}, "$inc": {"changes": 1}})

    def enrolments_of(self, project_codes: list[str]) -> list[dict]:
        cursor = self.enrolments.find({"project_code": {"$in": list(project_codes)}}).sort("_id", pymongo.ASCENDING)
        return [_enrolment(doc) for doc in cursor]

    def enrolled_on(self, project_codes: list[str]) -> list[dict]:
        """Who was ever enrolled on these projects: worker, name and stints only (what
        reconciliation reads), in one query."""
        cursor = self.enrolments.find({"project_code": {"$in": list(project_codes)}},
                                      {"_id": 0, "project_code": 1, "worker": 1, "name": 1, "stints": 1})
        return [{**doc, "stints": _stints_from_doc(doc["stints"])} for doc in cursor]

    def enrolment_counts(self, project_codes: list[str], month: Month) -> dict[str, int]:
        """Distinct workers enrolled on each project at any time in the month, in one query."""
        during = {"entry_date": {"$lte": month.last_day.isoformat()},
                  "$or": [{"exit_date": None}, {"exit_date": {"$gte": month.first_day.isoformat()}}]}
        cursor = self.enrolments.find({"project_code": {"$in": list(project_codes)},
                                       "stints": {"$elemMatch": during}}, {"project_code": 1})
        counts = dict.fromkeys(project_codes, 0)
        for doc in cursor:
            counts[doc["project_code"]] += 1
        return counts

    # Attendance -------------------------------------------------------------------------

    def store_attendance(self, plan: AttendancePlan) -> None:
        """One bulk write per collection: rolled-up days, each site's first and last day,
        the project-months to reconcile, and the irregular clock-ins."""
        if plan.rollups:
            self.attendance.bulk_write([self._rollup(key, r) for key, r in plan.rollups.items()], ordered=False)
            self.project_months.bulk_write([_stale(code, month) for code, month in sorted(plan.project_months)],
                                           ordered=False)
        if plan.days_by_project:
            self.activity.bulk_write([
                UpdateOne({"_id": code}, {"$max": {"last_day": max(days).isoformat()},
                                          "$min": {"first_day": min(days).isoformat()}}, upsert=True)
                for code, days in plan.days_by_project.items()], ordered=False)
        ops: list[UpdateOne | DeleteMany] = [
            UpdateOne({"_id": row["key"]}, {"$set": {k: v for k, v in row.items() if k != "key"}}, upsert=True)
            for row in plan.irregular]
        if plan.regularised:
            ops.append(DeleteMany({"_id": {"$in": plan.regularised}}))
        if ops:
            self.irregular.bulk_write(ops, ordered=False)

    @staticmethod
    def _rollup(key: tuple[str, str, str], rollup: dict) -> UpdateOne:
        code, month, worker = key
        return UpdateOne(
            {"_id": f"{code}:{month}:{worker}"},
            {"$addToSet": {"days": {"$each": sorted(rollup["days"])},
                           "clock_ins": {"$each": sorted(rollup["clock_ins"])}},
             "$set": {"id_masked": rollup["id_masked"]},
             "$setOnInsert": {"project_code": code, "month": month,
                              "project_month": project_month_key(code, month), "worker": worker}},
            upsert=True)

    def attendance_of(self, project_code: str, month: str) -> list[dict]:
        cursor = self.attendance.find({"project_month": project_month_key(project_code, month)},
                                      {"worker": 1, "id_masked": 1, "days": 1}).sort("_id", pymongo.ASCENDING)
        return list(cursor)

    def attended(self, keys: list[str]) -> dict[str, dict[str, dict]]:
        """Who attended each project-month, on how many distinct days and which, in one query."""
        found: dict[str, dict[str, dict]] = {key: {} for key in keys}
        cursor = self.attendance.find({"project_month": {"$in": list(keys)}},
                                      {"project_month": 1, "worker": 1, "id_masked": 1, "days": 1})
        for doc in cursor:
            found[doc["project_month"]][doc["worker"]] = {"id_masked": doc["id_masked"], "days": len(doc["days"]),
                                                          "dates": sorted(doc["days"])}
        return found

    def last_days(self, project_codes: list[str] | None = None) -> dict[str, date]:
        """Each site's last clock-in day (one small document per project), or those of some."""
        query = {"_id": {"$in": list(project_codes)}} if project_codes is not None else {}
        return {doc["_id"]: date.fromisoformat(doc["last_day"]) for doc in self.activity.find(query, {"last_day": 1})}

    def site_activity(self, project_code: str) -> dict | None:
        return self.activity.find_one({"_id": project_code})

    def irregular_between(self, first: date, last: date) -> list[dict]:
        """Irregular clock-ins from ``first`` to ``last``, grouped in the database by project
        and reason (a province's month of them would be too many to read one by one)."""
        cursor = self.irregular.aggregate([
            {"$match": {"day": {"$gte": first.isoformat(), "$lte": last.isoformat()}}},
            {"$group": {"_id": {"project_code": "$project_code", "reason": "$reason"},
                        "clock_ins": {"$sum": 1}, "workers": {"$addToSet": "$worker"},
                        "id_masked": {"$addToSet": "$id_masked"}}},
        ])
        return [{**doc["_id"], "clock_ins": doc["clock_ins"], "workers": doc["workers"],
                 "id_masked": doc["id_masked"]} for doc in cursor]

    # Reconciliation ---------------------------------------------------------------------

    def mark_stale(self, project_code: str, month: str) -> dict:
        """Mark one project-month (payroll arrived); returns it as marked."""
        return self.project_months.find_one_and_update(
            {"_id": project_month_key(project_code, month)},
            {"$set": {"stale": True}, "$inc": {"changes": 1},
             "$setOnInsert": {"project_code": project_code, "month": month, "has_findings": False}},
            upsert=True, return_document=pymongo.ReturnDocument.AFTER)

    def to_reconcile(self, since_month: str) -> list[dict]:
        """Project-months whose data changed, plus every recent one (a safety net)."""
        cursor = self.project_months.find({"$or": [{"stale": True}, {"month": {"$gte": since_month}}]},
                                          {"project_code": 1, "month": 1, "changes": 1, "findings": 1, "stale": 1})
        return list(cursor)

    def project_month(self, project_code: str, month: str) -> dict | None:
        return self.project_months.find_one({"_id": project_month_key(project_code, month)})

    def save_findings(self, results: list[tuple[str, int, dict, bool]]) -> None:
        """Store (key, changes read, findings, has a discrepancy) in one bulk write; a
        project-month changed since it was read stays marked for the next sweep."""
        if results:
            self.project_months.bulk_write([
                UpdateOne({"_id": key, "changes": changes},
                          {"$set": {"stale": False, "findings": found, "has_findings": flagged}})
                for key, changes, found, flagged in results], ordered=False)

    def reported_findings(self) -> list[dict]:
        """Every project-month whose findings show a discrepancy (usually few)."""
        return list(self.project_months.find({"has_findings": True}, {"project_code": 1, "month": 1, "findings": 1}))
