"""The project registry in a real container: upserts, ownership, and its events."""
from __future__ import annotations

import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.projects.service import ProjectsService
from shared.contract.messages import ProjectSchema
from shared.errors import RecordRefused
from shared.internal import PROJECT_CHANGED, PROJECT_REGISTERED
from tests.factories import COUNTY, OTHER_COUNTY, project


class ProjectWatcher:
    """Stands in for any service that listens to the registry's events."""

    name = "project_watcher"
    seen: list = []

    @event_handler("projects", PROJECT_REGISTERED)
    def on_registered(self, body):
        self.seen.append((PROJECT_REGISTERED, body))

    @event_handler("projects", PROJECT_CHANGED)
    def on_changed(self, body):
        self.seen.append((PROJECT_CHANGED, body))


@pytest.fixture
def registry(container_factory, config):
    ProjectWatcher.seen = []
    watcher = container_factory(ProjectWatcher, config)
    watcher.start()
    container = container_factory(ProjectsService, config)
    container.start()
    return container, watcher


def submit(container, payload, county=COUNTY):
    with entrypoint_hook(container, "register_project") as hook:
        return hook({"county": county, "message_id": "m", "type": "project.upsert",
                     "payload": ProjectSchema().load(payload)})


def test_registering_then_changing_a_project_publishes_past_tense_events(registry):
    container, watcher = registry
    with entrypoint_waiter(watcher, "on_registered"):
        assert submit(container, project()) == {}
    with entrypoint_waiter(watcher, "on_changed"):
        submit(container, project(status="suspended"))
    (first, registered), (second, changed) = ProjectWatcher.seen
    assert (first, registered["project"]["version"]) == (PROJECT_REGISTERED, 1)
    assert (second, changed["project"]["version"], changed["changed"]) == (PROJECT_CHANGED, 2, ["status"])
    assert changed["project"]["pay_day"] == 15


def test_a_refused_project_reaches_the_rpc_caller_as_record_refused(registry):
    """The rule is unit-tested (test_project_registration); here, the edge: the RPC lets
    RecordRefused through as an expected exception, and nothing is stored."""
    container, _ = registry
    submit(container, project())
    with pytest.raises(RecordRefused) as refused:
        submit(container, project(division=OTHER_COUNTY, project_code=project()["project_code"]),
               county=OTHER_COUNTY)
    assert list(refused.value.errors) == ["project_code"]
    (rpc_entrypoint,) = ProjectsService.register_project.nameko_entrypoints   # not logged as a failure
    assert rpc_entrypoint.expected_exceptions is RecordRefused
    with entrypoint_hook(container, "get_projects") as get:
        assert get([project()["project_code"]])[project()["project_code"]]["division"] == COUNTY


def test_projects_are_listed_by_county_city_or_province(registry):
    container, _ = registry
    submit(container, project(project_code="A"))
    submit(container, project(project_code="B", division=OTHER_COUNTY), county=OTHER_COUNTY)
    with entrypoint_hook(container, "list_projects") as listing:
        assert [p["project_code"] for p in listing(COUNTY)] == ["A"]
        assert [p["project_code"] for p in listing("430100")] == ["A", "B"]
        assert [p["project_code"] for p in listing("430000")] == ["A", "B"]
        assert [p["project_code"] for p in listing("431000")] == []
