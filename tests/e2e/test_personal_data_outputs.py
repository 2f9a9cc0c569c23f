"""No full ID number, phone or name leaves the platform: a full run's logs, receipts,
alerts, RPC answers and operator commands are scanned for them."""
from __future__ import annotations

import logging
import subprocess

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from testkit.synthetic import phone
from tests.e2e.test_command_line import WAGEWATCH, env_for
from tests.factories import COUNTY, clock_in, enrolment, message, month_of_clock_ins, payroll, project, worker_id
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
CODE = f"{COUNTY}-2026-0001"
NAMES = {1: "张建军", 2: "李国强", 3: "王小明"}


def full_run(county, receipts):
    """Enrol three workers (one without a contract, one leaving), a month of clock-ins with
    a stranger, an exited worker and a mistyped ID among them, and a payroll that pays one
    in full, one short, leaves one out and pays a stranger."""
    mistyped = worker_id(1)[:-1] + ("0" if worker_id(1)[-1] != "0" else "1")
    gate = month_of_clock_ins([1, 2, 3], "2026-10", range(1, 29)) + [
        clock_in(4), clock_in(3, at="2026-10-30T07:30:00+08:00"), clock_in(1, id_number=mistyped)]
    lines = [{"id_number": worker_id(1), "amount_due": 7200, "amount_paid": 7200},
             {"id_number": worker_id(2), "amount_due": 7200, "amount_paid": 5000},
             {"id_number": worker_id(5), "amount_due": 7200, "amount_paid": 7200}]
    envelopes = [
        message("project.upsert", project(start_date="2026-10-01")),
        message("worker.enrol", {"records": [enrolment(i, name=NAMES[i], contract_signed=i != 2) for i in NAMES]}),
        message("worker.exit", {"records": [{"project_code": CODE, "id_number": worker_id(3), "exit_date": "2026-10-28"}]}),
        message("attendance.batch", {"records": gate}),
        message("payroll.paid", payroll("2026-10", lines=lines)),
        message("worker.exit", {"records": [{"project_code": CODE, "id_number": worker_id(4), "exit_date": "2026-10-28"}]}),
    ]
    for env in envelopes:
        county.publish(env)
    answered = receipts.wait_for(len(envelopes))
    assert [r["body"]["status"] for r in answered] == ["accepted", "accepted", "accepted", "partial", "accepted",
                                                       "rejected"]
    return [mistyped]


def test_no_full_id_number_phone_or_name_leaves_in_logs_receipts_alerts_or_answers(
        platform, county, listen, config, caplog):
    caplog.set_level(logging.DEBUG)
    desks = listen("alerts")
    receipts = listen("receipts", COUNTY)
    extra_ids = full_run(county, receipts)
    run_sweep(config, "2026-11-20")
    alerts = desks.wait_for(7)
    with ClusterRpcProxy(config) as cluster:
        answers = [cluster.workers.roster(CODE, "2026-10-15"), cluster.workers.attendance_summary(CODE, "2026-10"),
                   cluster.alerts.list_alerts(None), cluster.ingress.quarantined(COUNTY, 100)]
    commands = [subprocess.run([WAGEWATCH, "workers", *args], env=env_for(config), capture_output=True,
                               text=True, timeout=60)
                for args in (["roster", CODE], ["attendance", CODE, "--month", "2026-10"])]
    assert all(c.returncode == 0 for c in commands), [c.stderr for c in commands]

    types = {a["body"]["type"] for a in alerts}
    assert {"WORKER_UNPAID", "WAGES_SHORT", "PAYEE_NOT_ENROLLED", "ATTENDANCE_UNREGISTERED"} <= types
    outputs = {"log": caplog.text, "receipts": str([r["body"] for r in receipts.messages]),
               "alerts": str([a["body"] for a in alerts]), "rpc answers": str(answers),
               "commands": "".join(c.stdout + c.stderr for c in commands)}
    secrets = [worker_id(i) for i in range(1, 6)] + extra_ids + [phone(i) for i in range(1, 6)]
    secrets += [worker_id(i).lower() for i in range(1, 6)]
    for where, text in outputs.items():
        # Counted, never listed: a failure must not print what it found.
        leaked = sum(secret in text for secret in secrets)
        assert leaked == 0, f"{leaked} full ID number(s) or phone(s) in the {where}"
        if where != "log":
            named = sum(name in text for name in NAMES.values())
            assert named == 0, f"{named} full name(s) in the {where}"
    assert "张**" in outputs["commands"] and "430***" in outputs["alerts"]
