"""Payroll settings from the nameko config."""
from __future__ import annotations

from dataclasses import dataclass

from services.payroll.domain import PayrollRules
from shared.settings import daily_sweep, pii_key


@dataclass(frozen=True)
class PayrollSettings:
    rules: PayrollRules
    pii_key: bytes
    daily_sweep: bool

    @classmethod
    def from_config(cls, config: dict) -> PayrollSettings:
        return cls(rules=PayrollRules.from_config(config), pii_key=pii_key(config),
                   daily_sweep=daily_sweep(config))
