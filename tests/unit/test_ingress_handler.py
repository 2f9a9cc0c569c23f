"""One delivery in, its effects stored, exactly one receipt out (with fakes)."""
from __future__ import annotations

import json

import pytest

from services.ingress.domain import Delivery
from services.ingress.handler import give_up, handle_delivery
from shared.errors import RecordRefused
from tests.factories import COUNTY, message, payroll, project, worker_id
from tests.unit.fakes import FakeIngressLog, FakeOwner, FakeReceipts

NOW = "2026-11-23T08:00:01+08:00"


def deliver(env, log, owner, receipts, redelivered=False):
    delivery = Delivery(body=json.dumps(env).encode(), routing_key=f"county.{env['county']}.{env['type']}",
                        redelivered=redelivered)
    return handle_delivery(delivery, message_log=log, dispatch=owner, publish=receipts, received_at=NOW)


def test_a_valid_message_is_stored_by_its_owner_then_answered_accepted():
    log, owner, receipts = FakeIngressLog(), FakeOwner(), FakeReceipts()
    receipt = deliver(message("project.upsert", project(), message_id="m-1"), log, owner, receipts)
    assert receipt == {"message_id": "m-1", "type": "project.upsert", "status": "accepted",
                       "errors": {}, "received_at": NOW}
    assert len(owner.stored) == 1 and receipts.sent == [(receipt, COUNTY)]
    assert log.messages[(COUNTY, "m-1")]["receipt_sent"] is True


def test_a_resent_message_id_changes_nothing_and_is_a_duplicate():
    log, owner, receipts = FakeIngressLog(), FakeOwner(), FakeReceipts()
    env = message("project.upsert", project(), message_id="m-1")
    deliver(env, log, owner, receipts)
    second = deliver(env, log, owner, receipts)
    assert second["status"] == "duplicate" and len(owner.stored) == 1


def test_a_redelivery_whose_receipt_never_went_out_gets_the_original_receipt():
    log, owner, receipts = FakeIngressLog(), FakeOwner(), FakeReceipts()
    env = message("project.upsert", project(), message_id="m-1")
    first = deliver(env, log, owner, receipts)
    log.messages[(COUNTY, "m-1")]["receipt_sent"] = False     # the process died before publishing
    again = deliver(env, log, owner, receipts, redelivered=True)
    assert again == first and len(owner.stored) == 1


def test_a_rejected_message_id_may_be_sent_again_once_fixed():
    log, owner, receipts = FakeIngressLog(), FakeOwner(), FakeReceipts()
    bad = deliver(message("project.upsert", project(contract_amount=-1), message_id="m-1"), log, owner, receipts)
    good = deliver(message("project.upsert", project(), message_id="m-1"), log, owner, receipts)
    assert (bad["status"], good["status"]) == ("rejected", "accepted")
    assert len(log.quarantined) == 1


def test_the_owning_services_refusal_is_reported_under_the_payload_field():
    log, receipts = FakeIngressLog(), FakeReceipts()
    owner = FakeOwner({"errors": {"project_code": ["Unknown project: register it with project.upsert first."]}})
    receipt = deliver(message("payroll.paid", payroll()), log, owner, receipts)
    assert receipt["status"] == "rejected"
    assert receipt["errors"] == {"payload.project_code": ["Unknown project: register it with project.upsert first."]}
    assert log.messages == {} and log.quarantined[0]["reason"] == "rejected payload"


def test_a_partial_batch_counts_edge_and_owner_rejections_in_index_order():
    log, receipts = FakeIngressLog(), FakeReceipts()
    owner = FakeOwner({"rejected": [{"index": 2, "errors": {"id_number": ["Not enrolled on this project."]}}]})
    good = {"project_code": "P1", "id_number": worker_id(1), "at": "2026-10-08T07:31:00+08:00"}
    records = [good, {**good, "at": "not a time"}, {**good, "id_number": worker_id(2)}, good]
    receipt = deliver(message("attendance.batch", {"records": records}), log, owner, receipts)
    assert receipt["status"] == "partial"
    assert receipt["records"]["accepted"] == 2
    assert [r["index"] for r in receipt["records"]["rejected"]] == [1, 2]
    assert log.quarantined[0]["reason"] == "rejected records"


def test_garbage_is_answered_on_the_routing_keys_county_and_quarantined():
    log, owner, receipts = FakeIngressLog(), FakeOwner(), FakeReceipts()
    delivery = Delivery(body=b"\x00garbage", routing_key="county.430121.payroll.paid", message_id_property="p-9")
    receipt = handle_delivery(delivery, message_log=log, dispatch=owner, publish=receipts, received_at=NOW)
    assert receipts.sent == [(receipt, "430121")]
    assert (receipt["status"], receipt["message_id"], receipt["type"]) == ("rejected", "p-9", "payroll.paid")
    assert log.quarantined[0]["body"] == b"\x00garbage" and owner.stored == []


def test_a_message_that_keeps_failing_is_answered_and_kept():
    log, receipts = FakeIngressLog(), FakeReceipts()
    env = message("project.upsert", project(), message_id="m-7")
    delivery = Delivery(body=json.dumps(env).encode(), routing_key=f"county.{COUNTY}.project.upsert")
    receipt = give_up(delivery, message_log=log, publish=receipts, received_at=NOW, attempts=5)
    assert receipt["status"] == "rejected" and receipt["message_id"] == "m-7"
    assert "failed 5 times" in receipt["errors"]["_platform"][0]
    assert log.quarantined[0]["reason"] == "processing failed"


def test_a_partial_batch_is_quarantined_before_it_is_logged_so_a_crash_between_loses_no_audit():
    class CrashingLog(FakeIngressLog):
        crashes = 1

        def record(self, envelope, receipt):
            if self.crashes:
                self.crashes -= 1
                raise ConnectionError("the process died here")
            return super().record(envelope, receipt)

    log, owner, receipts = CrashingLog(), FakeOwner(), FakeReceipts()
    good = {"project_code": "P1", "id_number": worker_id(1), "at": "2026-10-08T07:31:00+08:00"}
    env = message("attendance.batch", {"records": [good, {**good, "at": "no"}]}, message_id="b-1")
    try:
        deliver(env, log, owner, receipts)
    except ConnectionError:
        pass
    receipt = deliver(env, log, owner, receipts, redelivered=True)
    assert receipt["status"] == "partial" and [r["reason"] for r in log.quarantined][:1] == ["rejected records"]
    assert len(receipts.sent) == 1



def test_a_redelivered_message_for_an_unknown_project_waits_for_the_registry_before_it_is_refused():
    """After a crash the broker may hand a county's messages back out of order: a payroll
    can come round again before the project.upsert it follows."""
    from services.ingress.handler import WaitForRegistry
    from shared.projects import UNKNOWN_PROJECT

    log, receipts = FakeIngressLog(), FakeReceipts()
    owner = FakeOwner({"errors": {"project_code": [UNKNOWN_PROJECT]}})
    env = message("payroll.paid", payroll(), message_id="m-9")
    delivery = Delivery(body=json.dumps(env).encode(), routing_key=f"county.{COUNTY}.payroll.paid", redelivered=True)
    with pytest.raises(WaitForRegistry):
        handle_delivery(delivery, message_log=log, dispatch=owner, publish=receipts, received_at=NOW)
    assert receipts.sent == [] and log.quarantined == []      # nothing answered yet
    final = handle_delivery(delivery, message_log=log, dispatch=owner, publish=receipts, received_at=NOW,
                            hold_unknown=False)
    assert final["status"] == "rejected"
    assert final["errors"] == {"payload.project_code": [UNKNOWN_PROJECT]}
    assert receipts.sent == [(final, COUNTY)]


@pytest.mark.parametrize("refuse", ["raises RecordRefused", "answers the old errors dict"])
def test_an_owner_refusing_a_record_either_way_gives_the_same_field_errors(refuse):
    """Owners move from answering ``{"errors"}`` to raising RecordRefused (shared/errors.py);
    the receipt a county gets does not change."""
    errors = {"project_code": ["Already registered by another county; project codes are unique province-wide."]}

    def owner(envelope, check):
        if refuse == "raises RecordRefused":
            raise RecordRefused(errors)
        return {"errors": errors}

    log = FakeIngressLog()
    receipt = deliver(message("project.upsert", project(), message_id="m-1"), log, owner, FakeReceipts())
    assert (receipt["status"], receipt["errors"]) == ("rejected", {"payload.project_code": errors["project_code"]})
    assert log.quarantined[0]["reason"] == "rejected payload"
