"""The ingress's own count of failed attempts, which bounds retries (not the broker's
delivery count, which also counts every return to the queue)."""
from __future__ import annotations

import mongomock

from services.ingress.domain import Delivery
from services.ingress.repository import IngressRepository
from shared.sealing import Sealer, new_key


def repository() -> IngressRepository:
    return IngressRepository(mongomock.MongoClient()["wagewatch_ingress"], Sealer(new_key()), b"test-key")


def test_failures_are_counted_per_message_whatever_the_broker_counted():
    log = repository()
    first = Delivery(body=b'{"a": 1}', routing_key="county.430102.payroll.paid", delivery_count=7)
    other = Delivery(body=b'{"a": 2}', routing_key="county.430102.payroll.paid", delivery_count=7)
    assert [log.count_failure(first) for _ in range(3)] == [1, 2, 3]
    assert log.count_failure(other) == 1
    log.forget_failures(first)
    assert log.count_failure(first) == 1
    assert all(b'{"a"' not in str(doc).encode() for doc in log.failures.find()), "only a keyed digest is kept"
