"""Property: whatever a county sends, the ingress answers with exactly one receipt that
follows the contract and names the problem precisely, stores nothing of a rejected
message, and never raises. Hypothesis generates the malformed traffic (tests/fuzzing.py).
"""
from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from services.ingress.domain import Delivery
from services.ingress.handler import handle_delivery
from shared.contract.envelope import ReceiptSchema
from tests.fuzzing import ENVELOPE_KEYS, Case, malformed_cases
from tests.unit.fakes import FakeIngressLog, FakeOwner, FakeReceipts

pytestmark = pytest.mark.faults
NOW = "2026-11-23T08:00:01+08:00"
EXAMPLES = 1200


def answer(case: Case):
    log, owner, receipts = FakeIngressLog(), FakeOwner(), FakeReceipts()
    delivery = Delivery(body=case.body, routing_key=case.routing_key, message_id_property=case.message_id)
    returned = handle_delivery(delivery, message_log=log, dispatch=owner, publish=receipts, received_at=NOW)
    return returned, log, owner, receipts


def assert_precise(case: Case, receipt: dict) -> None:
    """The receipt says where the problem is, as the contract writes field paths."""
    assert receipt["status"] in case.statuses, (case.kind, receipt)
    if case.record is not None:
        rejected = {r["index"]: r["errors"] for r in receipt["records"]["rejected"]}
        assert list(rejected) == [case.record], (case.kind, receipt)
        assert case.error_key in rejected[case.record], (case.kind, rejected)
        assert receipt["records"]["accepted"] == 2
    elif case.error_key is not None:
        assert case.error_key in receipt["errors"], (case.kind, receipt["errors"])
    else:
        assert receipt["errors"] and set(receipt["errors"]) <= ENVELOPE_KEYS, (case.kind, receipt["errors"])
    for messages in receipt["errors"].values():
        assert messages and all(isinstance(m, str) and m for m in messages)


def test_every_malformed_message_gets_one_precise_receipt_and_nothing_rejected_is_stored():
    tally: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(case=malformed_cases())
    def property_holds(case):
        returned, log, owner, receipts = answer(case)
        tally["inputs"] += 1
        assert len(receipts.sent) == 1, "exactly one receipt"
        receipt, division = receipts.sent[0]
        tally[receipt["status"]] += 1
        assert receipt == returned and division == "430102"
        assert ReceiptSchema().validate(receipt) == {}
        assert receipt["message_id"] == case.message_id
        assert_precise(case, receipt)
        json.dumps(receipt, ensure_ascii=False)            # publishable as it is
        if receipt["status"] == "rejected":
            assert owner.stored == [] and log.messages == {}
            assert len(log.quarantined) == 1               # kept for audit
        else:                                              # partial: the valid records only
            assert [i for i, _ in owner.stored[0]] == [i for i in range(3) if i != case.record]

    property_holds()
    print(f"\n[fuzz, unit] generated inputs={tally['inputs']}, receipts: "
          + ", ".join(f"{k}={v}" for k, v in sorted(tally.items()) if k != "inputs"))
    assert tally["inputs"] >= 1000
