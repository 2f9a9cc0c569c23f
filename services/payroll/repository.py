"""Payroll storage: one document per project-month, lines merged by worker."""
from __future__ import annotations

import pymongo

from shared.sweeps import SweepLog


class PayrollRepository:
    def __init__(self, database):
        self.months = database["payroll_months"]
        self.sweeps = SweepLog(database)

    def ensure_indexes(self) -> None:
        # _id is "<project_code>:<month>": one sheet per project-month, merged by worker.
        self.months.create_index([("project_code", pymongo.ASCENDING), ("month", pymongo.ASCENDING)])

    def record(self, project_code: str, month: str, county: str, message_id: str,
               lines: dict[str, dict]) -> None:
        """Merge a payroll message into its month; replaying it writes the same values."""
        self.months.update_one(
            {"_id": f"{project_code}:{month}"},
            {
                "$set": {f"lines.{worker}": line for worker, line in lines.items()},
                "$setOnInsert": {"project_code": project_code, "month": month, "county": county},
                "$addToSet": {"message_ids": message_id},
            },
            upsert=True,
        )

    def lines_of(self, keys: list[str]) -> dict[str, dict[str, dict]]:
        """The lines of several sheets (``"<project_code>:<month>"`` keys) in one query."""
        cursor = self.months.find({"_id": {"$in": list(keys)}}, {"lines": 1})
        return {doc["_id"]: doc.get("lines", {}) for doc in cursor}

    def get(self, project_code: str, month: str) -> dict | None:
        return self.months.find_one({"_id": f"{project_code}:{month}"})

    def project_months(self, project_code: str) -> list[dict]:
        return list(self.months.find({"project_code": project_code}).sort("month", pymongo.ASCENDING))

    def paid_months(self, project_codes: list[str] | None = None) -> set[tuple[str, str]]:
        """Every (project_code, month) that has a payroll: one query for a whole sweep."""
        cursor = self.months.find(_of_projects(project_codes), {"project_code": 1, "month": 1})
        return {(doc["project_code"], doc["month"]) for doc in cursor}

    def month_totals(self, months: list[str] | None, project_codes: list[str] | None = None) -> list[dict]:
        """Per project-month of ``months`` (None: every month): workers, workers paid
        short, fen due and paid. One sheet is one project-month, so each is totalled on
        its own: no unwinding of lines and regrouping of them (much cheaper, above all on
        the embedded store)."""
        match = {**_of_projects(project_codes), **({} if months is None else {"month": {"$in": list(months)}})}
        rows = self.months.aggregate([
            {"$match": match},
            {"$project": {"_id": 0, "project_code": 1, "month": 1, "line": _LINES}},
            {"$project": {
                "project_code": 1, "month": 1,
                "workers": {"$size": "$line"},
                "workers_short": {"$size": {"$filter": {
                    "input": "$line", "as": "l", "cond": {"$lt": ["$$l.v.amount_paid_fen", "$$l.v.amount_due_fen"]}}}},
                "amount_due_fen": {"$sum": "$line.v.amount_due_fen"},
                "amount_paid_fen": {"$sum": "$line.v.amount_paid_fen"},
            }},
        ])
        return [row for row in rows if row["workers"]]

    def paid_to_date(self, project_codes: list[str] | None = None) -> dict[str, int]:
        """Fen paid out per project over all its months."""
        rows = self.months.aggregate([
            {"$match": _of_projects(project_codes)},
            {"$project": {"project_code": 1, "line": _LINES}},
            {"$project": {"project_code": 1, "fen": {"$sum": "$line.v.amount_paid_fen"}, "workers": {"$size": "$line"}}},
            {"$match": {"workers": {"$gt": 0}}},
            {"$group": {"_id": "$project_code", "fen": {"$sum": "$fen"}}},
        ])
        return {row["_id"]: row["fen"] for row in rows}


# A sheet's lines as an array of {k: worker, v: line} (none when it has no lines).
_LINES = {"$objectToArray": {"$ifNull": ["$lines", {}]}}


def _of_projects(project_codes: list[str] | None) -> dict:
    return {} if project_codes is None else {"project_code": {"$in": list(project_codes)}}
