"""Payroll storage: one document per project-month, lines merged by worker."""
from __future__ import annotations

import pymongo


class PayrollRepository:
    def __init__(self, database):
        self.months = database["payroll_months"]

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

    def get(self, project_code: str, month: str) -> dict | None:
        return self.months.find_one({"_id": f"{project_code}:{month}"})

    def project_months(self, project_code: str) -> list[dict]:
        return list(self.months.find({"project_code": project_code}).sort("month", pymongo.ASCENDING))

    def paid_months(self) -> set[tuple[str, str]]:
        """Every (project_code, month) that has a payroll: one query for a whole sweep."""
        cursor = self.months.find({}, {"project_code": 1, "month": 1})
        return {(doc["project_code"], doc["month"]) for doc in cursor}

    def claim_sweep(self, day: str) -> bool:
        """True for exactly one caller per day: the instance that runs that day's sweep."""
        runs = self.months.database["sweeps"]
        try:
            runs.insert_one({"_id": day})
        except pymongo.errors.DuplicateKeyError:
            return False
        return True
