"""Complaint cases for unit tests, built and changed by the domain's own functions, the
way the service's repository stores them (no database, no broker)."""
from __future__ import annotations

from datetime import date

from services.complaints import domain
from services.complaints.intake import new_case
from services.complaints.schemas import load_change
from shared.contract.messages import ComplaintSchema
from shared.internal import Submission
from tests.factories import COUNTY, complaint

UNIT_PII_KEY = b"unit-test-key"


def submission(payload: dict | None = None, county: str = COUNTY,
               received_at: str = "2026-09-30T10:05:00+08:00") -> Submission:
    return Submission(county=county, message_id="m-1", type="complaint.filed", sent_at="",
                      received_at=received_at, payload=ComplaintSchema().load(payload or complaint()))


def a_case(*, county: str = COUNTY, project: dict | None = None, without: tuple[str, ...] = (),
           **overrides) -> dict:
    """A case as intake opens it; ``without`` leaves optional fields out of the complaint."""
    payload = {k: v for k, v in complaint(**overrides).items() if k not in without}
    return new_case(submission(payload, county), project, pii_key=UNIT_PII_KEY)


def change(case: dict, action: str, on: date, by: str = "desk-a", today: date | None = None, **params) -> dict:
    """The case after a desk's change, as the repository's ``apply`` would store it."""
    loaded = load_change(action, {"by": by, "on": on.isoformat(), **params})
    changes, entry = domain.apply(case, action, loaded, by=by, at=f"{on.isoformat()}T09:00:00+08:00",
                                  on=on, today=today or on)
    changed = {**case, **changes, "history": [*case["history"], entry], "version": case["version"] + 1,
               "pending": [*case["pending"], entry["seq"]]}
    if "division" in changes:
        changed["divisions"] = sorted({*case["divisions"], changes["division"]})
    return changed


def run(case: dict, *steps) -> dict:
    """Apply ``(action, date, params)`` steps in order."""
    for action, on, params in steps:
        case = change(case, action, on, **params)
    return case
