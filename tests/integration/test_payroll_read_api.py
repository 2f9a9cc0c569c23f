"""The payroll service's read RPC for other services: a month's lines by keyed hash."""
from __future__ import annotations

from nameko.testing.services import entrypoint_hook

from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.messages import PayrollSchema, ProjectSchema
from shared.pii import keyed_hash, mask_id_number
from tests.conftest import TEST_PII_KEY
from tests.factories import COUNTY, payroll, project, worker_id


def test_payroll_lines_answers_each_sheet_by_keyed_hash_masked_and_in_fen(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    with entrypoint_hook(containers["projects"], "register_project") as register:
        register({"county": COUNTY, "message_id": "p", "type": "project.upsert", "payload": ProjectSchema().load(project())})
    code = project()["project_code"]
    with entrypoint_hook(containers["payroll"], "record_payroll") as record:
        record({"county": COUNTY, "message_id": "m", "type": "payroll.paid",
                "payload": PayrollSchema().load(payroll("2026-10", lines=[
                    {"id_number": worker_id(1), "amount_due": 7200.5, "amount_paid": 7000}]))})
    with entrypoint_hook(containers["payroll"], "payroll_lines") as lines:
        answer = lines([f"{code}:2026-10", f"{code}:2026-11"])
    worker = keyed_hash(worker_id(1), TEST_PII_KEY.encode())
    assert answer == {f"{code}:2026-10": {worker: {"id_masked": mask_id_number(worker_id(1)),
                                                   "amount_due_fen": 720050, "amount_paid_fen": 700000}}}
