"""Quarantine keeps what a county sent for audit, sealed: a redelivery adds no copy, the
stored record holds no readable body, and only a holder of the key opens it."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from services.ingress.domain import Delivery
from services.ingress.repository import QUARANTINE_KEPT_BYTES, IngressRepository
from shared.contract.topology import MAX_BODY_BYTES
from shared.sealing import InvalidToken, Sealer
from shared.storage import database_for
from tests.conftest import TEST_PII_KEY, TEST_QUARANTINE_KEY
from tests.factories import COUNTY, message, payroll, worker_id
from wagewatch.quarantine import format_record

WAGEWATCH = str(Path(sys.executable).parent / "wagewatch")
RECEIPT = {"message_id": "m-1", "status": "rejected", "errors": {"payload.project_code": ["Unknown project"]},
           "received_at": "2026-11-23T08:00:01+08:00"}


@pytest.fixture
def repository(mongo_uri):
    return IngressRepository(database_for(mongo_uri, "ingress"), Sealer(TEST_QUARANTINE_KEY),
                             TEST_PII_KEY.encode())


def delivery_with_id_numbers() -> Delivery:
    import json

    body = json.dumps(message("payroll.paid", payroll(workers=3), message_id="m-1")).encode()
    return Delivery(body=body, routing_key=f"county.{COUNTY}.payroll.paid", message_id_property="m-1")


def test_a_quarantined_body_is_stored_sealed_and_a_redelivery_adds_no_copy(repository, mongo_uri):
    delivery = delivery_with_id_numbers()
    first = repository.quarantine(delivery, RECEIPT, "rejected payload")
    again = repository.quarantine(delivery, RECEIPT, "rejected payload")
    [stored] = database_for(mongo_uri, "ingress")["quarantine"].find()
    assert first == again == stored["_id"] and stored["deliveries"] == 2
    assert worker_id(1) not in str(stored) and "body" not in stored
    assert repository.sealer.open(repository.sealed_body(first)["body_sealed"]) == delivery.body


@pytest.mark.parametrize("size, kept", [(MAX_BODY_BYTES, MAX_BODY_BYTES), (MAX_BODY_BYTES + 1, QUARANTINE_KEPT_BYTES),
                                         (50 * 1024 * 1024, QUARANTINE_KEPT_BYTES)])
def test_a_body_over_the_limit_is_kept_as_a_sealed_prefix_with_its_size_and_hash(repository, size, kept):
    body = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    delivery = Delivery(body=body, routing_key=f"county.{COUNTY}.payroll.paid")
    stored = repository.sealed_body(repository.quarantine(delivery, RECEIPT, "unreadable envelope"))
    assert repository.sealer.open(stored["body_sealed"]) == body[:kept] and stored["body_bytes"] == size
    if kept < size:
        assert (stored["body_kept_bytes"], stored["body_sha256"]) == (kept, hashlib.sha256(body).hexdigest())
        assert f"first {kept} kept, sha256 {stored['body_sha256']}" in format_record(stored)
    else:
        assert "body_sha256" not in stored


def test_another_key_cannot_open_it(repository):
    key = repository.quarantine(delivery_with_id_numbers(), RECEIPT, "rejected payload")
    stranger = Sealer(Fernet.generate_key().decode())
    with pytest.raises(InvalidToken):
        stranger.open(repository.sealed_body(key)["body_sealed"])


def test_listing_leaves_the_body_out(repository):
    repository.quarantine(delivery_with_id_numbers(), RECEIPT, "rejected payload")
    [listed] = repository.quarantined_messages(COUNTY)
    assert "body_sealed" not in listed and listed["reason"] == "rejected payload"


def test_an_auditor_opens_a_body_with_the_command_and_nobody_else_can(config, runner_factory):
    from services.ingress.service import IngressService

    runner = runner_factory(config, IngressService)
    runner.start()
    repository = IngressRepository.for_service(database_for(config["MONGO_URI"], "ingress"), config)
    key = repository.quarantine(delivery_with_id_numbers(), RECEIPT, "rejected payload")
    env = {**os.environ, "AMQP_URI": config["AMQP_URI"]}
    listing = subprocess.run([WAGEWATCH, "quarantine", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert key in listing.stdout and worker_id(1) not in listing.stdout
    without_key = subprocess.run([WAGEWATCH, "quarantine", "show", key], env=env, capture_output=True,
                                 text=True, timeout=60)
    assert without_key.returncode == 2 and worker_id(1) not in without_key.stdout
    auditor = subprocess.run([WAGEWATCH, "quarantine", "show", key], capture_output=True, text=True, timeout=60,
                             env={**env, "QUARANTINE_KEY": TEST_QUARANTINE_KEY})
    assert auditor.returncode == 0, auditor.stderr
    assert worker_id(1) in auditor.stdout and "opened by" in auditor.stderr
