"""Console storage: operators' accounts and their sessions."""
from __future__ import annotations

import pymongo
from pymongo.errors import DuplicateKeyError


class ConsoleRepository:
    def __init__(self, database):
        self.accounts = database["accounts"]
        self.sessions = database["sessions"]
        self.failures = database["sign_in_failures"]

    def ensure_indexes(self) -> None:
        # _id is the username / the session token's hash. MongoDB drops sessions once
        # expired (a TTL index); the console checks expiry itself as well.
        self.sessions.create_index([("expires", pymongo.ASCENDING)], expireAfterSeconds=0)

    def add_account(self, account: dict) -> bool:
        """False when the username is taken."""
        try:
            self.accounts.insert_one({**account, "_id": account["username"]})
        except DuplicateKeyError:
            return False
        return True

    def set_password(self, username: str, password_hash: str) -> bool:
        done = self.accounts.update_one({"_id": username}, {"$set": {"password": password_hash}})
        return bool(done.matched_count)

    def account(self, username: str) -> dict | None:
        return self.accounts.find_one({"_id": username})

    def all_accounts(self) -> list[dict]:
        return list(self.accounts.find({}, {"password": 0}).sort("_id"))

    def disable(self, username: str) -> bool:
        done = self.accounts.update_one({"_id": username}, {"$set": {"disabled": True}})
        self.sessions.delete_many({"username": username})
        return bool(done.matched_count)

    def failed_sign_ins(self, username: str) -> list[str]:
        found = self.failures.find_one({"_id": username})
        return found["at"] if found else []

    def record_failed_sign_in(self, username: str, now: str, keep: int = 20) -> None:
        self.failures.update_one({"_id": username}, {"$push": {"at": {"$each": [now], "$slice": -keep}}},
                                 upsert=True)

    def clear_failed_sign_ins(self, username: str) -> None:
        self.failures.delete_one({"_id": username})

    def open_session(self, key: str, username: str, desk: dict, created_at: str, expires_at: str, expires) -> None:
        self.sessions.insert_one({"_id": key, "username": username, "desk": desk, "created_at": created_at,
                                  "expires_at": expires_at, "expires": expires})

    def session(self, key: str) -> dict | None:
        return self.sessions.find_one({"_id": key})

    def close_session(self, key: str) -> None:
        self.sessions.delete_one({"_id": key})
