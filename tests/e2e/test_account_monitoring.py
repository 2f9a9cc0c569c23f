"""Payroll-account monitoring end to end: seeded projects go in through the public contract,
each rule fires exactly where the data says with the right colour and desks, resolves
when the data clears, and the coverage report equals a hand count."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from shared.contract.alerts import AlertSchema
from tests.factories import (
    COUNTY,
    OTHER_COUNTY,
    account_opened,
    allocation,
    deposit,
    enrolment,
    message,
    payroll,
    project,
    worker_id,
)
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
WAGEWATCH = str(Path(sys.executable).parent / "wagewatch")
AS_OF = "2026-11-20"   # October's wages and labour cost were due on Friday 13 November (the 15th is a Sunday)
FULL_DEPOSIT = 960_000  # 2% of the factory's 48,000,000 contract
SHORT = [{"id_number": worker_id(1), "amount_due": 7200, "amount_paid": 7200},
         {"id_number": worker_id(2), "amount_due": 7200, "amount_paid": 6000}]


@dataclass
class Seeded:
    """A project and what its county reports about it (payroll: 2 workers, 14,400 a month)."""

    name: str
    sector: str
    funding: str
    start: str
    account: bool = True
    deposit: int = FULL_DEPOSIT
    allocations: dict[str, int] = field(default_factory=dict)
    payroll: tuple[str, ...] = ()
    overrides: dict = field(default_factory=dict)
    county: str = COUNTY
    short_month: str | None = None

    @property
    def code(self) -> str:
        return f"{self.county}-AM-{self.name}"

    def messages(self) -> list[dict]:
        start = date.fromisoformat(self.start)
        ids = {"project_code": self.code}
        sent = [message("project.upsert", project(project_code=self.code, division=self.county, sector=self.sector,
                                                  funding=self.funding, start_date=self.start, **self.overrides),
                        self.county)]
        if self.account:
            sent.append(message("account.opened", account_opened(opened_on=str(start + timedelta(4)), **ids),
                                self.county))
        if self.deposit:
            sent.append(message("deposit.paid", deposit(self.deposit, paid_on=str(start + timedelta(9)), **ids),
                                self.county))
        sent += [message("allocation.received", allocation(m, yuan, **ids), self.county)
                 for m, yuan in self.allocations.items()]
        sent += [message("payroll.paid", payroll(m, **ids, **({"lines": SHORT} if m == self.short_month else {})),
                         self.county) for m in self.payroll]
        return sent


AUG_TO_OCT = ("2026-08", "2026-09", "2026-10")
PROJECTS = {p.name: p for p in (
    Seeded("OK", "water", "private", "2026-08-01", allocations={m: 20_000 for m in AUG_TO_OCT}, payroll=AUG_TO_OCT),
    Seeded("NOACC-Y", "housing", "private", "2026-10-10", account=False, payroll=("2026-10",)),
    Seeded("NOACC-R", "transport", "private", "2026-09-01", account=False, payroll=("2026-09", "2026-10")),
    Seeded("LAB-1", "water", "private", "2026-08-01", allocations={"2026-08": 40_000, "2026-09": 30_000},
           payroll=AUG_TO_OCT),
    Seeded("LAB-2-GOV", "housing", "government", "2026-08-01", allocations={"2026-08": 100_000}, payroll=AUG_TO_OCT),
    Seeded("DEP-NONE", "municipal", "private", "2026-10-01", deposit=0, allocations={"2026-10": 40_000},
           payroll=("2026-10",)),
    Seeded("DEP-SHORT", "energy", "private", "2026-08-01", deposit=480_000,
           allocations={m: 20_000 for m in AUG_TO_OCT}, payroll=AUG_TO_OCT),
    Seeded("BAL-SOE", "water", "soe", "2026-08-01", allocations={m: 15_000 for m in AUG_TO_OCT}, payroll=AUG_TO_OCT),
    Seeded("BAL-PRIV", "railway", "private", "2026-08-01", allocations={m: 15_000 for m in AUG_TO_OCT},
           payroll=AUG_TO_OCT, short_month="2026-10"),
    Seeded("PAY-GOV", "water", "government", "2026-09-01", allocations={"2026-09": 30_000, "2026-10": 30_000},
           payroll=("2026-09",)),
    Seeded("SUSP", "water", "private", "2026-08-01", account=False, deposit=0,     # stopped on its first day: nothing worked
           overrides={"status": "suspended", "suspended_on": "2026-08-01"}),
    Seeded("PLANNED", "water", "private", "2027-01-01", account=False, deposit=0, overrides={"status": "planned"}),
    Seeded("ENDED", "water", "private", "2026-08-01", deposit=0, allocations={"2026-08": 20_000}, payroll=("2026-08",),
           overrides={"status": "completed", "actual_end_date": "2026-08-20"}),
    Seeded("OTHER", "housing", "private", "2026-10-01", account=False, payroll=("2026-10",), county=OTHER_COUNTY),
)}

# What the data says, counted by hand: (type, project, month, severity, department, division).
EXPECTED = {
    ("ACCOUNT_NOT_OPENED", "NOACC-Y", None, "yellow", "housing", COUNTY),      # day 41
    ("ACCOUNT_NOT_OPENED", "NOACC-Y", None, "yellow", "hrss", COUNTY),
    ("ACCOUNT_NOT_OPENED", "NOACC-R", None, "red", "transport", COUNTY),       # day 80; labour cost inhibited
    ("ACCOUNT_NOT_OPENED", "NOACC-R", None, "red", "hrss", COUNTY),
    ("ACCOUNT_NOT_OPENED", "OTHER", None, "red", "housing", OTHER_COUNTY),     # day 50
    ("ACCOUNT_NOT_OPENED", "OTHER", None, "red", "hrss", OTHER_COUNTY),
    ("LABOUR_COST_NOT_ALLOCATED", "LAB-1", "2026-10", "yellow", "water", COUNTY),
    ("LABOUR_COST_NOT_ALLOCATED", "LAB-1", "2026-10", "yellow", "hrss", COUNTY),
    *{("LABOUR_COST_NOT_ALLOCATED", "LAB-2-GOV", month, "red", dept, COUNTY)   # a second month missed
      for month in ("2026-09", "2026-10") for dept in ("housing", "hrss", "development", "finance")},  # finance: 1.1
    ("DEPOSIT_MISSING", "DEP-NONE", None, "yellow", "hrss", COUNTY),           # day 50, none lodged
    ("DEPOSIT_MISSING", "DEP-NONE", None, "yellow", "housing", COUNTY),
    ("DEPOSIT_MISSING", "DEP-SHORT", None, "red", "hrss", COUNTY),             # day 111, half lodged
    ("DEPOSIT_MISSING", "DEP-SHORT", None, "red", "development", COUNTY),
    *{("BALANCE_LOW", "BAL-SOE", "2026-11", "red", dept, COUNTY) for dept in ("hrss", "water", "development", "soe")},
    ("BALANCE_LOW", "BAL-PRIV", "2026-11", "orange", "hrss", COUNTY),          # 45,000 in, 42,000 out, 14,400 due
    ("BALANCE_LOW", "BAL-PRIV", "2026-11", "orange", "transport", COUNTY),
    ("PAYROLL_MISSING", "PAY-GOV", "2026-10", "orange", "water", COUNTY),
    ("PAYROLL_MISSING", "PAY-GOV", "2026-10", "orange", "development", COUNTY),
}


def clearing_messages() -> list[dict]:
    """The data that clears every condition (labour cost before an account is opened, so
    that opening it lifts no inhibition)."""
    p = {name: {"project_code": s.code} for name, s in PROJECTS.items()}
    other = {"project_code": PROJECTS["OTHER"].code}
    return [
        message("allocation.received", allocation("2026-10", 40_000, **p["NOACC-Y"])),
        message("account.opened", account_opened(opened_on=AS_OF, **p["NOACC-Y"])),
        message("allocation.received", allocation("2026-09", 30_000, **p["NOACC-R"])),
        message("allocation.received", allocation("2026-10", 30_000, **p["NOACC-R"])),
        message("account.opened", account_opened(opened_on=AS_OF, **p["NOACC-R"])),
        message("allocation.received", allocation("2026-10", 40_000, **other), OTHER_COUNTY),
        message("account.opened", account_opened(opened_on=AS_OF, **other), OTHER_COUNTY),
        message("allocation.received", allocation("2026-10", 20_000, **p["LAB-1"])),
        message("allocation.received", allocation("2026-09", 20_000, **p["LAB-2-GOV"])),
        message("allocation.received", allocation("2026-10", 20_000, **p["LAB-2-GOV"])),
        message("deposit.paid", deposit(FULL_DEPOSIT, paid_on=AS_OF, **p["DEP-NONE"])),
        message("deposit.paid", deposit(480_000, paid_on=AS_OF, form="insurance", **p["DEP-SHORT"])),
        message("allocation.received", allocation("2026-11", 20_000, received_on=AS_OF, **p["BAL-SOE"])),
        message("allocation.received", allocation("2026-11", 20_000, received_on=AS_OF, **p["BAL-PRIV"])),
        message("payroll.paid", payroll("2026-10", **p["PAY-GOV"])),
    ]


def publish_all(county, receipts, envelopes):
    before = len(receipts.messages)
    for env in envelopes:
        county.publish(env)
    answered = receipts.wait_for(before + len(envelopes), timeout=60)[before:]
    assert [r["body"]["status"] for r in answered] == ["accepted"] * len(envelopes), \
        [r["body"] for r in answered if r["body"]["status"] != "accepted"]


def seed(county, listen):
    receipts = listen("receipts", COUNTY, OTHER_COUNTY)
    publish_all(county, receipts, [m for p in PROJECTS.values() for m in p.messages()])
    return receipts


# The rules this file is about. The seeded projects keep no real-name records, so the
# workers service rightly has its own say about them (no attendance, payees not enrolled);
# those alerts are its tests' business, not these.
MONEY_RULES = {"PAYROLL_MISSING", "ACCOUNT_NOT_OPENED", "LABOUR_COST_NOT_ALLOCATED", "DEPOSIT_MISSING",
               "BALANCE_LOW"}
MONEY_SOURCES = {"payroll", "accounts"}


def money_alerts(listener, count: int, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in listener.drain(0.2) if m["body"]["type"] in MONEY_RULES]
        if len(found) >= count or time.monotonic() > deadline:
            return found


def observed(listener, count) -> list[tuple]:
    """(type, project, month, severity, department, division, status) of ``count`` alert
    messages of the money rules, and nothing more of them arrives."""
    messages = money_alerts(listener, count)
    extra = [m for m in listener.drain(1.0) if m["body"]["type"] in MONEY_RULES][count:]
    assert not extra, [m["routing_key"] for m in extra]
    messages = messages[:count]
    listener.messages.clear()
    names = {p.code: name for name, p in PROJECTS.items()}
    for m in messages:
        assert AlertSchema().validate(m["body"]) == {}, m["body"]
        assert m["routing_key"] == f"alert.{m['body']['department']}.{m['body']['division']}.{m['body']['severity']}"
    return [(b["type"], names[b["project_code"]], b["month"], b["severity"], b["department"], b["division"],
             b["status"]) for b in (m["body"] for m in messages)]


def test_each_rule_fires_exactly_where_the_data_says_and_resolves_when_it_clears(platform, county, listen, config):
    every_desk = listen("alerts")
    receipts = seed(county, listen)

    outcomes = run_sweep(config, AS_OF)

    fired = observed(every_desk, len(EXPECTED))
    assert len(fired) == len(set(fired)), "every alert reaches each of its desks once"
    assert {f[:6] for f in fired} == EXPECTED and {f[6] for f in fired} == {"firing"}
    money = [o for o in outcomes if o["source"] in MONEY_SOURCES]
    assert sum(len(o["raised"]) for o in money) == 11   # alerts, each counted above once per desk

    again = [o for o in run_sweep(config, AS_OF) if o["source"] in MONEY_SOURCES]
    assert {(len(o["raised"]), len(o["resolved"])) for o in again} == {(0, 0)}
    assert not [m for m in every_desk.drain(1.0) if m["body"]["type"] in MONEY_RULES], \
        "an open alert never fires twice"

    publish_all(county, receipts, clearing_messages())
    resolved = observed(every_desk, len(EXPECTED))
    assert {r[:6] for r in resolved} == EXPECTED and {r[6] for r in resolved} == {"resolved"}

    after = [o for o in run_sweep(config, AS_OF) if o["source"] in MONEY_SOURCES]
    assert {(len(o["raised"]), len(o["resolved"]), o["reported"]) for o in after} == {(0, 0, 0)}
    assert {o["source"] for o in after} == MONEY_SOURCES


# Workers enrolled on each project during October (NOACC-Y and DEP-NONE: nobody).
ENROLLED = {"OK": 12, "NOACC-R": 3, "LAB-1": 7, "LAB-2-GOV": 20, "DEP-SHORT": 5, "BAL-SOE": 9, "BAL-PRIV": 4,
            "PAY-GOV": 6, "ENDED": 2, "SUSP": 8}


def enrolments() -> list[dict]:
    return [message("worker.enrol", {"records": [
        enrolment(n, project_code=PROJECTS[name].code, entry_date=PROJECTS[name].start) for n in range(1, count + 1)]})
        for name, count in ENROLLED.items()]


def test_the_coverage_report_equals_a_hand_count(platform, county, listen, config):
    receipts = seed(county, listen)
    publish_all(county, receipts, enrolments())
    run_sweep(config, AS_OF)
    env = {**os.environ, "AMQP_URI": config["AMQP_URI"]}
    command = [WAGEWATCH, "report", "coverage", "--division", COUNTY, "--month", "2026-10"]

    result = subprocess.run([*command, "--json"], env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # Under construction in October in 芙蓉区: every seeded project but SUSP, PLANNED, ENDED
    # (ended in August) and OTHER (长沙县).
    assert (report["division"], report["month"], report["projects_under_construction"]) == (COUNTY, "2026-10", 10)
    assert {f["system"]: (f["projects"], f["of"]) for f in report["systems"]} == {
        "workers_enrolled": (8, 10),       # all but NOACC-Y and DEP-NONE
        "dedicated_account": (8, 10),      # all but NOACC-Y and NOACC-R
        "wage_deposit": (9, 10),           # all but DEP-NONE (DEP-SHORT lodged half)
        "paid_through_account": (7, 10),   # October sheets: all but PAY-GOV; of those NOACC-Y, NOACC-R have no account
        "paid_in_full": (8, 10),           # October sheets but BAL-PRIV's, which paid a worker short
    }
    public = report["paid_in_full_public"]
    assert (public["projects"], public["of"]) == (2, 3)   # LAB-2-GOV, BAL-SOE of those and PAY-GOV
    open_alerts = report["open_alerts"]
    assert {t: c for t, c in open_alerts["by_type"].items() if t in MONEY_RULES} == {
        "ACCOUNT_NOT_OPENED": {"yellow": 1, "red": 1}, "BALANCE_LOW": {"orange": 1, "red": 1},
        "DEPOSIT_MISSING": {"yellow": 1, "red": 1}, "LABOUR_COST_NOT_ALLOCATED": {"yellow": 1, "red": 2},
        "PAYROLL_MISSING": {"orange": 1}}
    assert open_alerts["complete"] and open_alerts["total"] == sum(
        n for colours in open_alerts["by_type"].values() for n in colours.values())

    table = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "Coverage of required systems: 芙蓉区 430102 (county), 2026-10" in table.stdout
    assert any(line.startswith("payroll paid through the account (总包代发)") and line.endswith("7 / 10  70.0%")
               for line in table.stdout.splitlines()), table.stdout
    assert (f"summary: {open_alerts['total']} open alert(s) of {len(open_alerts['by_type'])} type(s)"
            in table.stdout)


def test_the_report_refuses_a_division_that_does_not_exist(config):
    result = subprocess.run([WAGEWATCH, "report", "coverage", "--division", "439999", "--month", "2026-10"],
                            env={**os.environ, "AMQP_URI": config["AMQP_URI"]}, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "Unknown administrative division code" in result.stderr
