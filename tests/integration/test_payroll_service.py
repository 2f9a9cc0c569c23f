"""The payroll service with the registry and the alerts service, in real containers."""
from __future__ import annotations

import pytest
from nameko.testing.services import entrypoint_hook

from services.alerts.service import AlertsService
from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.messages import PayrollSchema, ProjectSchema
from shared.storage import database_for
from tests.factories import COUNTY, payroll, project, worker_id


@pytest.fixture
def services(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService, AlertsService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    with entrypoint_hook(containers["projects"], "register_project") as register:
        register({"county": COUNTY, "message_id": "p", "type": "project.upsert",
                  "payload": ProjectSchema().load(project(start_date="2026-08-01"))})
    return containers


def record(services, payload, message_id="m1", county=COUNTY):
    with entrypoint_hook(services["payroll"], "record_payroll") as hook:
        return hook({"county": county, "message_id": message_id, "type": "payroll.paid",
                     "payload": PayrollSchema().load(payload)})


def test_several_messages_for_one_month_merge_by_worker(services, config):
    first = payroll("2026-08", workers=2)
    correction = payroll("2026-08", lines=[{"id_number": worker_id(2), "amount_due": 7200, "amount_paid": 7000},
                                           {"id_number": worker_id(3), "amount_due": 5000, "amount_paid": 5000}])
    assert record(services, first, "m1") == {} and record(services, correction, "m2") == {}
    record(services, correction, "m2")   # a redelivery writes the same values again
    [sheet] = database_for(config["MONGO_URI"], "payroll")["payroll_months"].find()
    assert len(sheet["lines"]) == 3 and sorted(sheet["message_ids"]) == ["m1", "m2"]
    assert sorted(line["amount_paid_fen"] for line in sheet["lines"].values()) == [500000, 700000, 720000]


def test_sweep_reports_each_missing_month_once(services):
    record(services, payroll("2026-09"))
    with entrypoint_hook(services["payroll"], "sweep") as sweep:
        first = sweep("2026-11-20")
        second = sweep("2026-11-20")
    # The factory's project is government-funded: missing payroll is one colour higher.
    assert [(a["month"], a["severity"]) for a in first["raised"]] == [("2026-08", "red"), ("2026-10", "orange")]
    assert second["raised"] == [] and second["reported"] == 2
