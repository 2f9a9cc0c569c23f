"""Projects as other services see them (JSON-ready facts, as ``ProjectFactsSchema`` dumps them)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.internal import ProjectFacts, ProjectFactsSchema

_FACTS = ProjectFactsSchema()


def project_facts(record: dict) -> ProjectFacts:
    """A stored project as the ``project_registered``/``project_changed`` events carry it."""
    stored: dict[str, Any] = {name: record.get(name) for name in _FIELDS}
    return ProjectFacts(**stored)


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
