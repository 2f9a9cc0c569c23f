"""The ingress log: which county messages were accepted (for duplicates) and quarantine."""
from __future__ import annotations

import pymongo
from pymongo.errors import DuplicateKeyError

from services.ingress.domain import Delivery, Envelope


class IngressRepository:
    def __init__(self, database):
        self.messages = database["messages"]
        self.quarantined = database["quarantine"]

    def ensure_indexes(self) -> None:
        # _id is "<county>:<message_id>", unique by construction.
        self.messages.create_index([("receipt_sent", pymongo.ASCENDING)])
        self.quarantined.create_index([("county", pymongo.ASCENDING), ("received_at", pymongo.ASCENDING)])

    @staticmethod
    def _key(county: str, message_id: str) -> str:
        return f"{county}:{message_id}"

    def find(self, county: str, message_id: str) -> dict | None:
        return self.messages.find_one({"_id": self._key(county, message_id)})

    def record(self, envelope: Envelope, receipt: dict) -> bool:
        """Store an accepted (or partial) message; False when its id was already taken."""
        try:
            self.messages.insert_one({
                "_id": self._key(envelope.county, envelope.message_id),
                "county": envelope.county,
                "message_id": envelope.message_id,
                "type": envelope.type,
                "status": receipt["status"],
                "receipt": receipt,
                "receipt_sent": False,
            })
        except DuplicateKeyError:
            return False
        return True

    def mark_receipt_sent(self, county: str, message_id: str) -> None:
        self.messages.update_one({"_id": self._key(county, message_id)}, {"$set": {"receipt_sent": True}})

    def quarantine(self, delivery: Delivery, receipt: dict, reason: str) -> None:
        self.quarantined.insert_one({
            "routing_key": delivery.routing_key,
            "county": delivery.key_division,
            "message_id": receipt.get("message_id"),
            "reason": reason,
            "body": delivery.body,
            "receipt": receipt,
            "received_at": receipt["received_at"],
            "delivery_count": delivery.delivery_count,
        })

    def quarantined_messages(self, county: str | None = None, limit: int = 100) -> list[dict]:
        query = {"county": county} if county else {}
        cursor = self.quarantined.find(query, {"body": 0}).sort("received_at", pymongo.DESCENDING)
        return [{**doc, "_id": str(doc["_id"])} for doc in cursor.limit(limit)]
