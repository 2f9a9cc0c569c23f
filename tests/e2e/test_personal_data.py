"""No full ID number, phone or bank account anywhere a full run leaves a trace: not in a
log line (at DEBUG, every logger), a receipt, an alert, nor in any document of any
collection of any service's database.

The scan is generic: it walks every database in the store and every log record, so a
service added to the platform later is covered without touching this test. It looks for
the exact values the run sent, and also for anything shaped like a resident ID number
with a valid check digit or a mainland mobile number, wherever it came from.
"""
from __future__ import annotations

import json
import logging
import re

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from stdnum.cn import ric

from shared.storage import client_for
from tests.factories import COUNTY, message, payroll, project, worker_id
from tests.fuzzing import valid_payloads

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE_SHAPE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def every_document(mongo_uri: str) -> dict[str, str]:
    """Every collection of every database in the store, as text: ``db.collection`` → dump."""
    client = client_for(mongo_uri)
    return {f"{db}.{name}": json.dumps(list(client[db][name].find()), default=str, ensure_ascii=False)
            for db in client.list_database_names() for name in client[db].list_collection_names()}


def leaks(text: str, secrets: set[str]) -> list[str]:
    found = [s for s in secrets if s in text]
    found += [m for m in ID_SHAPE.findall(text) if ric.is_valid(m)]
    found += MOBILE_SHAPE.findall(text)
    return sorted(set(found))


def run_with_personal_data(county, listen, config) -> tuple[set[str], set[str], list, list]:
    """A month of traffic carrying personal data in every message type, good and bad."""
    receipts, desks = listen("receipts", COUNTY), listen("alerts")
    payloads = valid_payloads()
    code = f"{COUNTY}-2026-0001"
    officer = {"name": "王建国", "phone": "13712345678"}   # contract 1.1: the wage officer's phone is personal data
    sent = [message("project.upsert", project(start_date="2026-08-01", wage_officer=officer), schema_version=1.1)]
    sent += [message("payroll.paid", payroll(month, workers=5)) for month in ("2026-08", "2026-10")]
    for message_type, payload in payloads.items():     # every type, with IDs, phones, accounts
        if message_type != "project.upsert":
            body = json.loads(json.dumps(payload).replace('"P1"', f'"{code}"'))
            sent.append(message(message_type, body))
    bad = payroll("2026-09", workers=5)
    bad["lines"][2]["amount_paid"] = -1                # refused: its full IDs go to quarantine
    sent.append(message("payroll.paid", bad))
    for env in sent:
        county.publish(env)
    answered = receipts.wait_for(len(sent))
    assert len(answered) == len(sent)
    with ServiceRpcProxy("payroll", config) as payroll_rpc:
        payroll_rpc.sweep("2026-11-20")                # WORKER/PAYROLL alerts for the missing month
    alerts = desks.wait_for(1)
    assert alerts, "the sweep raised nothing to scan"
    text = json.dumps(sent, ensure_ascii=False)
    secrets = {worker_id(i) for i in range(1, 6)} | set(MOBILE_SHAPE.findall(text))
    secrets |= {payloads["account.opened"]["account_no"]}
    names = {"张三", "李四", "王建国"}
    assert {s for s in secrets if s in text} == secrets   # the run really carried them
    return secrets, names, answered, alerts


def test_a_full_run_leaves_no_personal_data_in_logs_receipts_alerts_or_storage(
        platform, county, listen, config, caplog):
    caplog.set_level(logging.DEBUG)
    secrets, names, receipts, alerts = run_with_personal_data(county, listen, config)

    outbound = json.dumps([r["body"] for r in receipts + alerts], ensure_ascii=False)
    assert leaks(outbound, secrets | names) == [], "receipts or alerts carry personal data"
    assert leaks(caplog.text, secrets | names) == [], "the logs carry personal data"
    stored = every_document(config["MONGO_URI"])
    assert {"wagewatch_ingress.quarantine", "wagewatch_payroll.payroll_months"} <= set(stored)
    leaking = {where: leaks(text, secrets) for where, text in stored.items()}
    assert {where: found for where, found in leaking.items() if found} == {}
    print(f"\n[personal data] scanned {len(caplog.records)} log records, {len(receipts)} receipts, "
          f"{len(alerts)} alerts, {len(stored)} collections in "
          f"{len({w.split('.')[0] for w in stored})} databases ({sum(map(len, stored.values()))} characters): "
          f"0 full ID numbers, phones or accounts")


def test_the_scan_finds_what_it_looks_for():
    """The detector itself: a leak in any of its shapes is found, masked forms are not."""
    full = worker_id(3)
    assert leaks(f"worker {full} paid", set()) == [full]
    assert leaks("call 13912345678 now", set()) == ["13912345678"]
    assert leaks(f"{full[:3]}***********{full[-4:]} and 139****5678", set()) == []
    assert leaks("6222020200112233445", {"6222020200112233445"}) == ["6222020200112233445"]
