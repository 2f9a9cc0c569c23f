"""Projects as other services see them (JSON-ready facts, as ``ProjectFactsSchema`` dumps them)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.internal import ProjectFacts, ProjectFactsSchema
from shared.pii import mask_name

_FACTS = ProjectFactsSchema()


def project_facts(record: dict) -> ProjectFacts:
    """A stored project as the ``project_registered``/``project_changed`` events carry it."""
    record = {**record, **_terms(record)}
    stored: dict[str, Any] = {name: record.get(name) for name in _FIELDS if name in record}
    return ProjectFacts(**stored)


def facts(record: dict) -> dict:
    """A project as other services see it (JSON-ready; the wage officer masked)."""
    record = {**record, **_terms(record)}
    dumped = _dumped_directly(record)
    return dumped if dumped is not None else _FACTS.dump(record)


def _terms(record: dict) -> dict:
    """Contract 1.1's nested terms as JSON (dates and money as text); the wage officer's
    name masked (it leaves the service) and the phone as stored, masked."""
    guarantee, permit, officer = (record.get(n) for n in ("payment_guarantee", "construction_permit", "wage_officer"))
    text = lambda v: v.isoformat() if isinstance(v, date) else str(v)  # noqa: E731
    return {
        "payment_guarantee": None if not guarantee else {
            "form": guarantee["form"], "amount": f"{Decimal(str(guarantee['amount'])):.2f}",
            "issued_on": text(guarantee["issued_on"])},
        "construction_permit": None if not permit else {
            "number": permit["number"], "issued_on": text(permit["issued_on"])},
        "wage_officer": None if not officer else {
            "name_masked": officer.get("name_masked") or mask_name(officer.get("name") or ""),
            "phone_masked": officer.get("phone_masked")},
    }


# ``list_projects`` answers the whole province (20,000 projects: seconds through
# marshmallow). A stored record has every field with its usual type: it is dumped
# directly, to the very values the schema dumps (tests/unit/test_project_facts.py);
# anything else goes through the schema.
_FIELDS = tuple(_FACTS.fields)
_OPTIONAL_DATES = ("contract_signed_on", "suspended_on", "resumed_on", "signboard_posted_on")
_TYPES = {**dict.fromkeys(("project_code", "name", "division", "sector", "funding", "status"), (str,)),
          "pay_day": (int,), "version": (int,), "contract_amount": (Decimal,),
          "start_date": (date,), "planned_end_date": (date,), "actual_end_date": (date, type(None)),
          "owner": (dict, type(None)), "general_contractor": (dict, type(None)),
          "schema_version": (str,), "labour_cost_monthly": (Decimal, type(None)),
          **dict.fromkeys(_OPTIONAL_DATES, (date, type(None))),
          **dict.fromkeys(("payment_guarantee", "construction_permit", "wage_officer"), (dict, type(None))),
          "suspensions": (list,)}


def _dumped_directly(record: dict) -> dict | None:
    if set(_FIELDS) != set(_TYPES) or not all(k in record and type(record[k]) in _TYPES[k] for k in _FIELDS):
        return None
    dumped = {k: record[k] for k in _FIELDS}
    for name in ("start_date", "planned_end_date", "actual_end_date", *_OPTIONAL_DATES):
        dumped[name] = None if dumped[name] is None else dumped[name].isoformat()
    for name in ("owner", "general_contractor"):
        dumped[name] = None if dumped[name] is None else dict(dumped[name])
    dumped["suspensions"] = [dict(p) for p in dumped["suspensions"]]
    return dumped
