"""The projects service's use case (工程项目登记): a county registers or changes a project.

Plain Python over two ports, a repository and a dispatcher of internal events, so it is
unit-tested with fakes (tests/unit/test_project_registration.py); the nameko class only
translates the RPC into this call. A refusal raises RecordRefused (shared/errors.py).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from services.projects.domain import changed_fields, ownership_problem, project_record, received_day
from services.projects.views import project_facts
from shared.errors import RecordRefused
from shared.internal import PROJECT_CHANGED, PROJECT_REGISTERED, ProjectEvent, Submission


class ProjectStore(Protocol):
    def get(self, project_code: str) -> dict[str, Any] | None: ...
    def save(self, record: dict[str, Any], version: int, changed: list[str]) -> None: ...


Dispatch = Callable[[str, dict[str, Any]], None]


def register_project(submission: Submission, *, repository: ProjectStore, dispatch: Dispatch) -> None:
    """Store a ``project.upsert`` as its next version and announce it; a project code
    another county registered is refused (RecordRefused, keyed by field)."""
    county, payload = submission.county, submission.payload or {}
    existing = repository.get(payload["project_code"])
    record = project_record(payload, county, schema_version=submission.schema_version or "1",
                            received_on=received_day(submission.received_at), existing=existing)
    problem = ownership_problem(existing, county)
    if problem:
        raise RecordRefused({"project_code": [problem]})
    changed = changed_fields(existing, record)
    if changed or existing is None:
        version = 1 if existing is None else existing["version"] + 1
        repository.save(record, version, changed)
    else:   # a replay, or a re-send of the same data: announce the stored version again
        version, changed = existing["version"], existing["changed"]
    # Dispatched on every delivery, even a replay, so a crash between the store and
    # the dispatch cannot lose the event: the request is redelivered and the stored
    # version is announced again, identically. Consumers compare versions.
    event = PROJECT_REGISTERED if version == 1 else PROJECT_CHANGED
    dispatch(event, ProjectEvent(project=project_facts({**record, "version": version}), changed=changed).dump())
