"""A service's local project registry, wired: fed by the projects service's events over
RabbitMQ, it answers a payroll and a sweep with the projects service gone, and a fresh
instance fills it once from the projects service."""
from __future__ import annotations

import eventlet
from kombu import Connection
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook

from services.alerts.service import AlertsService
from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.messages import PayrollSchema, ProjectSchema
from shared.internal import PROJECT_CHANGED, PROJECT_REGISTERED
from shared.registry import RegistryRepository
from shared.storage import database_for
from tests.factories import COUNTY, payroll, project, project_facts

CODE = f"{COUNTY}-2026-0001"


def registry_of(config, service="payroll") -> RegistryRepository:
    return RegistryRepository(database_for(config["MONGO_URI"], service))


def until(condition, limit=200):
    """Wait (a guard, not a measure) for an event to reach the service."""
    for _ in range(limit):
        if condition():
            return True
        eventlet.sleep(0.05)
    return condition()


def register(container):
    with entrypoint_hook(container, "register_project") as hook:
        hook({"county": COUNTY, "message_id": "p", "type": "project.upsert",
              "payload": ProjectSchema().load(project())})


def record(container, month="2026-09"):
    with entrypoint_hook(container, "record_payroll") as hook:
        return hook({"county": COUNTY, "message_id": "m1", "type": "payroll.paid",
                     "payload": PayrollSchema().load(payroll(month))})


def sweep(container, as_of="2026-11-20"):
    with entrypoint_hook(container, "sweep") as hook:
        return hook(as_of)


def test_a_fed_service_records_and_sweeps_with_the_projects_service_gone(runner_factory, config):
    runner = runner_factory(config, ProjectsService, PayrollService, AlertsService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    register(containers["projects"])
    assert until(lambda: registry_of(config).get_many([CODE]) and registry_of(config).backfilled())
    containers["projects"].stop()
    with Connection(config["AMQP_URI"]) as connection:   # any call to projects now fails at once
        connection.channel().queue_delete("rpc-projects")
    assert record(containers["payroll"]) == {}
    assert [a["month"] for a in sweep(containers["payroll"])["raised"]] == ["2026-08", "2026-10"]


def test_a_fresh_instance_fills_its_registry_once_from_the_projects_service(runner_factory, config):
    registry = runner_factory(config, ProjectsService)
    registry.start()
    register(next(iter(registry.containers)))   # announced before payroll ever ran: nobody heard it
    runner = runner_factory(config, PayrollService, AlertsService)
    runner.start()
    payroll_service = next(c for c in runner.containers if c.service_name == "payroll")
    assert until(registry_of(config).backfilled)
    assert list(registry_of(config).get_many([CODE])) == [CODE]
    next(iter(registry.containers)).stop()
    with Connection(config["AMQP_URI"]) as connection:
        connection.channel().queue_delete("rpc-projects")
    assert [a["month"] for a in sweep(payroll_service)["raised"]] == ["2026-08", "2026-09", "2026-10"]


def test_events_keep_only_the_newest_version_however_they_arrive(runner_factory, config):
    runner = runner_factory(config, PayrollService)
    runner.start()
    dispatch = event_dispatcher(config)
    changed = {"project": project_facts(2, status="suspended"), "changed": ["status"]}
    dispatch("projects", PROJECT_CHANGED, changed)
    dispatch("projects", PROJECT_CHANGED, changed)                          # redelivered
    dispatch("projects", PROJECT_REGISTERED, {"project": project_facts(1), "changed": []})  # late, older
    store = registry_of(config)
    assert until(lambda: store.get_many([CODE]).get(CODE, {}).get("version") == 2)
    eventlet.sleep(0.5)   # let the late, older event arrive too
    assert store.get_many([CODE])[CODE]["status"] == "suspended"
    assert store.projects.count_documents({}) == 1
