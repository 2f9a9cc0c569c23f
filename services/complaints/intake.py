"""A complaint as it arrives (``complaint.filed``): the case it opens.

Personal data. The complainant's name, phone and ID number are kept only masked
(``张**``, ``138****5678``, ``430***********1234``), with keyed hashes of the phone and ID
number to find the same person again. Nothing is kept that could be read back: the desk
that calls the complainant back does so from the county complaint system that received
the complaint (the 12333 hotline, the national platform's county inbox), which holds the
contact details under its own rules; the province's platform needs only to recognise and
show a case. So no encryption key to manage, and no full number can leak from here. The
description is free text, so numbers that look like a phone or ID number, and the
complainant's own name, are masked in it before it is stored.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from services.complaints.domain import FILE, RECEIVED, TRANSFER
from shared.calendar import SHANGHAI
from shared.contract.alerts import HRSS
from shared.contract.fields import to_fen
from shared.contract.window import CLOCK_TOLERANCE
from shared.pii import keyed_hash, mask_id_number, mask_name, mask_phone, normalise_id_number

if TYPE_CHECKING:   # the message's type only: the rules import no messaging
    from shared.internal import Submission

# County systems' clocks drift; a complaint "filed" a little after the platform received
# it is a clock, not a complaint from the future (the same tolerance as at the edge).
FILED_AT_TOLERANCE = CLOCK_TOLERANCE
PLATFORM = "platform"

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def case_id_of(county: str, complaint_id: str) -> str:
    """``430102/TS-2026-0001``: complaint ids are unique per county, and ``/`` is not a
    character a complaint id may contain, so the case id is unambiguous."""
    return f"{county}/{complaint_id}"


def intake_problems(payload: dict, received_at: str) -> dict[str, list[str]]:
    """Rules that tie a complaint to its arrival (the contract schema checked the rest)."""
    received = datetime.fromisoformat(received_at)
    if payload["filed_at"] > received + FILED_AT_TOLERANCE:
        return {"filed_at": [f"Must not be later than when the platform received the message ({received_at})."]}
    return {}


def scrub(text: str, names: tuple[str, ...] = ()) -> str:
    """Free text with ID numbers, phone numbers and the given names masked."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)
    for name in names:
        if len(name.strip()) >= 2:
            text = text.replace(name.strip(), mask_name(name))
    return text


def complainant_record(complainant: dict, pii_key: bytes) -> dict:
    """Masked forms to show, keyed hashes to find the same person; never the values."""
    record = {"name": mask_name(complainant["name"])}
    if complainant.get("phone"):
        phone = complainant["phone"].strip()
        record.update(phone=mask_phone(phone), phone_hash=complainant_hash(phone, pii_key))
    if complainant.get("id_number"):
        number = normalise_id_number(complainant["id_number"])
        record.update(id_number=mask_id_number(number), id_hash=complainant_hash(number, pii_key))
    return record


def complainant_hash(phone_or_id_number: str, pii_key: bytes) -> str:
    """The keyed hash a phone or ID number is stored under, to find a complainant's cases."""
    value = phone_or_id_number.strip()
    return keyed_hash(normalise_id_number(value) if len(value) == 18 else value, pii_key)


def project_snapshot(project: dict | None) -> dict | None:
    """What a desk needs of the project, as registered when the complaint arrived."""
    if project is None:
        return None
    keep = ("name", "division", "sector", "funding", "status", "owner", "general_contractor")
    return {key: project.get(key) for key in keep}


def employer_role(employer: dict, project: dict | None) -> str | None:
    """The employer's part in the project: ``general_contractor`` (施工总承包, who pays
    every worker through the dedicated account, Art 31, and clears a subcontractor's
    arrears first, Art 30), ``owner`` (建设单位), ``other`` (a subcontractor or someone
    the registry does not name), or None when the project is unknown."""
    if project is None:
        return None
    for role in ("general_contractor", "owner"):
        party = project.get(role) or {}
        if employer.get("uscc") and employer["uscc"] == party.get("uscc"):
            return role
        if not employer.get("uscc") and employer["name"].strip() == (party.get("name") or "").strip():
            return role
    return "other"


def new_case(submission: Submission, project: dict | None, *, pii_key: bytes) -> dict:
    """The stored case for a validated ``complaint.filed`` submission.

    The case is held by the complaint's ``division``. When the county that received it
    (the envelope's county) is another, the record shows the first contact transferring
    it there at once (首问负责): the receiving county never has to turn it away.
    """
    payload, county = submission.payload or {}, submission.county
    filed_on = payload["filed_at"].astimezone(SHANGHAI).date()
    names = (payload["complainant"]["name"],)
    history = [_filed_entry(submission, filed_on)]
    if payload["division"] != county:
        history.append(_first_contact_transfer(county, payload["division"], filed_on, submission.received_at))
    return {
        "_id": case_id_of(county, payload["complaint_id"]),
        "county": county, "complaint_id": payload["complaint_id"], "message_id": submission.message_id,
        "channel": payload["channel"], "filed_at": payload["filed_at"].isoformat(),
        "filed_on": filed_on.isoformat(), "month": filed_on.isoformat()[:7],
        "division": payload["division"], "divisions": sorted({county, payload["division"]}),
        "department": HRSS, "status": RECEIVED, "resume_status": None,
        "project_code": payload.get("project_code"), "project": project_snapshot(project),
        "employer": {"name": payload["employer"]["name"], "uscc": payload["employer"].get("uscc")},
        "employer_uscc": payload["employer"].get("uscc"),
        "employer_role": employer_role(payload["employer"], project),
        "complainant": complainant_record(payload["complainant"], pii_key),
        "workers_affected": payload["workers_affected"],
        "amount_claimed_fen": to_fen(payload["amount_claimed"]),
        "description": scrub(payload["description"], names),
        "related": [], "resolution": None,
        "history": history, "version": 1, "pending": [entry["seq"] for entry in history],
        "received_at": submission.received_at, "updated_at": submission.received_at,
    }


def _filed_entry(submission: Submission, filed_on) -> dict:
    payload, county = submission.payload or {}, submission.county
    return {"seq": 1, "action": FILE, "from_status": None, "to_status": RECEIVED,
            "by": f"county system {county} ({payload['channel']})", "at": submission.received_at,
            "on": filed_on.isoformat(), "division": county, "department": HRSS,
            "details": {"channel": payload["channel"], "message_id": submission.message_id}}


def _first_contact_transfer(county: str, division: str, filed_on, at: str) -> dict:
    return {"seq": 2, "action": TRANSFER, "from_status": RECEIVED, "to_status": RECEIVED,
            "by": PLATFORM, "at": at, "on": filed_on.isoformat(), "division": division, "department": HRSS,
            "details": {"from_division": county, "from_department": HRSS, "to_division": division,
                        "to_department": HRSS,
                        "reason": f"首问负责 first contact: received by {county} for {division}"}}
