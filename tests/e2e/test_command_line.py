"""The ``wagewatch`` command as operators run it: a separate process on the same broker."""
from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import COUNTY, message, money_in_place, payroll, project

pytestmark = pytest.mark.e2e
WAGEWATCH = str(Path(sys.executable).parent / "wagewatch")


def env_for(config) -> dict:
    return {**os.environ, "AMQP_URI": config["AMQP_URI"], "PII_HASH_KEY": "cli-test-key"}


def seed_missing_october(county, listen):
    receipts = listen("receipts", COUNTY)
    envelopes = [message("project.upsert", project(funding="private", start_date="2026-09-01")),
                 *money_in_place(["2026-09", "2026-10"]), message("payroll.paid", payroll("2026-09"))]
    for env in envelopes:
        county.publish(env)
    assert [r["body"]["status"] for r in receipts.wait_for(len(envelopes))] == ["accepted"] * len(envelopes)


def test_sweep_waits_for_the_rules_and_prints_what_was_raised(platform, county, listen, config):
    seed_missing_october(county, listen)
    result = subprocess.run([WAGEWATCH, "sweep", "--as-of", "2026-11-20"], env=env_for(config),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "1 raised, 0 resolved" in result.stdout
    assert re.search(rf"raised\s+yellow\s+PAYROLL_MISSING\s+{COUNTY} {COUNTY}-2026-0001 2026-10 → water", result.stdout)


def test_sweep_refuses_a_date_that_is_not_a_date(config):
    result = subprocess.run([WAGEWATCH, "sweep", "--as-of", "20/11/2026"], env=env_for(config),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a date in YYYY-MM-DD form" in result.stderr


def read_line(process, timeout: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline() if ready else ""


def test_alerts_tail_prints_the_desks_stream_and_nothing_else(platform, county, listen, config):
    seed_missing_october(county, listen)
    tail = subprocess.Popen([WAGEWATCH, "alerts", "tail", "--department", "water", "--division", COUNTY],
                            env=env_for(config), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert read_line(tail, 30).startswith("watching alerts (water, 430102")
        other = subprocess.Popen([WAGEWATCH, "alerts", "tail", "--department", "housing"],
                                 env=env_for(config), stdout=subprocess.PIPE, text=True)
        assert read_line(other, 30).startswith("watching alerts (housing")
        subprocess.run([WAGEWATCH, "sweep", "--as-of", "2026-11-20"], env=env_for(config),
                       capture_output=True, timeout=60, check=True)
        line = read_line(tail, 30)
        assert "YELLOW" in line and "PAYROLL_MISSING" in line and f"water@{COUNTY} (county)" in line
        assert read_line(other, 2) == ""
        other.send_signal(signal.SIGINT)
        other.wait(10)
    finally:
        tail.send_signal(signal.SIGINT)
        assert tail.wait(10) == 0


def test_demo_runs_a_platform_of_its_own_and_reports_each_desk(config):
    started = time.monotonic()
    result = subprocess.run([WAGEWATCH, "demo", "--as-of", "2026-11-23"], env=env_for(config),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "started the platform in this process" in out
    assert "receipts: 34 accepted, 1 rejected" in out
    assert "payload.general_contractor.uscc" in out
    # A state-owned project's missing payroll: one colour higher, and copied to development.
    assert re.search(r"housing@430121 .*: .*ORANGE firing +PAYROLL_MISSING .*430121-DEMO-H01 2026-10", out)
    assert re.search(r"development@430121 .*: .*ORANGE firing +PAYROLL_MISSING .*430121-DEMO-H01 2026-10", out)
    # A project that lodged no deposit: HRSS first, its regulator copied.
    assert re.search(r"hrss@430102 .*: .*RED +firing +DEPOSIT_MISSING .*430102-DEMO-H01 -", out)
    assert re.search(r"housing@430102 .*: .*RED +firing +DEPOSIT_MISSING .*430102-DEMO-H01 -", out)
    assert "water@430102 (水利, 芙蓉区): nothing" in out
    assert re.search(r"summary: 35 messages, 35 receipts, 4 alert message\(s\) to 4 desk\(s\)", out)
    print(f"wagewatch demo took {time.monotonic() - started:.1f}s")
