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


class ProjectDivisions:
    """The division of each registered project a service has asked about, so a county's
    messages for a known project need no call to the registry. What is kept cannot go
    stale: a project code is registered by one county, only that county may replace it
    (with its own division), and the registry deletes nothing. Unknown codes are asked
    again every time (a project registered a moment ago is found)."""

    def __init__(self, limit: int = 200_000):
        self.limit = limit
        self._known: dict[str, str] = {}

    def refused(self, codes: set[str], county: str, get_projects) -> dict[str, str]:
        """Projects ``county`` may not send records for, asking ``get_projects(codes)``
        (the registry's RPC) only about codes not known yet."""
        unknown = sorted(code for code in codes if code not in self._known)
        if unknown:
            for code, project in get_projects(unknown).items():
                if len(self._known) >= self.limit:
                    self._known.clear()   # bounded; what was known is simply asked again
                self._known[code] = project["division"]
        return {code: problem for code in codes if (problem := submission_problem(self._project(code), county))}

    def _project(self, code: str) -> dict | None:
        division = self._known.get(code)
        return None if division is None else {"division": division}


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
