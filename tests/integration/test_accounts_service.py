"""The accounts service with the registry, payroll and alerts, in real containers on the
real RabbitMQ: its records, each rule's colour and desks, what resolves it, what inhibits
it, and how a registry change re-evaluates open alerts."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter, replace_dependencies
from nameko.testing.utils import get_container

from services.accounts.service import AccountsService
from services.alerts.service import AlertsService
from services.ingress.owners import OWNERS
from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.client import alerts_listener
from shared.contract.messages import MESSAGE_TYPES
from shared.nameko.providers import Clock
from shared.storage import database_for
from tests.factories import COUNTY, account_opened, allocation, deposit, payroll, project

CODE = f"{COUNTY}-2026-0001"
AS_OF = "2026-11-20"


@pytest.fixture
def services(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService, AccountsService, AlertsService)
    runner.start()
    return {c.service_name: c for c in runner.containers}


@pytest.fixture
def desks(config):
    """Every desk of every department and division."""
    listener = alerts_listener(config["AMQP_URI"])
    yield listener
    listener.close()


def submit(services, message_type, payload, county=COUNTY):
    """Hand a validated record to its owner, as the ingress does."""
    service, method = OWNERS[message_type]
    with entrypoint_hook(services[service], method) as hook:
        return hook({"county": county, "message_id": uuid.uuid4().hex, "type": message_type,
                     "payload": MESSAGE_TYPES[message_type].schema().load(payload)})


def submit_and_reevaluate(services, message_type, payload, handler):
    """Submit a record and wait until the accounts service has re-evaluated its project."""
    with entrypoint_waiter(services["accounts"], handler):
        assert submit(services, message_type, payload) == {}


def seed(services, project_payload, *records):
    assert submit(services, "project.upsert", project_payload) == {}
    for message_type, payload in records:
        assert submit(services, message_type, payload) == {}, (message_type, payload)


def sweep(services, as_of=AS_OF, service="accounts"):
    with entrypoint_hook(services[service], "sweep") as hook:
        return hook(as_of)


def seen(desks, count) -> set[tuple]:
    """(type, month, severity, status, department) of the next ``count`` alert messages,
    and nothing more."""
    messages = desks.wait_for(count)
    extra = desks.drain(0.5)[count:]
    assert not extra, [m["routing_key"] for m in extra]
    desks.messages.clear()
    return {(b["type"], b["month"], b["severity"], b["status"], b["department"])
            for b in (m["body"] for m in messages[:count])}


class TestRecords:
    def test_an_account_number_is_kept_only_hashed_and_masked(self, services, config):
        seed(services, project())
        assert submit(services, "account.opened", account_opened(account_no="6217003810012345678")) == {}
        stored = str(list(database_for(config["MONGO_URI"], "accounts")["accounts"].find()))
        assert "6217003810012345678" not in stored and "***************5678" in stored
        with entrypoint_hook(services["accounts"], "get_account") as get_account:
            assert get_account(CODE) == {"project_code": CODE, "bank": "长沙银行芙蓉支行",
                                         "account_masked": "***************5678", "opened_on": "2026-08-05"}

    def test_a_redelivery_or_same_day_correction_replaces_and_another_day_adds(self, services):
        from services.accounts.repository import AccountsRepository

        seed(services, project())
        for amount, received_on in ((20_000, "2026-08-25"), (20_000, "2026-08-25"), (25_000, "2026-08-25"),
                                    (5_000, "2026-09-02")):
            assert submit(services, "allocation.received", allocation("2026-08", amount, received_on=received_on)) == {}
        for amount, paid_on in ((480_000, "2026-08-10"), (480_000, "2026-08-10"), (480_000, "2026-09-10")):
            assert submit(services, "deposit.paid", deposit(amount, paid_on=paid_on)) == {}
        facts = AccountsRepository(database_for(services["accounts"].config["MONGO_URI"], "accounts")).facts()
        assert facts.allocations == {CODE: {"2026-08": 3_000_000}}
        assert facts.deposit_fen(CODE) == 96_000_000


class TestAccountNotOpened:
    def test_yellow_then_red_to_the_regulator_and_hrss_inhibiting_labour_cost_until_opened(self, services, desks):
        seed(services, project(funding="private", start_date="2026-09-01"),
             ("deposit.paid", deposit()), ("allocation.received", allocation("2026-09", 50_000)),
             ("payroll.paid", payroll("2026-09")), ("payroll.paid", payroll("2026-10")))
        sweep(services, "2026-10-05")                                   # day 34
        assert seen(desks, 2) == {("ACCOUNT_NOT_OPENED", None, "yellow", "firing", "water"),
                                  ("ACCOUNT_NOT_OPENED", None, "yellow", "firing", "hrss")}
        sweep(services)                                                 # day 80; October's labour cost is missing
        assert seen(desks, 2) == {("ACCOUNT_NOT_OPENED", None, "red", "firing", "water"),
                                  ("ACCOUNT_NOT_OPENED", None, "red", "firing", "hrss")}

        submit_and_reevaluate(services, "account.opened", account_opened(opened_on="2026-11-20"),
                              "handle_account_recorded")
        # A record only resolves on arrival: its allocations may be the county's next messages.
        assert seen(desks, 2) == {("ACCOUNT_NOT_OPENED", None, "red", "resolved", "water"),
                                  ("ACCOUNT_NOT_OPENED", None, "red", "resolved", "hrss")}
        sweep(services)   # the inhibition lifts: October's labour cost is still missing
        assert seen(desks, 2) == {("LABOUR_COST_NOT_ALLOCATED", "2026-10", "yellow", "firing", "water"),
                                  ("LABOUR_COST_NOT_ALLOCATED", "2026-10", "yellow", "firing", "hrss")}


class TestLabourCostNotAllocated:
    def test_two_missed_months_are_red_copied_to_development_and_finance_and_each_allocation_resolves_its_month(
            self, services, desks):
        seed(services, project(sector="housing", funding="government"),
             ("account.opened", account_opened()), ("deposit.paid", deposit()),
             ("allocation.received", allocation("2026-08", 100_000)),
             *[("payroll.paid", payroll(m)) for m in ("2026-08", "2026-09", "2026-10")])
        sweep(services)
        desks_1_1 = ("housing", "hrss", "development", "finance")   # finance: contract 1.1, Art 44
        assert seen(desks, 8) == {("LABOUR_COST_NOT_ALLOCATED", month, "red", "firing", dept)
                                  for month in ("2026-09", "2026-10") for dept in desks_1_1}

        submit_and_reevaluate(services, "allocation.received", allocation("2026-09", 20_000),
                              "handle_allocation_recorded")
        assert seen(desks, 4) == {("LABOUR_COST_NOT_ALLOCATED", "2026-09", "red", "resolved", dept)
                                  for dept in desks_1_1}
        assert sweep(services)["raised"] == [], "October stays one alert, never lowered while open"


class TestDepositMissing:
    def test_a_short_deposit_goes_to_hrss_and_the_regulator_and_a_top_up_resolves_it(self, services, desks):
        seed(services, project(sector="energy", funding="private"),           # 2% of 48,000,000 = 960,000
             ("account.opened", account_opened()), ("deposit.paid", deposit(480_000)),
             *[("allocation.received", allocation(m)) for m in ("2026-08", "2026-09", "2026-10")],
             *[("payroll.paid", payroll(m)) for m in ("2026-08", "2026-09", "2026-10")])
        [raised] = sweep(services)["raised"]
        assert raised["type"] == "DEPOSIT_MISSING" and "Wage deposit short" in raised["summary"]
        assert seen(desks, 2) == {("DEPOSIT_MISSING", None, "red", "firing", "hrss"),
                                  ("DEPOSIT_MISSING", None, "red", "firing", "development")}

        submit_and_reevaluate(services, "deposit.paid", deposit(480_000, paid_on="2026-11-18", form="insurance"),
                              "handle_deposit_recorded")
        assert seen(desks, 2) == {("DEPOSIT_MISSING", None, "red", "resolved", "hrss"),
                                  ("DEPOSIT_MISSING", None, "red", "resolved", "development")}


class TestBalanceLow:
    def test_orange_to_hrss_and_the_regulator_red_on_an_soe_project_and_labour_cost_resolves_it(
            self, services, desks):
        for code, funding in ((CODE, "private"), (f"{COUNTY}-2026-0002", "soe")):
            seed(services, project(project_code=code, funding=funding),
                 ("account.opened", account_opened(project_code=code)), ("deposit.paid", deposit(project_code=code)),
                 *[("allocation.received", allocation(m, 15_000, project_code=code))     # 45,000 credited
                   for m in ("2026-08", "2026-09", "2026-10")],
                 *[("payroll.paid", payroll(m, project_code=code))                       # 43,200 paid out
                   for m in ("2026-08", "2026-09", "2026-10")])
        sweep(services)      # November's payroll, estimated at October's 14,400, needs more than 1,800
        assert seen(desks, 6) == {
            ("BALANCE_LOW", "2026-11", "orange", "firing", "hrss"), ("BALANCE_LOW", "2026-11", "orange", "firing", "water"),
            ("BALANCE_LOW", "2026-11", "red", "firing", "hrss"), ("BALANCE_LOW", "2026-11", "red", "firing", "water"),
            ("BALANCE_LOW", "2026-11", "red", "firing", "development"),
            ("BALANCE_LOW", "2026-11", "red", "firing", "soe")}            # contract 1.1: SOE-funded arrears

        submit_and_reevaluate(services, "allocation.received", allocation("2026-11", 20_000, received_on="2026-11-20"),
                              "handle_allocation_recorded")
        assert seen(desks, 2) == {("BALANCE_LOW", "2026-11", "orange", "resolved", "hrss"),
                                  ("BALANCE_LOW", "2026-11", "orange", "resolved", "water")}


class TestProjectChanges:
    def test_a_suspension_keeps_what_was_owed_before_it_and_one_from_the_start_resolves_it_in_both_services(
            self, services_on, desks):
        services = services_on(date(2026, 11, 20))   # a change is re-evaluated as of the day it arrives
        seed(services, project(funding="private"), ("payroll.paid", payroll("2026-08")))
        sweep(services, service="payroll")
        sweep(services)
        assert seen(desks, 6) == {
            ("PAYROLL_MISSING", "2026-09", "red", "firing", "water"),
            ("PAYROLL_MISSING", "2026-10", "yellow", "firing", "water"),
            ("ACCOUNT_NOT_OPENED", None, "red", "firing", "water"), ("ACCOUNT_NOT_OPENED", None, "red", "firing", "hrss"),
            ("DEPOSIT_MISSING", None, "red", "firing", "hrss"), ("DEPOSIT_MISSING", None, "red", "firing", "water")}

        # Stopped on 1 November: September's and October's wages, the account and the
        # deposit had all fallen due before it, and stay owed (Arts 3, 12, 16).
        with entrypoint_waiter(services["payroll"], "handle_project_changed"), \
                entrypoint_waiter(services["accounts"], "handle_project_changed"):
            assert submit(services, "project.upsert", project(funding="private", status="suspended",
                                                              suspended_on="2026-11-01")) == {}
        sweep(services, service="payroll")
        sweep(services)
        assert [(m["body"]["type"], m["body"]["status"]) for m in desks.drain(1.0)] == []

        # Corrected: it never worked (stopped on its first day): nothing was ever owed.
        with entrypoint_waiter(services["payroll"], "handle_project_changed"), \
                entrypoint_waiter(services["accounts"], "handle_project_changed"):
            assert submit(services, "project.upsert", project(funding="private", status="suspended",
                                                              suspended_on="2026-08-01")) == {}
        assert {(t, m, status) for t, m, _s, status, _d in seen(desks, 6)} == {
            ("PAYROLL_MISSING", "2026-09", "resolved"), ("PAYROLL_MISSING", "2026-10", "resolved"),
            ("ACCOUNT_NOT_OPENED", None, "resolved"), ("DEPOSIT_MISSING", None, "resolved")}

    def test_a_later_start_date_re_evaluates_as_of_the_day_it_arrives(self, services_on, desks):
        services = services_on(date(2026, 11, 20))
        seed(services, project(funding="private", start_date="2026-10-01"),
             ("deposit.paid", deposit()), ("payroll.paid", payroll("2026-10")))
        sweep(services)                                          # day 50 without an account: red
        assert {s for _t, _m, s, _st, _d in seen(desks, 2)} == {"red"}
        with entrypoint_waiter(services["accounts"], "handle_project_changed"):
            submit(services, "project.upsert", project(funding="private", start_date="2026-10-25"))
        assert seen(desks, 2) == {("ACCOUNT_NOT_OPENED", None, "red", "resolved", "water"),
                                  ("ACCOUNT_NOT_OPENED", None, "red", "resolved", "hrss")}

    def test_a_change_before_any_sweep_raises_as_of_the_day_it_arrives(self, services_on, desks):
        """Not only after a first sweep, and not as of the last sweep's date (issue 20.4)."""
        services = services_on(date(2026, 11, 20))
        seed(services, project(funding="private", status="planned", start_date="2026-10-01"),
             ("deposit.paid", deposit()), ("payroll.paid", payroll("2026-10")))
        with entrypoint_waiter(services["accounts"], "handle_project_changed"):
            submit(services, "project.upsert", project(funding="private", start_date="2026-10-01"))
        assert seen(desks, 2) == {("ACCOUNT_NOT_OPENED", None, "red", "firing", "water"),   # day 50
                                  ("ACCOUNT_NOT_OPENED", None, "red", "firing", "hrss")}


class OnDay(Clock):
    """The platform's clock on a chosen day (the wall clock's time of day)."""

    def __init__(self, day: date):
        self.day = day

    def today(self) -> date:
        return self.day


@pytest.fixture
def services_on(runner_factory, config):
    """The services of ``services``, with the monitors' clock on a chosen day."""
    def start(day: date) -> dict:
        runner = runner_factory(config, ProjectsService, PayrollService, AccountsService, AlertsService)
        for monitor in (PayrollService, AccountsService):
            replace_dependencies(get_container(runner, monitor), clock=OnDay(day))
        runner.start()
        return {c.service_name: c for c in runner.containers}
    return start
