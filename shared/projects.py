"""How services that keep records about projects read the registry: a project's facts, whether
a county may speak for it, and which registry changes matter to their rules."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from shared.expectations import affects_expectations
from shared.internal import ProjectEvent, ProjectFacts


def load_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """A project as the projects service sent it, with dates and money as Python values."""
    loaded = _loaded_as_sent(facts)
    return loaded if loaded is not None else asdict(ProjectFacts.load(facts))


# A sweep loads every project of the province (20,000: seconds through marshmallow), and
# nearly all arrive exactly as ProjectFacts dumps them. Those are converted directly,
# to the very values the schema loads (tests/unit/test_project_facts.py checks it); any
# other shape (a field missing or added, another type) goes through the schema.
_TEXT = ("project_code", "name", "division", "sector", "funding", "status", "schema_version")
_WHOLE = ("pay_day", "version")
_PARTIES = ("owner", "general_contractor", "payment_guarantee", "construction_permit", "wage_officer")
_OPTIONAL_DATES = ("actual_end_date", "contract_signed_on", "suspended_on", "resumed_on", "signboard_posted_on")
_AS_SENT = frozenset(_TEXT + _WHOLE + _PARTIES + _OPTIONAL_DATES + ("contract_amount", "start_date",
                                                                  "planned_end_date", "labour_cost_monthly",
                                                                  "suspensions"))
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _loaded_as_sent(facts: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(facts, dict) or facts.keys() != _AS_SENT:
        return None
    if any(type(facts[k]) is not str for k in _TEXT) or any(type(facts[k]) is not int for k in _WHOLE):
        return None
    if any(facts[k] is not None and type(facts[k]) is not dict for k in _PARTIES):
        return None
    if type(facts["suspensions"]) is not list or not all(type(p) is dict for p in facts["suspensions"]):
        return None
    amount, monthly = facts["contract_amount"], facts["labour_cost_monthly"]
    optional = {k: facts[k] for k in _OPTIONAL_DATES if facts[k] is not None}
    dates = [facts["start_date"], facts["planned_end_date"], *optional.values()]
    if type(amount) is not str or (monthly is not None and type(monthly) is not str) or \
            not all(type(d) is str and _ISO_DATE.match(d) for d in dates):
        return None
    try:
        money = Decimal(amount)
        labour = None if monthly is None else Decimal(monthly)
        start, planned = date.fromisoformat(dates[0]), date.fromisoformat(dates[1])
        loaded_dates = {k: date.fromisoformat(v) for k, v in optional.items()}
    except (ArithmeticError, ValueError):
        return None
    if not money.is_finite() or (labour is not None and not labour.is_finite()):
        return None
    return {**facts, **dict.fromkeys(_OPTIONAL_DATES), **loaded_dates, "contract_amount": money,
            "labour_cost_monthly": labour, "start_date": start, "planned_end_date": planned}


UNKNOWN_PROJECT = "Unknown project: register it with project.upsert first."


def submission_problem(project: dict[str, Any] | None, county: str) -> str | None:
    """A county speaks only for its own projects, and only for registered ones."""
    if project is None:
        return UNKNOWN_PROJECT
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

    def refused(self, codes: set[str], county: str,
                get_projects: Callable[[list[str]], dict[str, dict[str, Any]]]) -> dict[str, str]:
        """Projects ``county`` may not send records for, asking ``get_projects(codes)``
        (the registry's RPC) only about codes not known yet."""
        unknown = sorted(code for code in codes if code not in self._known)
        if unknown:
            for code, project in get_projects(unknown).items():
                if len(self._known) >= self.limit:
                    self._known.clear()   # bounded; what was known is simply asked again
                self._known[code] = project["division"]
        return {code: problem for code in codes if (problem := submission_problem(self._project(code), county))}

    def _project(self, code: str) -> dict[str, Any] | None:
        division = self._known.get(code)
        return None if division is None else {"division": division}


def changed_project(event: ProjectEvent) -> str | None:
    """The code of the project a ``project_changed`` event is about, when the change can
    change what the project owes (its status, dates, pay day, funding or amount); None
    for other changes and replays (nothing changed)."""
    return event.project.project_code if affects_expectations(event.changed) else None
