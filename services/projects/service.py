"""projects: the project registry. Other services ask it about projects by RPC and hear
of new and changed projects through events. The use case is in ``app.py``; this class
only translates entrypoints into it."""
from __future__ import annotations

from nameko.events import EventDispatcher
from nameko.rpc import rpc

from services.projects import app
from services.projects.repository import ProjectRepository
from services.projects.views import facts
from shared.errors import RecordRefused
from shared.internal import Submission
from shared.nameko.health import HealthCheck
from shared.nameko.providers import Repository


class ProjectsService:
    name = "projects"

    repository = Repository(ProjectRepository)
    health = HealthCheck()
    dispatch = EventDispatcher()

    @rpc(expected_exceptions=RecordRefused)
    def register_project(self, submission: dict) -> dict:
        """Store a ``project.upsert``; raises RecordRefused (field → messages) when refused."""
        app.register_project(Submission.load(submission), repository=self.repository, dispatch=self.dispatch)
        return {}

    @rpc
    def get_projects(self, project_codes: list[str]) -> dict[str, dict]:
        return {code: facts(r) for code, r in self.repository.get_many(project_codes).items()}

    @rpc
    def list_projects(self, division: str | None = None) -> list[dict]:
        """Every project, or those of a division (county, city or province)."""
        return [facts(r) for r in self.repository.all(division)]
