"""Complaint settings from the nameko config."""
from __future__ import annotations

from dataclasses import dataclass

from services.complaints.rules import ComplaintRules
from shared.settings import daily_sweep, pii_key
from shared.workdays import WorkingCalendar


@dataclass(frozen=True)
class ComplaintSettings:
    rules: ComplaintRules
    calendar: WorkingCalendar
    pii_key: bytes
    daily_sweep: bool

    @classmethod
    def from_config(cls, config: dict) -> ComplaintSettings:
        return cls(rules=ComplaintRules.from_config(config), calendar=WorkingCalendar.from_config(config),
                   pii_key=pii_key(config), daily_sweep=daily_sweep(config))
