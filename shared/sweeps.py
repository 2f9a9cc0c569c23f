"""A monitoring service's record of its sweeps, kept in its own database.

``claim`` lets exactly one of several instances run the daily sweep. ``latest_as_of``
is the date the service's alerts were last evaluated as of: when a single project's
data or registry entry changes between sweeps, the service re-evaluates that project
as of the same date, so its alerts agree with the rest of the sweep (and tests that
sweep as of a chosen date stay independent of the wall clock).
"""
from __future__ import annotations

from pymongo.errors import DuplicateKeyError

LATEST = "latest"


class SweepLog:
    def __init__(self, database):
        self.claims = database["sweeps"]
        self.latest = database["sweep_latest"]

    def claim(self, day: str) -> bool:
        """True for exactly one caller per day: the instance that runs that day's sweep."""
        try:
            self.claims.insert_one({"_id": day})
        except DuplicateKeyError:
            return False
        return True

    def record(self, as_of: str, at: str) -> None:
        """Remember the latest sweep (the most recent run, whatever its date)."""
        self.latest.update_one({"_id": LATEST}, {"$set": {"as_of": as_of, "at": at}}, upsert=True)

    def latest_as_of(self) -> str | None:
        doc = self.latest.find_one({"_id": LATEST})
        return doc["as_of"] if doc else None
