"""Benchmark: the accounts sweep over many projects, in real containers.

Prints figures; asserts only what the sweep found (never its speed). ``make test`` runs
2,000 projects; a province is 20,000:

    WAGEWATCH_BENCH_PROJECTS=20000 .venv/bin/nameko test -s tests/integration/test_accounts_sweep_benchmark.py

The sweep makes the same five queries and four RPCs whatever the number of projects; the
rules themselves are timed separately. The whole province, every monitor, is
``python -m loadtests.sweep_bench`` (docs/development.md, "Sweep performance").
"""
from __future__ import annotations

import os
import time
from datetime import date
from decimal import Decimal

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from services.accounts.domain import AccountRules, evaluate
from services.accounts.repository import AccountsRepository
from services.accounts.service import AccountsService
from services.alerts.service import AlertsService
from services.payroll.service import PayrollService
from services.projects.repository import ProjectRepository, _to_document
from services.projects.service import ProjectsService
from shared.storage import database_for
from tests.factories import COUNTY

PROJECTS = int(os.environ.get("WAGEWATCH_BENCH_PROJECTS", "2000"))
WITHOUT_DEPOSIT_EVERY = 50   # 2% of projects lodged no deposit
MONTHS = ("2026-08", "2026-09", "2026-10")


def seed(uri: str) -> None:
    """Straight into the stores, in bulk, shaped as each repository writes its documents:
    the benchmark measures the sweep, not the ingress (the embedded store is slow to take
    a province one upsert at a time)."""
    line = {"id_masked": "430***********0001", "amount_due_fen": 720_000, "amount_paid_fen": 720_000}
    projects, accounts, deposits, allocations, sheets = [], [], [], [], []
    for n in range(PROJECTS):
        code = f"{COUNTY}-B-{n:06d}"
        projects.append({"_id": code, "version": 1, **_to_document({
            "project_code": code, "name": f"项目{n}", "division": COUNTY, "sector": "housing", "funding": "private",
            "status": "under_construction", "contract_amount": Decimal("10000000"), "start_date": date(2026, 8, 1),
            "planned_end_date": date(2027, 12, 31), "actual_end_date": None, "pay_day": 15})})
        accounts.append({"_id": code, "project_code": code, "bank": "长沙银行", "account_hash": "h",
                         "account_masked": "****0001", "opened_on": "2026-08-05"})
        if n % WITHOUT_DEPOSIT_EVERY:
            deposits.append({"_id": f"{code}:cash:2026-08-10", "project_code": code, "form": "cash",
                             "paid_on": "2026-08-10", "amount_fen": 20_000_000})
        for month in MONTHS:
            allocations.append({"_id": f"{code}:{month}:{month}-25", "project_code": code, "month": month,
                                "received_on": f"{month}-25", "amount_fen": 2_000_000})
            sheets.append({"_id": f"{code}:{month}", "project_code": code, "month": month, "county": COUNTY,
                           "lines": {f"w{i}": line for i in range(2)}, "message_ids": [f"p{n}{month}"]})
    database_for(uri, "projects")["projects"].insert_many(projects)
    ledger = database_for(uri, "accounts")
    ledger["accounts"].insert_many(accounts)
    ledger["deposits"].insert_many(deposits)
    ledger["allocations"].insert_many(allocations)
    database_for(uri, "payroll")["payroll_months"].insert_many(sheets)


@pytest.mark.timeout(3600)
def test_sweeping_a_province_of_projects(runner_factory, config):
    started = time.monotonic()
    seed(config["MONGO_URI"])
    seeded = time.monotonic() - started
    runner_factory(config, ProjectsService, PayrollService, AccountsService, AlertsService).start()

    with ServiceRpcProxy("accounts", config, timeout=1800) as accounts:
        started = time.monotonic()
        outcome = accounts.sweep("2026-11-20")
        first = time.monotonic() - started
        started = time.monotonic()
        again = accounts.sweep("2026-11-20")
        second = time.monotonic() - started

    expected = len(range(0, PROJECTS, WITHOUT_DEPOSIT_EVERY))
    assert (outcome["reported"], len(outcome["raised"]), len(again["raised"])) == (expected, expected, 0)
    rules = rules_alone(config["MONGO_URI"], expected)
    print(f"\naccounts sweep over {PROJECTS} projects (embedded store, 2-core shared machine, load "
          f"{os.getloadavg()[0]:.1f}): {first:.1f}s raising {expected} alerts, {second:.1f}s when nothing "
          f"changes; the four rules alone {rules:.2f}s; seeding took {seeded:.1f}s")


def rules_alone(uri: str, expected: int) -> float:
    projects = ProjectRepository(database_for(uri, "projects")).all()
    facts = AccountsRepository(database_for(uri, "accounts")).facts()
    started = time.monotonic()
    conditions = evaluate(projects, facts, date(2026, 11, 20), AccountRules())
    elapsed = time.monotonic() - started
    assert len(conditions) == expected   # payroll facts left out: BALANCE_LOW has nothing to go by
    return elapsed
