"""Storage of dedicated accounts, labour-cost allocations and wage deposits.

Natural keys make every write an idempotent upsert: one account per project (a later
``account.opened`` replaces it); one allocation per project, month and day it was
received, and one deposit per project, form and day it was paid (a later message for the
same key is a correction and replaces it; other days add up). Account numbers are kept
only as a keyed hash and a masked form.
"""
from __future__ import annotations

from datetime import date

import pymongo

from services.accounts.domain import Facts
from shared.sweeps import SweepLog


class AccountsRepository:
    def __init__(self, database):
        self.accounts = database["accounts"]
        self.allocations = database["allocations"]
        self.deposits = database["deposits"]
        self.sweeps = SweepLog(database)

    def ensure_indexes(self) -> None:
        # accounts: _id is the project code. allocations and deposits: _id is the natural key.
        self.allocations.create_index([("project_code", pymongo.ASCENDING), ("month", pymongo.ASCENDING)])
        self.deposits.create_index([("project_code", pymongo.ASCENDING)])

    def open_account(self, code: str, account: dict, county: str, message_id: str) -> None:
        """``account``: bank, account_hash, account_masked, opened_on (date)."""
        doc = {**account, "opened_on": account["opened_on"].isoformat(), "project_code": code,
               "county": county, "message_id": message_id}
        self.accounts.replace_one({"_id": code}, doc, upsert=True)

    def record_allocation(self, code: str, month: str, received_on: date, amount_fen: int,
                          county: str, message_id: str) -> None:
        key = f"{code}:{month}:{received_on.isoformat()}"
        self.allocations.replace_one({"_id": key}, {
            "project_code": code, "month": month, "received_on": received_on.isoformat(),
            "amount_fen": amount_fen, "county": county, "message_id": message_id}, upsert=True)

    def record_deposit(self, code: str, form: str, paid_on: date, amount_fen: int,
                       county: str, message_id: str) -> None:
        key = f"{code}:{form}:{paid_on.isoformat()}"
        self.deposits.replace_one({"_id": key}, {
            "project_code": code, "form": form, "paid_on": paid_on.isoformat(),
            "amount_fen": amount_fen, "county": county, "message_id": message_id}, upsert=True)

    def account(self, code: str) -> dict | None:
        """The project's account as it may leave the service (masked number only)."""
        doc = self.accounts.find_one({"_id": code}, {"account_hash": 0})
        return None if doc is None else {k: doc[k] for k in ("project_code", "bank", "account_masked", "opened_on")}

    def facts(self, project_codes: list[str] | None = None) -> Facts:
        """Accounts, allocations by month and deposits: three queries, whatever the count."""
        match = {} if project_codes is None else {"project_code": {"$in": list(project_codes)}}
        facts = Facts()
        for doc in self.accounts.find(match, {"account_hash": 0}):
            facts.accounts[doc["_id"]] = {"opened_on": date.fromisoformat(doc["opened_on"]),
                                          "bank": doc["bank"], "account_masked": doc["account_masked"]}
        grouped = self.allocations.aggregate([
            {"$match": match},
            {"$group": {"_id": {"code": "$project_code", "month": "$month"}, "fen": {"$sum": "$amount_fen"}}},
        ])
        for row in grouped:
            facts.allocations.setdefault(row["_id"]["code"], {})[row["_id"]["month"]] = row["fen"]
        for doc in self.deposits.find(match, {"project_code": 1, "paid_on": 1, "amount_fen": 1, "form": 1}):
            facts.deposits.setdefault(doc["project_code"], []).append(
                {"paid_on": date.fromisoformat(doc["paid_on"]), "amount_fen": doc["amount_fen"], "form": doc["form"]})
        return facts
