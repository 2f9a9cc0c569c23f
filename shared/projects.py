"""How services that receive records about a project check that the sender may speak for it."""
from __future__ import annotations

from shared.internal import ProjectFactsSchema

_FACTS = ProjectFactsSchema()


def load_facts(facts: dict) -> dict:
    """A project as the projects service sent it, with dates and money as Python values."""
    return _FACTS.load(facts)


def submission_problem(project: dict | None, county: str) -> str | None:
    """A county speaks only for its own projects, and only for registered ones."""
    if project is None:
        return "Unknown project: register it with project.upsert first."
    if project["division"] != county:
        return "Belongs to another county's project registry."
    return None
