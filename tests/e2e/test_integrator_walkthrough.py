"""docs/integrators.md's walkthrough, as a county follows it: consume the receipts queue
by name (declared at deployment), publish a project.upsert with its AMQP message_id, read
the receipt. What arrives is what docs/asyncapi.yaml says: the receipt's body, its AMQP
message_id (the correlation) and its content type and encoding."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from kombu import Connection, Consumer, Queue

from shared.contract.access import receipts_queue
from shared.contract.envelope import envelope
from tests.factories import COUNTY, project

pytestmark = pytest.mark.e2e
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"


def documented(message: str) -> dict:
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))["components"]["messages"][message]


def test_a_county_following_the_walkthrough_gets_the_documented_receipt_for_its_message(platform, config):
    with Connection(config["AMQP_URI"]) as deployment:   # what definitions.json declares in production
        receipts_queue(COUNTY)(deployment.default_channel).declare()
    body = envelope(f"{COUNTY}-20261203-000001", "project.upsert", COUNTY, project())
    jsonschema.validate(body, documented("project_upsert")["payload"])
    answers = []
    with Connection(config["AMQP_URI"], transport_options={"confirm_publish": True}) as conn:
        mine = Queue(f"wagewatch.receipts.{COUNTY}", no_declare=True)
        with Consumer(conn, queues=[mine], callbacks=[lambda b, m: (answers.append(m), m.ack())], accept=["json"]):
            conn.Producer().publish(json.dumps(body, ensure_ascii=False).encode("utf-8"), exchange="wagewatch.ingress",
                                    routing_key=f"county.{COUNTY}.project.upsert", content_type="application/json",
                                    content_encoding="utf-8", delivery_mode=2, message_id=body["message_id"])
            while not answers:
                conn.drain_events(timeout=30)
    [receipt] = answers
    receipt_document = documented("receipt")
    assert receipt.properties["message_id"] == body["message_id"] == receipt.payload["message_id"]
    assert (receipt.content_type, receipt.content_encoding) == (
        receipt_document["contentType"], receipt_document["bindings"]["amqp"]["contentEncoding"])
    jsonschema.validate(receipt.payload, receipt_document["payload"])
    assert receipt.payload["status"] == "accepted"
