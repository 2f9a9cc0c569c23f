"""The project registry's rules (工程项目登记)."""
from __future__ import annotations

from typing import Any

from shared.contract.messages import DEFAULT_PAY_DAY

# Fields whose change other services care about (expectations, routing, thresholds).
TRACKED_FIELDS = (
    "name", "division", "sector", "funding", "status", "contract_amount", "start_date",
    "planned_end_date", "actual_end_date", "pay_day", "owner", "general_contractor",
)


def project_record(payload: dict[str, Any], county: str) -> dict[str, Any]:
    """The stored form of a ``project.upsert`` payload (pay_day defaulted)."""
    record = dict(payload)
    record.setdefault("actual_end_date", None)
    record["pay_day"] = payload.get("pay_day") or DEFAULT_PAY_DAY
    record["registered_by"] = county
    return record


def ownership_problem(existing: dict[str, Any] | None, county: str) -> str | None:
    """A project code is unique province-wide: only its own county may replace it."""
    if existing is not None and existing["division"] != county:
        return "Already registered by another county; project codes are unique province-wide."
    return None


def changed_fields(existing: dict[str, Any] | None, record: dict[str, Any]) -> list[str]:
    if existing is None:
        return list(TRACKED_FIELDS)
    return [f for f in TRACKED_FIELDS if existing.get(f) != record.get(f)]
