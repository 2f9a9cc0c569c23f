"""A county registers and changes its projects (services/projects/app.py, with fakes)."""
from __future__ import annotations

import pytest

from services.projects.app import register_project
from shared.contract.messages import ProjectSchema
from shared.errors import RecordRefused
from shared.internal import PROJECT_CHANGED, PROJECT_REGISTERED, Submission
from tests.factories import COUNTY, OTHER_COUNTY, project
from tests.unit.fakes import FakeEvents, FakeProjects


def submit(repository, dispatch, payload, county=COUNTY):
    register_project(Submission(county=county, message_id="m", type="project.upsert", sent_at="", received_at="",
                                payload=ProjectSchema().load(payload)), repository=repository, dispatch=dispatch)


def test_a_new_project_is_version_1_and_a_change_announces_version_2_with_what_changed():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit(repository, dispatch, project())
    submit(repository, dispatch, project(status="suspended"))
    (first, registered), (second, changed) = dispatch.sent
    assert (first, registered["project"]["version"]) == (PROJECT_REGISTERED, 1)
    assert (second, changed["project"]["version"], changed["changed"]) == (PROJECT_CHANGED, 2, ["status"])
    assert changed["project"]["pay_day"] == 15


def test_a_replayed_upsert_changes_nothing_but_repeats_its_event_identically():
    """A crash between the store and the dispatch redelivers the request: the replay must
    announce exactly what the first delivery would have (not "nothing changed")."""
    repository, dispatch = FakeProjects(), FakeEvents()
    submit(repository, dispatch, project())
    submit(repository, dispatch, project())
    (_, first), (event, replay) = dispatch.sent
    assert event == PROJECT_REGISTERED and replay == first and first["project"]["version"] == 1
    assert "status" in first["changed"] and repository.get(project()["project_code"])["version"] == 1


def test_another_county_cannot_replace_a_project_and_is_told_which_field():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit(repository, dispatch, project())
    with pytest.raises(RecordRefused) as refused:
        submit(repository, dispatch, project(division=OTHER_COUNTY, project_code=project()["project_code"]),
               county=OTHER_COUNTY)
    assert refused.value.errors == {"project_code": [
        "Already registered by another county; project codes are unique province-wide."]}
    assert repository.get(project()["project_code"])["division"] == COUNTY and len(dispatch.sent) == 1
