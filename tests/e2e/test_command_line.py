"""The ``wagewatch`` command as operators run it: a separate process on the same broker."""
from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared.pii import mask_id_number
from tests.conftest import free_port
from tests.factories import COUNTY, enrolment, message, money_in_place, month_of_clock_ins, payroll, project, worker_id
from wagewatch.platform import service_classes

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
    result = subprocess.run([WAGEWATCH, "sweep", "--as-of", "2026-11-20", "--publish"], env=env_for(config),
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
        subprocess.run([WAGEWATCH, "sweep", "--as-of", "2026-11-20", "--publish"], env=env_for(config),
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
    assert "receipts: 41 accepted, 1 partial, 1 rejected" in out
    assert "payload.general_contractor.uscc" in out
    assert re.search(r"partial +demo-430121-DEMO-W01-gate-2026-10: 318 accepted, refused #318 .*Not enrolled", out)
    # A state-owned project's missing payroll: one colour higher, and copied to development;
    # its three workers who clocked in all month are unpaid, each one alert per desk.
    assert re.search(r"housing@430121 .*: .*ORANGE firing +PAYROLL_MISSING .*430121-DEMO-H01 2026-10", out)
    assert re.search(r"development@430121 .*: .*ORANGE firing +PAYROLL_MISSING .*430121-DEMO-H01 2026-10", out)
    assert len(re.findall(r"housing@430121 .*RED +firing +WORKER_UNPAID .*430121-DEMO-H01 2026-10", out)) == 3
    assert len(re.findall(r"development@430121 .*RED +firing +WORKER_UNPAID .*430121-DEMO-H01 2026-10", out)) == 3
    # ... and, since contract 1.1, to the SOE regulator (国资) as well: its arrears alerts, nothing else.
    assert re.search(r"soe@430121 .*: .*ORANGE firing +PAYROLL_MISSING .*430121-DEMO-H01 2026-10", out)
    assert len(re.findall(r"soe@430121 .*RED +firing +WORKER_UNPAID .*430121-DEMO-H01 2026-10", out)) == 3
    assert not re.search(r"soe@430121 .*HEADCOUNT_MISMATCH", out)
    # A private project that left one of three workers off its payroll.
    assert len(re.findall(r"hrss@430102 .*RED +firing +WORKER_UNPAID .*430102-DEMO-H01 2026-10", out)) == 1
    assert re.search(r"hrss@430102 .*RED +firing +HEADCOUNT_MISMATCH .*430102-DEMO-H01 2026-10", out)
    # A project that lodged no deposit: HRSS first, its regulator copied.
    assert re.search(r"hrss@430102 .*: .*RED +firing +DEPOSIT_MISSING .*430102-DEMO-H01 -", out)
    assert re.search(r"housing@430102 .*: .*RED +firing +DEPOSIT_MISSING .*430102-DEMO-H01 -", out)
    assert re.search(r"water@430121 .*YELLOW firing +ATTENDANCE_UNREGISTERED .*430121-DEMO-W01", out)
    assert "water@430102 (水利, 芙蓉区): nothing" in out
    assert re.search(r"summary: 43 messages, 43 receipts, 24 alert message\(s\) to 7 desk\(s\)", out)
    print(f"wagewatch demo took {time.monotonic() - started:.1f}s")


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                     if line.startswith("State:"))
    except (OSError, StopIteration):
        return False
    return "zombie" not in state


def start_up(config, **env) -> tuple[subprocess.Popen, str]:
    """``wagewatch up`` in a process of the test's own; returns it and its first lines."""
    up = subprocess.Popen([WAGEWATCH, "up"], env={**env_for(config), "LOG_LEVEL": "WARNING", "DAILY_SWEEP": "false",
                                                  "CONSOLE_ADDRESS": f"127.0.0.1:{free_port()}", **env},
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = read_line(up, 90)
    assert line.startswith("[1/4] WageWatch is up:") and "Ctrl-C stops" in line, \
        line + (up.stderr.read() if up.poll() is not None else "")
    lines = [line] + [up.stdout.readline() for _ in range(2)]   # the console, then each service's readiness
    return up, "".join(lines)


def test_up_runs_each_service_in_a_process_of_its_own_until_ctrl_c_and_stops_cleanly(config):
    health = f"127.0.0.1:{free_port()}"
    up, said = start_up(config, HEALTH_ADDRESS=health)
    try:
        services = [cls.name for cls in service_classes()]
        assert f"{len(services)} services, one process each" in said
        ready = re.search(r"ready: (.*)", said).group(1)
        pids = {name: int(pid) for name, pid in re.findall(r"(\w+) \(pid (\d+)\)", ready)}
        assert sorted(pids) == sorted(services), ready
        assert sorted(children_of(up.pid)) == sorted(pids.values())
        # One health address for the platform: every service, each from its own process.
        answer = subprocess.run([WAGEWATCH, "health", "--url", f"http://{health}"], env=env_for(config),
                                capture_output=True, text=True, timeout=60)
        assert answer.returncode == 0, answer.stdout
        assert sorted(json.loads(answer.stdout)["services"]) == sorted(services)
        up.send_signal(signal.SIGINT)
        assert up.wait(60) == 0
        said += up.stdout.read()
        assert "stopping" in said
        assert not [pid for pid in pids.values() if alive(pid)]
        # On the embedded store (the default) it said as it started that nothing outlives it.
        assert "the embedded store keeps nothing after WageWatch stops" in said, said
    finally:
        if up.poll() is None:
            up.kill()


def test_a_crashed_service_is_reported_and_stops_the_platform(config):
    up, said = start_up(config)
    try:
        workers = int(re.search(r"workers \(pid (\d+)\)", said).group(1))
        others = [pid for pid in children_of(up.pid) if pid != workers]
        os.kill(workers, signal.SIGKILL)
        assert up.wait(60) == 1
        assert f"service workers (pid {workers}) killed by signal 9 (SIGKILL): stopping the platform" in up.stderr.read()
        assert not [pid for pid in others if alive(pid)]
    finally:
        if up.poll() is None:
            up.kill()


def test_the_services_die_with_wagewatch_up_even_when_it_is_killed(config):
    up, _said = start_up(config)
    children = children_of(up.pid)
    assert len(children) == len(service_classes())
    up.kill()                                   # SIGKILL: no chance to stop them itself
    up.wait(10)
    deadline = time.monotonic() + 60
    while [pid for pid in children if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in children if alive(pid)] == []


def test_workers_commands_print_the_roster_and_the_months_attendance_masked_with_a_summary(
        platform, county, listen, config):
    receipts = listen("receipts", COUNTY)
    code = project()["project_code"]
    only_first = payroll("2026-10", lines=[{"id_number": worker_id(1), "amount_due": 7200, "amount_paid": 7200}])

    def publish(*envelopes):
        before = len(receipts.messages)
        for env in envelopes:
            county.publish(env)
        answered = receipts.wait_for(before + len(envelopes))[before:]
        assert [r["body"]["status"] for r in answered] == ["accepted"] * len(envelopes)

    def wagewatch(*args) -> str:
        result = subprocess.run([WAGEWATCH, *args], env=env_for(config), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    publish(message("project.upsert", project(start_date="2026-10-01")),
            message("worker.enrol", {"records": [enrolment(1, name="张建军"), enrolment(2, name="王小明")]}),
            message("attendance.batch", {"records": month_of_clock_ins([1, 2], "2026-10", range(1, 21))}))
    roster = wagewatch("workers", "roster", code, "--as-of", "2026-10-15")
    assert re.search(rf"{re.escape(mask_id_number(worker_id(1)))} +张\*\* +139\*{{4}}\d{{4}} +钢筋班 +rebar +yes", roster)
    assert roster.rstrip().endswith(f"{code}: 2 worker(s) enrolled, 2 on site as of 2026-10-15")
    before = wagewatch("workers", "attendance", code, "--month", "2026-10")
    assert f"{code} 2026-10: 2 worker(s) clocked in, 40 worker-day(s)" in before
    assert before.rstrip().endswith("against payroll: not reconciled yet (it is when the payroll arrives, or at the next sweep)")

    publish(message("payroll.paid", only_first))      # reconciled as it arrives
    after = wagewatch("workers", "attendance", code, "--month", "2026-10")
    assert re.search(rf"{re.escape(mask_id_number(worker_id(2)))} +王\*\* +20  2026-10-01 2026-10-20 NO", after)
    assert after.rstrip().endswith("against payroll: 1 paid, 1 attended but unpaid, 0 short, 0 payee(s) not enrolled")
