"""The project registry's storage."""
from __future__ import annotations

from datetime import date

import pymongo

from shared.contract.fields import from_fen, to_fen
from shared.divisions import division_prefix

_DATE_FIELDS = ("start_date", "planned_end_date", "actual_end_date", "contract_signed_on", "suspended_on",
                "resumed_on", "signboard_posted_on")


def _to_document(record: dict) -> dict:
    """Mongo stores datetimes, not dates, and no Decimal: dates as ISO text, money in fen."""
    doc = dict(record)
    for name in _DATE_FIELDS:
        doc[name] = doc[name].isoformat() if isinstance(doc.get(name), date) else doc.get(name)
    doc["contract_amount_fen"] = to_fen(doc.pop("contract_amount"))
    monthly = doc.pop("labour_cost_monthly", None)
    doc["labour_cost_monthly_fen"] = None if monthly is None else to_fen(monthly)
    if doc.get("payment_guarantee"):
        g = doc["payment_guarantee"]
        doc["payment_guarantee"] = {"form": g["form"], "amount_fen": to_fen(g["amount"]),
                                    "issued_on": _iso(g["issued_on"])}
    if doc.get("construction_permit"):
        p = doc["construction_permit"]
        doc["construction_permit"] = {"number": p["number"], "issued_on": _iso(p["issued_on"])}
    return doc


def _from_document(doc: dict) -> dict:
    record = {k: v for k, v in doc.items() if k not in ("_id", "contract_amount_fen", "labour_cost_monthly_fen")}
    record.setdefault("changed", [])
    record.setdefault("schema_version", "1")
    for name in _DATE_FIELDS:
        record[name] = date.fromisoformat(doc[name]) if doc.get(name) else None
    record["contract_amount"] = from_fen(doc["contract_amount_fen"])
    monthly = doc.get("labour_cost_monthly_fen")
    record["labour_cost_monthly"] = None if monthly is None else from_fen(monthly)
    guarantee, permit = doc.get("payment_guarantee"), doc.get("construction_permit")
    record["payment_guarantee"] = None if not guarantee else {
        "form": guarantee["form"], "amount": from_fen(guarantee["amount_fen"]),
        "issued_on": date.fromisoformat(guarantee["issued_on"])}
    record["construction_permit"] = None if not permit else {
        "number": permit["number"], "issued_on": date.fromisoformat(permit["issued_on"])}
    record.setdefault("wage_officer", None)
    record.setdefault("suspensions", [])
    return record


def _iso(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


class ProjectRepository:
    def __init__(self, database):
        self.projects = database["projects"]

    def ensure_indexes(self) -> None:
        # _id is the project code (unique province-wide).
        self.projects.create_index([("division", pymongo.ASCENDING)])
        self.projects.create_index([("status", pymongo.ASCENDING)])

    def get(self, project_code: str) -> dict | None:
        doc = self.projects.find_one({"_id": project_code})
        return _from_document(doc) if doc else None

    def get_many(self, project_codes: list[str]) -> dict[str, dict]:
        cursor = self.projects.find({"_id": {"$in": list(project_codes)}})
        return {doc["_id"]: _from_document(doc) for doc in cursor}

    def all(self, division: str | None = None) -> list[dict]:
        """Every project, or those within a division (county, city or province)."""
        query = {"division": {"$regex": f"^{division_prefix(division)}"}} if division else {}
        cursor = self.projects.find(query).sort("_id", pymongo.ASCENDING)
        return [_from_document(doc) for doc in cursor]

    def save(self, record: dict, version: int, changed: list[str]) -> None:
        """Upsert by project code, with what this version changed (so a replay can
        announce the version exactly as the first delivery did); replaying changes nothing."""
        doc = _to_document(record)
        doc["version"] = version
        doc["changed"] = list(changed)
        self.projects.replace_one({"_id": record["project_code"]}, {"_id": record["project_code"], **doc}, upsert=True)
