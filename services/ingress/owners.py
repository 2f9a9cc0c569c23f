"""Which service owns each message type, and the RPC method that stores it.

A type with no owner yet is answered ``rejected`` ("not supported yet").
"""
from __future__ import annotations

OWNERS: dict[str, tuple[str, str]] = {
    "project.upsert": ("projects", "register_project"),
    "payroll.paid": ("payroll", "record_payroll"),
    "account.opened": ("accounts", "record_account"),
    "allocation.received": ("accounts", "record_allocation"),
    "deposit.paid": ("accounts", "record_deposit"),
}


def owner_of(message_type: str) -> tuple[str, str] | None:
    return OWNERS.get(message_type)
