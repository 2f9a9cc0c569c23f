"""Scale-out (issue 7): services keep no state but MongoDB, so several instances of one run
side by side as competing consumers. Two instances each of workers, payroll and accounts
on one broker and one store take a seeded province over the contract (one receipt per
message), then both run their daily sweep at the same moment: every expected alert
reaches its desk exactly once."""
from __future__ import annotations

from collections import Counter
from datetime import date

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook, replace_dependencies
from nameko.testing.utils import get_container

from services.accounts.service import AccountsService
from services.accounts.settings import AccountsSettings
from services.payroll.service import PayrollService
from services.payroll.settings import PayrollSettings
from services.workers.service import WorkersService
from services.workers.settings import WorkersSettings
from shared.contract.client import Listener
from shared.contract.topology import alert_binding, alerts_exchange
from shared.nameko.providers import Clock
from testkit.province import ProvinceSpec, generate
from tests.e2e.test_seeded_province import desk_alerts
from wagewatch import platform as wagewatch_platform

pytestmark = pytest.mark.e2e
AS_OF = date(2026, 11, 23)
SPEC = ProvinceSpec(as_of=AS_OF, counties=2, projects_per_county=6, workers_per_project=3,
                    violation_share=0.8, every_violation=True, seed=13)
SCALED = (WorkersService, PayrollService, AccountsService)
DAILY = ("payroll", "workers", "accounts")   # the monitors with a daily sweep run twice here


class SweepDay(Clock):
    """The wall clock, on the province's sweep date (the daily sweep sweeps as of today)."""

    def today(self) -> date:
        return AS_OF


class DailySweepGate:
    """A monitor's settings with its daily sweep held back until the province is in (the
    timers fire every minute; one firing mid-stream would sweep half a province)."""

    open = False

    def __init__(self, settings):
        self._settings = settings

    def __getattr__(self, name):
        return getattr(self._settings, name)

    @property
    def daily_sweep(self) -> bool:
        return DailySweepGate.open


SETTINGS = {"workers": WorkersSettings, "payroll": PayrollSettings, "accounts": AccountsSettings}


def start(runner, config):
    for container in runner.containers:
        if container.service_name in DAILY:
            settings = DailySweepGate(SETTINGS[container.service_name].from_config(config))
            replace_dependencies(container, clock=SweepDay(), settings=settings)
    for container in runner.containers:   # owners first, as the platform starts them
        container.start()
    return runner


def test_two_instances_take_a_province_once_and_their_daily_sweeps_raise_each_alert_once(
        config, runner_factory, county, listen):
    first = runner_factory(config)
    for cls in wagewatch_platform.service_classes(console=False):
        first.add_service(cls)
    start(first, config)
    second = start(runner_factory(config, *SCALED), config)

    province = generate(SPEC)
    desks = Listener(config["AMQP_URI"], alerts_exchange, [alert_binding(division=c) for c in province.counties])
    receipts = listen("receipts", *province.counties)
    sent = Counter()
    for env in province.messages():
        county.publish(env)
        sent[env["message_id"]] += 1
    answered = receipts.wait_for(len(sent), timeout=180)
    receipts.drain(2.0)   # anything answered twice arrives by now
    assert Counter(r["body"]["message_id"] for r in receipts.messages) == sent

    # Both instances of each monitor ask for the day's sweep at once; one of them runs it.
    DailySweepGate.open = True
    hooks = [(runner, name) for name in DAILY for runner in (first, second)]
    try:
        calls = [eventlet.spawn(_sweep_daily, get_container(runner, _class(name))) for runner, name in hooks]
        for call in calls:
            call.wait()
    finally:
        DailySweepGate.open = False

    alerts = desk_alerts(desks)
    desks.close()
    received = Counter((a["department"], a["division"], a["type"], a["project_code"]) for a in alerts)
    assert received == province.expected_alerts
    assert len(answered) == len(sent)


def _class(name: str):
    return {cls.name: cls for cls in SCALED}[name]


def _sweep_daily(container) -> None:
    with entrypoint_hook(container, "sweep_daily") as sweep_daily:
        sweep_daily()
