"""projects: the project registry. Other services ask it about projects by RPC and hear
of new and changed projects through events."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from nameko.events import EventDispatcher
from nameko.rpc import rpc

from shared.internal import PROJECT_CHANGED, PROJECT_REGISTERED, ProjectFactsSchema
from shared.nameko.health import HealthCheck
from shared.nameko.providers import Repository
from services.projects.domain import changed_fields, ownership_problem, project_record
from services.projects.repository import ProjectRepository

_FACTS = ProjectFactsSchema()


def facts(record: dict) -> dict:
    """A project as other services see it (JSON-ready)."""
    dumped = _dumped_directly(record)
    return dumped if dumped is not None else _FACTS.dump(record)


# ``list_projects`` answers the whole province (20,000 projects: seconds through
# marshmallow). A stored record has every field with its usual type: it is dumped
# directly, to the very values the schema dumps (tests/unit/test_project_facts.py);
# anything else goes through the schema.
_FIELDS = tuple(_FACTS.fields)
_TYPES = {**dict.fromkeys(("project_code", "name", "division", "sector", "funding", "status"), (str,)),
          "pay_day": (int,), "version": (int,), "contract_amount": (Decimal,),
          "start_date": (date,), "planned_end_date": (date,), "actual_end_date": (date, type(None)),
          "owner": (dict, type(None)), "general_contractor": (dict, type(None))}


def _dumped_directly(record: dict) -> dict | None:
    if set(_FIELDS) != set(_TYPES) or not all(k in record and type(record[k]) in _TYPES[k] for k in _FIELDS):
        return None
    dumped = {k: record[k] for k in _FIELDS}
    for name in ("start_date", "planned_end_date", "actual_end_date"):
        dumped[name] = None if dumped[name] is None else dumped[name].isoformat()
    for name in ("owner", "general_contractor"):
        dumped[name] = None if dumped[name] is None else dict(dumped[name])
    return dumped


class ProjectsService:
    name = "projects"

    projects = Repository(ProjectRepository)
    health = HealthCheck()
    dispatch = EventDispatcher()

    @rpc
    def register_project(self, submission: dict) -> dict:
        """Store a ``project.upsert``; answers ``{"errors": {...}}`` when it is refused."""
        county = submission["county"]
        record = project_record(submission["payload"], county)
        existing = self.projects.get(record["project_code"])
        problem = ownership_problem(existing, county)
        if problem:
            return {"errors": {"project_code": [problem]}}
        changed = changed_fields(existing, record)
        if changed or existing is None:
            version = 1 if existing is None else existing["version"] + 1
            self.projects.save(record, version, changed)
        else:   # a replay, or a re-send of the same data: announce the stored version again
            version, changed = existing["version"], existing["changed"]
        # Dispatched on every delivery, even a replay, so a crash between the store and
        # the dispatch cannot lose the event: the request is redelivered and the stored
        # version is announced again, identically. Consumers compare versions.
        event = PROJECT_REGISTERED if version == 1 else PROJECT_CHANGED
        self.dispatch(event, {"project": facts({**record, "version": version}), "changed": changed})
        return {}

    @rpc
    def get_projects(self, project_codes: list[str]) -> dict[str, dict]:
        return {code: facts(r) for code, r in self.projects.get_many(project_codes).items()}

    @rpc
    def list_projects(self, division: str | None = None) -> list[dict]:
        """Every project, or those of a division (county, city or province)."""
        return [facts(r) for r in self.projects.all(division)]

