"""The ingress log: which county messages were accepted (for duplicates) and quarantine.

A quarantined body can hold full ID numbers, phones and accounts, so it is stored only
sealed (``shared.sealing``); its record is keyed by a keyed digest of what arrived, so a
redelivery of the same message adds a delivery to the same record instead of a copy.

A body over the contract's limit is refused unread, and only its first
QUARANTINE_KEPT_BYTES are kept (with its full size and SHA-256): fifty megabytes must
not be copied into memory and storage (a MongoDB document holds at most 16 MB).
"""
from __future__ import annotations

import hashlib

import pymongo
from pymongo.errors import DuplicateKeyError

from services.ingress.domain import Delivery, Envelope
from shared.contract.topology import MAX_BODY_BYTES
from shared.pii import keyed_digest
from shared.sealing import Sealer
from shared.settings import pii_key

QUARANTINE_KEPT_BYTES = 64 * 1024


class IngressRepository:
    def __init__(self, database, sealer: Sealer, digest_key: bytes):
        self.messages = database["messages"]
        self.quarantined = database["quarantine"]
        self.failures = database["failures"]
        self.sealer = sealer
        self.digest_key = digest_key

    @classmethod
    def for_service(cls, database, config: dict) -> IngressRepository:
        return cls(database, Sealer.from_config(config), pii_key(config))

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

    def _delivery_key(self, delivery: Delivery) -> str:
        """What arrived, as a keyed digest: the same message redelivered has the same key."""
        return keyed_digest([delivery.routing_key.encode(), (delivery.message_id_property or "").encode(),
                             delivery.body], self.digest_key)

    def count_failure(self, delivery: Delivery) -> int:
        """One more failed attempt at this message; returns how many there have been.

        Counted here rather than read from the broker's x-delivery-count, which also
        counts every return to the queue (a consumer that died, a prefetched message
        handed back): a message that never failed could otherwise be given up on.
        """
        doc = self.failures.find_one_and_update({"_id": self._delivery_key(delivery)}, {"$inc": {"attempts": 1}},
                                                upsert=True, return_document=pymongo.ReturnDocument.AFTER)
        return doc["attempts"]

    def forget_failures(self, delivery: Delivery) -> None:
        self.failures.delete_one({"_id": self._delivery_key(delivery)})

    def quarantine(self, delivery: Delivery, receipt: dict, reason: str) -> str:
        """Keep a message for audit, body sealed; idempotent for redeliveries."""
        key = self._delivery_key(delivery)
        self.quarantined.update_one({"_id": key}, {
            "$setOnInsert": {
                "routing_key": delivery.routing_key,
                "county": delivery.key_division,
                "message_id": receipt.get("message_id"),
                "reason": reason,
                **self._sealed_body(delivery.body),
                "receipt": receipt,
                "received_at": receipt["received_at"],
            },
            "$inc": {"deliveries": 1},
        }, upsert=True)
        return key

    def _sealed_body(self, body: bytes) -> dict:
        if len(body) <= MAX_BODY_BYTES:
            return {"body_sealed": self.sealer.seal(body), "body_bytes": len(body)}
        # Over a megabyte of anything: its SHA-256 cannot be guessed back, and it lets an
        # auditor match the county's own copy.
        return {"body_sealed": self.sealer.seal(body[:QUARANTINE_KEPT_BYTES]), "body_bytes": len(body),
                "body_kept_bytes": QUARANTINE_KEPT_BYTES, "body_sha256": hashlib.sha256(body).hexdigest()}

    def quarantined_messages(self, county: str | None = None, limit: int = 100) -> list[dict]:
        """Newest first, without their bodies."""
        query = {"county": county} if county else {}
        cursor = self.quarantined.find(query, {"body_sealed": 0}).sort("received_at", pymongo.DESCENDING)
        return list(cursor.limit(limit))

    def sealed_body(self, quarantine_id: str) -> dict | None:
        """One record with its body still sealed: only a holder of the key can open it."""
        return self.quarantined.find_one({"_id": quarantine_id})
