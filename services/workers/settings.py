"""Workers settings from the nameko config."""
from __future__ import annotations

from dataclasses import dataclass

from services.workers.reconciliation import ReconciliationRules
from services.workers.site_rules import SiteRules
from shared.settings import daily_sweep, pii_key


@dataclass(frozen=True)
class WorkersSettings:
    reconciliation: ReconciliationRules
    site: SiteRules
    pii_key: bytes
    daily_sweep: bool

    @classmethod
    def from_config(cls, config: dict) -> WorkersSettings:
        return cls(reconciliation=ReconciliationRules.from_config(config), site=SiteRules.from_config(config),
                   pii_key=pii_key(config), daily_sweep=daily_sweep(config))
