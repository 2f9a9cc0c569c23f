"""Sweeps through the public contract and the `wagewatch` command: one county's poisoned
record never stops the province's sweep, one rule cannot flood a desk, a sweep as of
another day is a what-if, and records re-evaluate their project as of the day they arrive
with no false alert while a county back-fills (issues 13 and 20)."""
from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.payroll.repository import PayrollRepository
from services.projects.domain import TRACKED_FIELDS, project_record
from services.projects.repository import ProjectRepository
from services.projects.views import facts
from services.workers.repository import WorkersRepository
from shared.calendar import today
from shared.contract.client import Listener
from shared.contract.topology import alert_binding, alerts_exchange
from shared.divisions import city_of, province_of
from shared.expectations import months_due
from shared.pii import keyed_hash, mask_id_number
from shared.registry import RegistryRepository, as_sent
from shared.storage import database_for
from testkit.province import generate
from tests.conftest import TEST_PII_KEY
from tests.e2e.test_command_line import WAGEWATCH, env_for
from tests.e2e.test_missing_payroll import publish_and_confirm
from tests.e2e.test_seeded_province import AS_OF, SPEC, desk_alerts
from tests.factories import COUNTY, account_opened, allocation, deposit, enrolment, message, payroll, project, worker_id
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
REGISTRY_COPIES = ("payroll", "workers", "accounts", "complaints")
LIMIT = 6   # the flood guard, lower than the default so the test stays small


@pytest.fixture
def config(config):
    config["RULES"]["flood_guard"] = {"max_alerts_per_rule_and_project": LIMIT}
    return config


def wagewatch(config, *args) -> subprocess.CompletedProcess:
    return subprocess.run([WAGEWATCH, *args], env={**env_for(config), "PII_HASH_KEY": TEST_PII_KEY},
                          capture_output=True, text=True, timeout=120)


# --- issue 13: isolation and the flood guard ----------------------------------------------

def plant_project(config, code: str, county: str, start: date) -> None:
    """Store a project as the registry stores one, past the edge (which is to refuse such
    dates): the values that reached the store before the edge checked them."""
    payload = {**project(project_code=code, division=county, funding="private", sector="water"),
               "start_date": start, "planned_end_date": date(2027, 12, 31), "contract_amount": Decimal("48000000")}
    record = project_record(payload, county)
    ProjectRepository(database_for(config["MONGO_URI"], "projects")).save(record, 1, list(TRACKED_FIELDS))
    for service in REGISTRY_COPIES:   # and each monitor's copy, as project_registered would have
        RegistryRepository(database_for(config["MONGO_URI"], service)).apply(as_sent(facts({**record, "version": 1})))


def plant_payroll(config, code: str, county: str, month: str) -> None:
    """A payroll sheet as the payroll service stores one, and the month marked for the
    workers' reconciliation, as its ``payroll_recorded`` handler marks it."""
    number = worker_id(9)
    line = {"id_masked": mask_id_number(number), "amount_due_fen": 720_000, "amount_paid_fen": 720_000,
            "paid_on": f"{month}-28", "message_id": "planted"}
    PayrollRepository(database_for(config["MONGO_URI"], "payroll")).record(
        code, month, county, "planted", {keyed_hash(number, TEST_PII_KEY.encode()): line})
    WorkersRepository(database_for(config["MONGO_URI"], "workers")).mark_stale(code, month)


def test_one_countys_poisoned_records_are_skipped_and_reported_and_the_rest_of_the_province_is_swept(
        platform, county, listen, config):
    province = generate(SPEC)
    first = next(iter(province.counties))
    desks = Listener(config["AMQP_URI"], alerts_exchange,
                     [alert_binding(division=c) for c in province.counties]
                     + [alert_binding("hrss", city_of(first)), alert_binding("hrss", province_of(first))])
    receipts = listen("receipts", *province.counties)
    envelopes = list(province.messages())
    for env in envelopes:
        county.publish(env)
    receipts.wait_for(len(envelopes), timeout=180)
    year_one, year_10000 = f"{first}-POISON-1", f"{first}-POISON-2"
    plant_project(config, year_one, first, date(1, 1, 1))          # OverflowError in no_attendance
    plant_project(config, year_10000, first, date(2026, 8, 1))
    plant_payroll(config, year_10000, first, "9999-12")             # ValueError: year 10000 in due_date

    outcomes = run_sweep(config, AS_OF.isoformat())     # what `wagewatch sweep` runs

    poisoned = {year_one, year_10000}
    assert [(o["source"], o.get("error")) for o in outcomes] == [
        ("payroll", None), ("workers", None), ("accounts", None), ("complaints", None), ("alerts", None)]
    assert {s["subject"] for s in outcomes[1]["skipped"]} == poisoned
    alerts = desk_alerts(desks)
    desks.close()
    received = Counter((a["department"], a["division"], a["type"], a["project_code"]) for a in alerts
                       if a["project_code"] not in poisoned)
    assert received == province.expected_alerts, "every other project of every county swept exactly"
    failures = {(a["department"], a["division"], a["level"], a["fingerprint"], a["severity"])
                for a in alerts if a["type"] == "RULE_FAILED"}
    assert failures == {("hrss", division, level, f"RULE_FAILED:workers:{code}", "blue")
                        for code in poisoned
                        for division, level in ((first, "county"), (city_of(first), "city"),
                                                (province_of(first), "province"))}
    flood = [a for a in alerts if a["type"] == "PAYROLL_MISSING" and a["project_code"] == year_one]
    assert len(flood) == LIMIT, "24,000 months since year 1: the limit, not a flood"
    [summary] = [a for a in flood if a["fingerprint"] == f"PAYROLL_MISSING:{year_one}:more"]
    assert summary["details"]["folded"]["conditions"] > 24_000 and summary["department"] == "water"

    again = wagewatch(config, "sweep", "--as-of", AS_OF.isoformat(), "--publish")   # the operator's summary
    assert again.returncode == 0, again.stdout + again.stderr
    assert "workers: as of 2026-11-23" in again.stdout and "alerts: as of 2026-11-23" in again.stdout
    assert "  2 skipped: the rules could not evaluate their records" in again.stdout
    assert f"  skipped  {year_one} ({first}): OverflowError in site_rules.py" in again.stdout
    assert f"  skipped  {year_10000} ({first}): ValueError in calendar.py" in again.stdout

    # The county corrects the project: the resolutions are as few as the alerts were.
    listener = listen("alerts", department="water", division=first)
    corrected = message("project.upsert", project(project_code=year_one, division=first, funding="private",
                                                  sector="water", start_date="2026-08-01"), first)
    publish_and_confirm(county, listen("receipts", first), corrected)
    listener.wait_for(1)
    resolved = [m["body"] for m in listener.drain(3.0)
                if m["body"]["status"] == "resolved" and m["body"]["project_code"] == year_one]
    assert {f"PAYROLL_MISSING:{year_one}:2026-06", f"PAYROLL_MISSING:{year_one}:2026-07"} <= {
        a["fingerprint"] for a in resolved}, "months before the corrected start resolve"
    assert len(resolved) <= LIMIT


# --- issue 20.5: what-if sweeps -------------------------------------------------------------

def test_a_sweep_as_of_another_day_is_a_what_if_and_a_real_sweep_never_goes_back_by_accident(
        platform, county, listen, config):
    water = listen("alerts", department="water", division=COUNTY)
    publish_and_confirm(county, listen("receipts", COUNTY),
                        message("project.upsert", project(funding="private", start_date="2026-08-01")),
                        message("account.opened", account_opened()), message("deposit.paid", deposit()),
                        *[message("allocation.received", allocation(m)) for m in ("2026-08", "2026-09", "2026-10")],
                        *[message("payroll.paid", payroll(m)) for m in ("2026-08", "2026-09")])
    later, earlier = "2026-11-21", "2026-11-20"
    assert today().isoformat() not in (later, earlier)

    what_if = wagewatch(config, "sweep", "--as-of", later)
    assert what_if.returncode == 0, what_if.stderr
    assert what_if.stdout.startswith("what-if: no desk was told and no alert changed")
    assert "payroll: as of 2026-11-21, 1 condition(s) reported, 1 would be raised, 0 would be resolved" in what_if.stdout
    assert re.search(rf"would raise yellow PAYROLL_MISSING\s+{COUNTY} {COUNTY}-2026-0001 2026-10 → water",
                     what_if.stdout)
    assert water.drain(2.0) == [], "a what-if tells no desk"

    published = wagewatch(config, "sweep", "--as-of", later, "--publish")        # back-dated catch-up
    assert "payroll: as of 2026-11-21, 1 condition(s) reported, 1 raised, 0 resolved" in published.stdout, \
        published.stdout + published.stderr
    water.wait_for(1)
    told = water.drain(3.0)
    assert [(b["month"], b["status"]) for b in (m["body"] for m in told) if b["type"] == "PAYROLL_MISSING"] == [
        ("2026-10", "firing")]

    back = wagewatch(config, "sweep", "--as-of", earlier, "--publish")
    assert back.returncode == 1
    assert ("payroll: REFUSED: payroll: a real sweep as of 2026-11-20 is older than the last real sweep "
            "(2026-11-21)") in back.stdout
    shown = wagewatch(config, "sweep", "--as-of", earlier)                      # as a what-if it may
    assert shown.returncode == 0 and "payroll: as of 2026-11-20, 1 condition(s) reported, 0 would be raised" in shown.stdout
    assert len(water.drain(2.0)) == len(told), "nothing resolved, nothing raised again"

    forced = wagewatch(config, "sweep", "--as-of", earlier, "--publish", "--force")
    assert forced.returncode == 0 and "payroll: as of 2026-11-20, 1 condition(s) reported, 0 raised" in forced.stdout


def test_a_published_sweep_of_a_day_that_has_not_come_is_refused(config):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    result = wagewatch(config, "sweep", "--as-of", tomorrow, "--publish")
    assert result.returncode == 2 and "has not come yet" in result.stderr


# --- issue 20.4: re-evaluation on arrival, as of the day the record arrives -----------------

def back_fill(code: str, start: date, day: date) -> list[dict]:
    """A project's records in the order docs/integrators.md recommends: the project, its
    account, deposit and labour cost, its workers, then each month's payroll."""
    ids = {"project_code": code}
    facts = {"project_code": code, "status": "under_construction", "start_date": start, "actual_end_date": None,
             "pay_day": 15}
    months = [str(m) for m in months_due(facts, day)]
    return [message("project.upsert", project(project_code=code, funding="private", start_date=start.isoformat())),
            message("account.opened", account_opened(opened_on=(start + timedelta(days=3)).isoformat(), **ids)),
            message("deposit.paid", deposit(paid_on=(start + timedelta(days=5)).isoformat(), **ids)),
            *[message("allocation.received", allocation(m, 50_000, **ids)) for m in months],
            message("worker.enrol", {"records": [enrolment(n, entry_date=start.isoformat(), **ids) for n in (1, 2)]}),
            *[message("payroll.paid", payroll(m, paid_on=f"{m}-28", **ids)) for m in months]]


def test_a_county_back_filling_in_the_recommended_order_right_after_a_sweep_raises_no_false_alert(
        platform, county, listen, config):
    day = today()
    start = day - timedelta(days=100)   # red for no account and no deposit, while they are not in yet
    every_desk = listen("alerts", division=COUNTY)
    run_sweep(config, day.isoformat())   # the daily sweep has run: on main, records then re-evaluated
    code = f"{COUNTY}-BACKFILL-1"

    publish_and_confirm(county, listen("receipts", COUNTY), *back_fill(code, start, day))

    about = [m["body"] for m in every_desk.drain(5.0) if m["body"]["project_code"] == code]
    assert about == [], [(a["type"], a["status"]) for a in about]


def test_a_registry_change_re_evaluates_at_once_as_of_the_day_it_arrives_even_before_any_sweep(
        platform, county, listen, config):
    day = today()
    start = (day - timedelta(days=100)).isoformat()
    desks = listen("alerts", division=COUNTY)
    code = f"{COUNTY}-CHANGED-1"
    publish_and_confirm(county, listen("receipts", COUNTY),
                        message("project.upsert", project(project_code=code, funding="private", status="planned",
                                                          start_date=start)),
                        message("deposit.paid", deposit(project_code=code)),
                        message("project.upsert", project(project_code=code, funding="private", start_date=start)))

    desks.wait_for(2)
    fired = {(b["type"], b["department"], b["severity"], b["details"]["as_of"])
             for b in (m["body"] for m in desks.drain(3.0)) if b["type"] == "ACCOUNT_NOT_OPENED"}
    assert fired == {("ACCOUNT_NOT_OPENED", "water", "red", day.isoformat()),
                     ("ACCOUNT_NOT_OPENED", "hrss", "red", day.isoformat())}
