"""Workers settings from the nameko config."""
from __future__ import annotations

from dataclasses import dataclass

from services.workers.reconciliation import ReconciliationRules
from services.workers.site_rules import SiteRules
from shared.settings import daily_sweep, pii_key
from shared.workdays import WorkingCalendar


@dataclass(frozen=True)
class WorkersSettings:
    reconciliation: ReconciliationRules
    site: SiteRules
    pii_key: bytes
    daily_sweep: bool
    calendar: WorkingCalendar = WorkingCalendar()   # working days for the minimum-wage check

    @classmethod
    def from_config(cls, config: dict) -> WorkersSettings:
        return cls(reconciliation=ReconciliationRules.from_config(config), site=SiteRules.from_config(config),
                   pii_key=pii_key(config), daily_sweep=daily_sweep(config),
                   calendar=WorkingCalendar.from_config(config))
