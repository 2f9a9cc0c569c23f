"""Bad input gets a precise receipt, is quarantined, and never stops the consumer."""
from __future__ import annotations

from datetime import date

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from shared.contract.envelope import ReceiptSchema
from testkit.synthetic import resident_id
from tests.factories import COUNTY, OTHER_COUNTY, enrolment, message, project

pytestmark = pytest.mark.e2e


def answer(listener, count=1, timeout=30):
    received = list(listener.wait_for(count, timeout=timeout))
    assert len(received) == count, f"expected {count} receipts, got {len(received)}"
    listener.messages.clear()
    return [r["body"] for r in received]


def test_each_kind_of_bad_input_gets_the_receipt_the_contract_specifies(platform, county, listen):
    receipts = listen("receipts", COUNTY)

    county.publish_raw(b"<xml>not json</xml>", f"county.{COUNTY}.project.upsert", message_id="amqp-prop-1")
    [receipt] = answer(receipts)
    assert (receipt["status"], receipt["message_id"], receipt["type"]) == ("rejected", "amqp-prop-1", "project.upsert")
    assert receipt["errors"]["body"][0].startswith("Not valid JSON")

    county.publish(message("project.upsert", project(contract_amount=-100), message_id="neg-1"))
    [receipt] = answer(receipts)
    assert receipt["errors"] == {"payload.contract_amount": ["Must not be negative."]}

    bad_owner = project(owner={"name": "某建设单位", "uscc": project()["owner"]["uscc"][:-1] + "0"})
    county.publish(message("project.upsert", bad_owner, message_id="uscc-1"))
    [receipt] = answer(receipts)
    assert receipt["errors"] == {"payload.owner.uscc": ["Invalid check character."]}

    county.publish(message("project.upsert", project(), county=OTHER_COUNTY, message_id="wrong-county-1"),
                   routing_key=f"county.{COUNTY}.project.upsert")
    [receipt] = answer(receipts)
    assert receipt["status"] == "rejected" and list(receipt["errors"]) == ["county"]

    valid = message("project.upsert", project(), message_id="once-1")
    county.publish(valid)
    county.publish(valid)
    first, second = answer(receipts, 2)
    assert (first["status"], second["status"]) == ("accepted", "duplicate")
    assert first["message_id"] == second["message_id"] == "once-1"
    assert all(ReceiptSchema().validate(r) == {} for r in (first, second))


def test_a_valid_message_after_a_burst_of_garbage_is_accepted(platform, county, listen, config):
    receipts = listen("receipts", COUNTY)
    garbage = [b"", b"\xff\xfe\xfd", b"{", b"null", b'{"message_id": 5}', b"[]" * 1000]
    for i in range(60):
        county.publish_raw(garbage[i % len(garbage)], f"county.{COUNTY}.payroll.paid", message_id=f"junk-{i}")
    county.publish(message("project.upsert", project(), message_id="after-the-burst"))

    answered = answer(receipts, 61, timeout=60)
    assert [r["status"] for r in answered[:60]] == ["rejected"] * 60
    assert (answered[60]["message_id"], answered[60]["status"]) == ("after-the-burst", "accepted")
    assert receipts.drain(0.5) == [], "exactly one receipt per message"
    with ServiceRpcProxy("ingress", config) as ingress:
        kept = ingress.quarantined(COUNTY, 100)
    assert len(kept) == 60 and {k["reason"] for k in kept} == {"unreadable envelope"}


def test_a_resident_id_is_judged_on_codes_that_ever_existed_whatever_the_holders_age(platform, county, listen):
    """Contract 1.1's clarification: 430102 was coded in 1983, and a worker born in 1975 whose
    number was issued there is real (python-stdnum alone refuses it); 999999 never existed."""
    receipts = listen("receipts", COUNTY)
    county.publish(message("project.upsert", project()))
    older_than_the_code = resident_id("430102", date(1975, 3, 9), 31)
    never_a_code = resident_id("999999", date(1980, 1, 1), 1)
    county.publish(message("worker.enrol", {"records": [enrolment(1, id_number=older_than_the_code),
                                                        enrolment(2, id_number=never_a_code)]}))
    registered, enrolled = answer(receipts, 2)
    assert registered["status"] == "accepted"
    assert (enrolled["status"], enrolled["records"]) == ("partial", {"accepted": 1, "rejected": [
        {"index": 1, "errors": {"id_number": ["Unknown address code: no such code was ever in GB/T 2260."]}}]})
    assert never_a_code not in str(enrolled) and older_than_the_code not in str(enrolled)
