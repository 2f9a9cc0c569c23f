"""Console storage: operators' accounts and their sessions."""
from __future__ import annotations

import pymongo
from pymongo.errors import DuplicateKeyError


class ConsoleRepository:
    def __init__(self, database):
        self.accounts = database["accounts"]
        self.sessions = database["sessions"]
        self.attempts = database["sign_in_attempts"]

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

    # Sign-in claims (services/console/sign_in.py): a document per key holds at most
    # `limit` claims, each pushed by one guarded update, so parallel requests cannot all
    # pass. A full document does not match the guard, the upsert then collides on _id.
    def claim(self, key: str, claim_id: str, now: str, since: str, limit: int) -> bool:
        self.attempts.update_one({"_id": key}, {"$pull": {"claims": {"at": {"$lte": since}}}})
        try:
            self.attempts.update_one({"_id": key, f"claims.{limit - 1}": {"$exists": False}},
                                     {"$push": {"claims": {"id": claim_id, "at": now}}}, upsert=True)
        except DuplicateKeyError:
            return False
        return True

    def release(self, key: str, claim_id: str) -> None:
        """Give a claim back; a key left with none goes, so names sprayed while the console
        is busy leave nothing behind."""
        self.attempts.update_one({"_id": key}, {"$pull": {"claims": {"id": claim_id}}})
        self.attempts.delete_one({"_id": key, "claims": {"$size": 0}})

    def clear(self, key: str) -> None:
        self.attempts.delete_one({"_id": key})

    def open_session(self, key: str, username: str, desk: dict, created_at: str, expires_at: str, expires) -> None:
        self.sessions.insert_one({"_id": key, "username": username, "desk": desk, "created_at": created_at,
                                  "expires_at": expires_at, "expires": expires})

    def session(self, key: str) -> dict | None:
        return self.sessions.find_one({"_id": key})

    def close_session(self, key: str) -> None:
        self.sessions.delete_one({"_id": key})
