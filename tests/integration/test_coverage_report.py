"""The coverage report by RPC, from the registry, payroll, accounts and alerts services in
real containers, against a hand count of the seeded data."""
from __future__ import annotations

import uuid

import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.accounts.service import AccountsService
from services.alerts.service import AlertsService
from services.ingress.owners import OWNERS
from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.messages import MESSAGE_TYPES
from tests.factories import COUNTY, OTHER_COUNTY, account_opened, deposit, payroll, project, worker_id

A, B, C, G = (f"{COUNTY}-COV-{x}" for x in "ABCG")
D = f"{OTHER_COUNTY}-COV-D"


class WorkersStandIn:
    """A stand-in for the workers service (issue 3), a collaborator outside the accounts
    service that is not on this branch yet. It implements exactly the agreed RPC,
    ``enrolment_counts(project_codes, month) -> {code: distinct workers enrolled during
    the month}``, from the data a test seeds."""

    name = "workers"
    enrolled: dict[tuple[str, str], int] = {}
    asked: list[tuple[list[str], str]] = []

    @rpc
    def enrolment_counts(self, project_codes: list[str], month: str) -> dict[str, int]:
        self.asked.append((sorted(project_codes), month))
        return {code: self.enrolled.get((code, month), 0) for code in project_codes}


ARRIVAL_HANDLERS = {"account.opened": "handle_account_recorded", "deposit.paid": "handle_deposit_recorded",
                    "payroll.paid": "handle_payroll_recorded"}


def submit(services, message_type, payload, county=COUNTY):
    service, method = OWNERS[message_type]
    with entrypoint_hook(services[service], method) as hook:
        assert hook({"county": county, "message_id": uuid.uuid4().hex, "type": message_type,
                     "payload": MESSAGE_TYPES[message_type].schema().load(payload)}) == {}


def seed(services):
    """Four projects in 芙蓉区 (430102), one in 长沙县 (430121); October 2026."""
    short = payroll("2026-10", lines=[{"id_number": worker_id(1), "amount_due": 7200, "amount_paid": 7200},
                                      {"id_number": worker_id(2), "amount_due": 7200, "amount_paid": 6000}])
    for code, county, overrides, records in (
        (A, COUNTY, {"funding": "private"},
         [("account.opened", account_opened(opened_on="2026-08-05")), ("deposit.paid", deposit()),
          ("payroll.paid", payroll("2026-10"))]),
        (B, COUNTY, {"funding": "government", "start_date": "2026-10-20"},
         [("account.opened", account_opened(opened_on="2026-11-02")), ("payroll.paid", short)]),
        (C, COUNTY, {"status": "suspended"}, [("account.opened", account_opened())]),
        (G, COUNTY, {"funding": "soe", "start_date": "2026-09-01"},
         [("deposit.paid", deposit(paid_on="2026-10-31")), ("payroll.paid", payroll("2026-10"))]),
        (D, OTHER_COUNTY, {"funding": "private"},
         [("account.opened", account_opened()), ("payroll.paid", payroll("2026-10"))]),
    ):
        submit(services, "project.upsert", project(project_code=code, division=county, **overrides), county)
        for message_type, payload in records:
            # Each record resolves on arrival what it clears: let the accounts service do it
            # before the alerts below are seeded (they describe this data, not a later one).
            with entrypoint_waiter(services["accounts"], ARRIVAL_HANDLERS[message_type]):
                submit(services, message_type, {**payload, "project_code": code}, county)
    WorkersStandIn.enrolled = {(A, "2026-10"): 4, (B, "2026-10"): 0, (C, "2026-10"): 9, (G, "2026-10"): 3,
                               (G, "2026-09"): 5, (D, "2026-10"): 2}
    WorkersStandIn.asked = []
    with entrypoint_hook(services["alerts"], "report") as report:
        report("test", [_alert("ACCOUNT_NOT_OPENED", G, "red"), _alert("DEPOSIT_MISSING", B, "yellow"),
                        _alert("DEPOSIT_MISSING", C, "yellow"), _alert("ACCOUNT_NOT_OPENED", D, "red", OTHER_COUNTY)])


def _alert(alert_type, code, severity, division=COUNTY):
    return {"type": alert_type, "fingerprint": f"{alert_type}:{code}", "severity": severity, "division": division,
            "sector": "water", "funding": "private", "project_code": code, "month": None, "summary": "seeded"}


@pytest.fixture
def services(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService, AccountsService, AlertsService, WorkersStandIn)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    seed(containers)
    return containers


def report(services, division, month="2026-10"):
    with entrypoint_hook(services["accounts"], "coverage") as coverage:
        return coverage(division, month)


def figures(report) -> dict:
    return {f["system"]: (f["projects"], f["of"]) for f in report["systems"]}


def test_a_countys_figures_equal_a_hand_count(services):
    county = report(services, COUNTY)
    # Under construction in October: A, B (from the 20th), G. C is suspended; D is in another county.
    assert county["projects_under_construction"] == 3
    assert figures(county) == {
        "workers_enrolled": (2, 3),        # A 4, G 3; B enrolled nobody
        "dedicated_account": (1, 3),       # A; B's was opened in November
        "wage_deposit": (2, 3),            # A; G on 31 October
        "paid_through_account": (2, 3),    # A; B paid from the account opened in November. G has no account
        "paid_in_full": (2, 3),            # A, G; B paid one worker short
    }
    assert (county["paid_in_full_public"]["projects"], county["paid_in_full_public"]["of"]) == (1, 2)   # G of B, G
    assert county["open_alerts"] == {"by_type": {"ACCOUNT_NOT_OPENED": {"red": 1}, "DEPOSIT_MISSING": {"yellow": 2}},
                                     "total": 3, "complete": True}
    assert WorkersStandIn.asked == [(sorted([A, B, G]), "2026-10")], "only projects under construction are asked"


def test_a_citys_figures_take_in_its_counties(services):
    city = report(services, "430100")
    assert city["projects_under_construction"] == 4 and city["level"] == "city"
    assert figures(city) == {"workers_enrolled": (3, 4), "dedicated_account": (2, 4), "wage_deposit": (2, 4),
                             "paid_through_account": (3, 4), "paid_in_full": (3, 4)}
    assert city["open_alerts"]["by_type"]["ACCOUNT_NOT_OPENED"] == {"red": 2}


@pytest.mark.parametrize("division, month, field", [("430199", "2026-10", "division"), ("430102", "2026-13", "month")])
def test_a_bad_division_or_month_is_refused_naming_it(services, config, division, month, field):
    with ServiceRpcProxy("accounts", config) as accounts, pytest.raises(RemoteError) as refused:
        accounts.coverage(division, month)
    assert refused.value.exc_type == "ValueError" and refused.value.value.startswith(f"{field}:")


def test_without_the_workers_service_enrolment_is_unknown_and_the_rest_is_reported(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService, AccountsService, AlertsService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    submit(containers, "project.upsert", project(project_code=A))
    county = report(containers, COUNTY)
    assert figures(county)["workers_enrolled"] == (None, 1)
    assert figures(county)["dedicated_account"] == (0, 1)
