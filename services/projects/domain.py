"""The project registry's rules (工程项目登记)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.calendar import SHANGHAI
from shared.contract.messages import DEFAULT_PAY_DAY
from shared.pii import mask_phone

SUSPENDED = "suspended"

# Fields whose change other services care about (expectations, routing, thresholds); the
# last ones are contract 1.1's (stored flat: ``labour_cost.monthly_amount`` as
# ``labour_cost_monthly``) and the version of the upsert that set them.
TRACKED_FIELDS = (
    "name", "division", "sector", "funding", "status", "contract_amount", "start_date",
    "planned_end_date", "actual_end_date", "pay_day", "owner", "general_contractor",
    "contract_signed_on", "suspended_on", "resumed_on", "labour_cost_monthly", "payment_guarantee",
    "construction_permit", "wage_officer", "signboard_posted_on", "schema_version", "suspensions",
)
OPTIONAL_DATES = ("contract_signed_on", "suspended_on", "resumed_on", "signboard_posted_on")
OPTIONAL_TERMS = ("payment_guarantee", "construction_permit", "wage_officer")


def project_record(payload: dict[str, Any], county: str, *, schema_version: str = "1", received_on: date | None = None,
                   existing: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stored form of a ``project.upsert`` payload (pay_day defaulted).

    A suspended project with no ``suspended_on`` (a 1.0 message) is suspended from the day
    the message was received (``received_on``), or from the day already stored when it was
    suspended before, so a re-send does not move the date. The wage officer's phone is kept
    masked only (personal data, as the workers service keeps phones)."""
    record = {k: v for k, v in payload.items() if k != "labour_cost"}
    record.setdefault("actual_end_date", None)
    record["pay_day"] = payload.get("pay_day") or DEFAULT_PAY_DAY
    record["registered_by"] = county
    record["schema_version"] = schema_version
    for name in OPTIONAL_DATES + OPTIONAL_TERMS:
        record.setdefault(name, None)
    record["labour_cost_monthly"] = (payload.get("labour_cost") or {}).get("monthly_amount")
    if record["wage_officer"] is not None:
        officer = record["wage_officer"]
        record["wage_officer"] = {"name": officer["name"], "phone_masked": mask_phone(officer["phone"])}
    if record["status"] == SUSPENDED and record["suspended_on"] is None:
        record["suspended_on"] = _suspended_before(existing) or received_on
    record["suspensions"] = suspensions_after(existing, record, received_on)
    return record


def _period(record: dict[str, Any] | None) -> tuple[date, date | None] | None:
    """The suspension a record states: (first day, day resumed or None while it lasts)."""
    if record is None or record.get("suspended_on") is None:
        return None
    if record["status"] == SUSPENDED:
        return (record["suspended_on"], None)
    resumed = record.get("resumed_on")
    return (record["suspended_on"], resumed) if resumed is not None and resumed > record["suspended_on"] else None


def suspensions_after(existing: dict[str, Any] | None, record: dict[str, Any], received_on: date | None) -> list[dict[str, Any]]:
    """Earlier suspensions, ended, that the project's upserts no longer state (a project.upsert
    carries only the last one): ``[{"from", "to"}]`` as ISO dates, oldest first. When the
    suspension the stored record stated is not the one the new record states, it is kept
    here, ended on the new record's ``resumed_on`` when that ends it, else on the day this
    upsert was received (a 1.0 county resumes by sending ``under_construction``). Without
    this, a project suspended twice, or resumed by a 1.0 message, would owe again the
    months of its first stoppage."""
    kept = [dict(p) for p in (existing or {}).get("suspensions") or []]
    old, new = _period(existing), _period(record)
    if old is None or (new is not None and new[0] == old[0]):
        return kept
    ended = old[1]
    if ended is None:
        resumed = record.get("resumed_on")
        ended = resumed if resumed is not None and resumed > old[0] else received_on
    if ended is not None and ended > old[0]:
        period = {"from": old[0].isoformat(), "to": ended.isoformat()}
        if period not in kept:
            kept.append(period)
    return sorted(kept, key=lambda p: p["from"])


def _suspended_before(existing: dict[str, Any] | None) -> date | None:
    if existing is not None and existing.get("status") == SUSPENDED:
        return existing.get("suspended_on")
    return None


def received_day(received_at: str | None) -> date | None:
    """The day (Asia/Shanghai) the ingress received a message, from its ISO timestamp."""
    if not received_at:
        return None
    return datetime.fromisoformat(received_at).astimezone(SHANGHAI).date()


def ownership_problem(existing: dict[str, Any] | None, county: str) -> str | None:
    """A project code is unique province-wide: only its own county may replace it."""
    if existing is not None and existing["division"] != county:
        return "Already registered by another county; project codes are unique province-wide."
    return None


def changed_fields(existing: dict[str, Any] | None, record: dict[str, Any]) -> list[str]:
    if existing is None:
        return list(TRACKED_FIELDS)
    return [f for f in TRACKED_FIELDS if existing.get(f) != record.get(f)]
