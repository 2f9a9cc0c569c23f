"""The payroll service's read RPCs that the accounts service builds on: per project-month
totals of the sheets, and what each project has paid out to date."""
from __future__ import annotations

import pytest
from nameko.testing.services import entrypoint_hook

from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.messages import PayrollSchema, ProjectSchema
from tests.factories import COUNTY, payroll, project, worker_id

P1, P2 = f"{COUNTY}-2026-0001", f"{COUNTY}-2026-0002"


@pytest.fixture
def payroll_service(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    for code in (P1, P2):
        with entrypoint_hook(containers["projects"], "register_project") as register:
            register({"county": COUNTY, "message_id": code, "type": "project.upsert",
                      "payload": ProjectSchema().load(project(project_code=code))})
    return containers["payroll"]


def record(container, payload, message_id):
    with entrypoint_hook(container, "record_payroll") as hook:
        assert hook({"county": COUNTY, "message_id": message_id, "type": "payroll.paid",
                     "payload": PayrollSchema().load(payload)}) == {}


def test_month_totals_count_workers_paid_short_and_sum_due_and_paid_in_fen(payroll_service):
    record(payroll_service, payroll("2026-08", workers=2), "a")
    record(payroll_service, payroll("2026-09", lines=[
        {"id_number": worker_id(1), "amount_due": 7200, "amount_paid": 7200},
        {"id_number": worker_id(2), "amount_due": 7200, "amount_paid": 5000.5}]), "b")
    record(payroll_service, payroll("2026-09", workers=1, project_code=P2), "c")
    with entrypoint_hook(payroll_service, "month_totals") as totals:
        september = sorted(totals(["2026-09"]), key=lambda r: r["project_code"])
        only_p2 = totals(["2026-08", "2026-09"], [P2])
    assert september == [
        {"project_code": P1, "month": "2026-09", "workers": 2, "workers_short": 1,
         "amount_due_fen": 1_440_000, "amount_paid_fen": 1_220_050},
        {"project_code": P2, "month": "2026-09", "workers": 1, "workers_short": 0,
         "amount_due_fen": 720_000, "amount_paid_fen": 720_000}]
    assert [(r["project_code"], r["month"]) for r in only_p2] == [(P2, "2026-09")]
    with entrypoint_hook(payroll_service, "paid_to_date") as paid:
        assert paid() == {P1: 1_440_000 + 1_220_050, P2: 720_000}
        assert paid([P2, "NONE"]) == {P2: 720_000}
