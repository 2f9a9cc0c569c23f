"""Contract 1.1's project terms end to end, through the public contract on the real broker:
each new alert type fires where the data says, reaches the 1.1 desks (finance, soe), judges
the terms only of projects whose last upsert said 1.1, and resolves when the terms arrive."""
from __future__ import annotations

import time

import pytest

from shared.contract.alerts import AlertSchema
from tests.factories import COUNTY, account_opened, allocation, deposit, message, payroll, project
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
AS_OF = "2026-11-20"   # October's wages and labour cost fell due on Friday 13 November (the 15th is a Sunday)
MONTHS = ("2026-08", "2026-09", "2026-10")
TERMS = {"contract_signed_on": "2026-07-10",
         "payment_guarantee": {"form": "bank_guarantee", "amount": 4800000.00, "issued_on": "2026-07-15"},
         "construction_permit": {"number": "430102202607200101", "issued_on": "2026-07-20"},
         "wage_officer": {"name": "王建国", "phone": "13812345678"}, "signboard_posted_on": "2026-08-03"}
WATCHED = {"PAYMENT_GUARANTEE_MISSING", "NO_CONSTRUCTION_PERMIT", "SITE_OBLIGATION_MISSING", "LABOUR_COST_SHORT",
           "PAYROLL_MISSING"}


def code(name: str) -> str:
    return f"{COUNTY}-V11-{name}"


def a_project(name, version, sector, funding, terms, *, allocations=None, payrolls=MONTHS, **extra):
    """A project and its money records (account, deposit, labour cost, payroll: healthy unless told)."""
    ids = {"project_code": code(name)}
    upsert = message("project.upsert", project(project_code=code(name), sector=sector, funding=funding,
                                               **terms, **extra), schema_version=version)
    records = [message("account.opened", account_opened(opened_on="2026-08-05", **ids)),
               message("deposit.paid", deposit(960_000, paid_on="2026-08-10", **ids))]
    records += [message("allocation.received", allocation(m, yuan, **ids))
                for m, yuan in (allocations or {m: 20_000 for m in MONTHS}).items()]
    records += [message("payroll.paid", payroll(m, **ids)) for m in payrolls]
    return [upsert, *records]


SEEDED = [
    # 1.1, none of the terms but the signboard: three alerts, the permit also to development.
    *a_project("GAPS", 1.1, "water", "private", {"signboard_posted_on": "2026-08-03"}),
    # 1.0 with no terms at all: judged on nothing new.
    *a_project("OLD", 1, "water", "private", {}),
    # 1.1, every term, October's labour cost 5,000 short of the agreed 20,000: to finance too.
    *a_project("SHORT-GOV", 1.1, "housing", "government", {**TERMS, "labour_cost": {"monthly_amount": 20000.00}},
               allocations={"2026-08": 20_000, "2026-09": 20_000, "2026-10": 15_000}),
    # 1.1, every term, SOE-funded, October's payroll missing: the arrears reach the soe desk.
    *a_project("SOE-PAY", 1.1, "transport", "soe", TERMS, payrolls=MONTHS[:2]),
]

EXPECTED = {
    ("PAYMENT_GUARANTEE_MISSING", "GAPS", None, "yellow", "water"),
    ("NO_CONSTRUCTION_PERMIT", "GAPS", None, "yellow", "water"),
    ("NO_CONSTRUCTION_PERMIT", "GAPS", None, "yellow", "development"),
    ("SITE_OBLIGATION_MISSING", "GAPS", None, "yellow", "water"),
    *{("LABOUR_COST_SHORT", "SHORT-GOV", "2026-10", "orange", desk) for desk in ("housing", "hrss", "finance")},
    *{("PAYROLL_MISSING", "SOE-PAY", "2026-10", "orange", desk) for desk in ("transport", "development", "soe")},
}


def publish_all(county, receipts, envelopes):
    before = len(receipts.messages)
    for env in envelopes:
        county.publish(env)
    answered = receipts.wait_for(before + len(envelopes), timeout=60)[before:]
    assert [r["body"]["status"] for r in answered] == ["accepted"] * len(envelopes), \
        [r["body"] for r in answered if r["body"]["status"] != "accepted"]


def watched(listener, count: int, timeout: float = 60) -> set[tuple]:
    """(type, project, month, severity, department, status) of ``count`` watched alerts, and no more."""
    deadline = time.monotonic() + timeout
    while len(found := [m for m in listener.drain(0.2) if m["body"]["type"] in WATCHED]) < count:
        assert time.monotonic() < deadline, [m["routing_key"] for m in found]
    extra = [m for m in listener.drain(1.0) if m["body"]["type"] in WATCHED][count:]
    assert not extra, [m["routing_key"] for m in extra]
    listener.messages.clear()
    names = {code(n): n for n in ("GAPS", "OLD", "SHORT-GOV", "SOE-PAY")}
    for m in found:
        assert AlertSchema().validate(m["body"]) == {}, m["body"]
        assert "13812345678" not in str(m["body"])
    return {(b["type"], names[b["project_code"]], b["month"], b["severity"], b["department"], b["status"])
            for b in (m["body"] for m in found[:count])}


def test_the_1_1_alert_types_fire_reach_their_desks_and_resolve_through_the_contract(platform, county, listen, config):
    desks = listen("alerts")
    receipts = listen("receipts", COUNTY)
    publish_all(county, receipts, SEEDED)

    run_sweep(config, AS_OF)

    assert watched(desks, len(EXPECTED)) == {(*e, "firing") for e in EXPECTED}

    # The county moves GAPS to full terms and tops up SHORT-GOV's October: both resolve.
    publish_all(county, receipts, [
        message("project.upsert", project(project_code=code("GAPS"), sector="water", funding="private", **TERMS),
                schema_version=1.1),
        message("allocation.received", allocation("2026-10", 5_000, received_on="2026-11-18",
                                                  project_code=code("SHORT-GOV")))])
    run_sweep(config, AS_OF)
    resolved = {e for e in EXPECTED if e[1] != "SOE-PAY"}
    assert watched(desks, len(resolved)) == {(*e, "resolved") for e in resolved}


def test_a_1_0_suspension_without_its_day_is_accepted_and_a_1_1_one_must_say_it(platform, county, listen):
    receipts = listen("receipts", COUNTY)
    suspended = project(project_code=code("SUSP"), status="suspended")
    county.publish(message("project.upsert", suspended, schema_version=1))
    county.publish(message("project.upsert", suspended, schema_version=1.1))
    first, second = (r["body"] for r in receipts.wait_for(2))
    assert first["status"] == "accepted"
    assert (second["status"], second["errors"]) == (
        "rejected", {"payload.suspended_on": ["Required when status is suspended (schema_version 1.1)."]})


def test_a_signed_contract_starts_the_account_clock_of_a_planned_project(platform, county, listen, config):
    """专户管理暂行办法: the dedicated account within 30 days of the construction contract's
    signing, whatever the start date; a planned project without a signed contract owes none."""
    desks = listen("alerts", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    publish_all(county, receipts, [
        message("project.upsert", project(project_code=code("SIGNED"), status="planned", funding="private",
                                          start_date="2027-03-01", contract_signed_on="2026-09-01"),
                schema_version=1.1),
        message("project.upsert", project(project_code=code("UNSIGNED"), status="planned", funding="private",
                                          start_date="2027-03-01"), schema_version=1.1)])

    def account_alerts(as_of: str) -> set[tuple]:
        run_sweep(config, as_of)
        return {(b["project_code"], b["severity"], b["department"], b["details"]["clock_from"])
                for b in (m["body"] for m in desks.drain(2.0)) if b["type"] == "ACCOUNT_NOT_OPENED"}

    assert account_alerts("2026-10-01") == set()                        # day 30 of the signed contract
    assert account_alerts("2026-10-02") == {(code("SIGNED"), "yellow", desk, "contract_signed_on")
                                            for desk in ("water", "hrss")}
