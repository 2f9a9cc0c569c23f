"""Which service owns each message type, and the RPC method that stores it.

Every type of the contract has an owner (a test checks each names a real RPC method).
"""
from __future__ import annotations

OWNERS: dict[str, tuple[str, str]] = {
    "project.upsert": ("projects", "register_project"),
    "payroll.paid": ("payroll", "record_payroll"),
    "complaint.filed": ("complaints", "file_complaint"),
    "worker.enrol": ("workers", "enrol_workers"),
    "worker.exit": ("workers", "record_exits"),
    "attendance.batch": ("workers", "record_attendance"),
    "account.opened": ("accounts", "record_account"),
    "allocation.received": ("accounts", "record_allocation"),
    "deposit.paid": ("accounts", "record_deposit"),
}


def owner_of(message_type: str) -> tuple[str, str]:
    return OWNERS[message_type]
