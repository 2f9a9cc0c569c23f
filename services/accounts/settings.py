"""Accounts settings from the nameko config."""
from __future__ import annotations

from dataclasses import dataclass

from services.accounts.domain import AccountRules
from shared.settings import daily_sweep, pii_key


@dataclass(frozen=True)
class AccountsSettings:
    rules: AccountRules
    pii_key: bytes
    daily_sweep: bool

    @classmethod
    def from_config(cls, config: dict) -> AccountsSettings:
        return cls(rules=AccountRules.from_config(config), pii_key=pii_key(config),
                   daily_sweep=daily_sweep(config))
