"""How services that keep records about projects read the registry: a project's facts, whether
a county may speak for it, and which registry changes matter to their rules."""
from __future__ import annotations

import logging

from marshmallow import ValidationError

from shared.expectations import affects_expectations
from shared.internal import ProjectEventSchema, ProjectFactsSchema

_FACTS = ProjectFactsSchema()
_EVENT = ProjectEventSchema()
log = logging.getLogger(__name__)


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


def changed_project(body: dict) -> str | None:
    """The code of the project a ``project_changed`` event is about, when the change can
    change what the project owes (its status, dates, pay day, funding or amount); None
    for other changes, replays (nothing changed) and malformed events."""
    try:
        event = _EVENT.load(body)
    except ValidationError as exc:
        log.error("ignoring malformed project event: %s", exc.messages)
        return None
    return event["project"]["project_code"] if affects_expectations(event["changed"]) else None
