"""Government- and SOE-funded projects: arrears alerts one colour higher.

Public money carries more duties (Regulation on Guaranteeing Payment of Wages to Migrant
Workers): finance, audit and the sector regulators supervise a government-funded project's
allocations of labour cost to the dedicated account (Art 44), and when a government project
causes arrears, HRSS and the government one level up may summon its leaders (约谈, Art 59).
Raising these alerts one colour is provincial practice (DOMAIN.md: provinces target every
government-funded project paid monthly in full), not an article's words. Each rule raises
the colour itself (severity belongs to the rules), from the lists in ``deploy/config.yml``
(``RULES.public_funding``); who is copied is the alert policy's (``deploy/alert-policy.yml``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contract.alerts import (
    BALANCE_LOW,
    LABOUR_COST_NOT_ALLOCATED,
    PAYROLL_MISSING,
    SEVERITIES,
    WAGES_SHORT,
    WORKER_UNPAID,
    severity_rank,
)

DEFAULT_FUNDING = frozenset({"government", "soe"})
# Wages unpaid, or the money for them missing.
DEFAULT_ARREARS_TYPES = frozenset({
    PAYROLL_MISSING, WORKER_UNPAID, WAGES_SHORT, LABOUR_COST_NOT_ALLOCATED, BALANCE_LOW,
})


def one_colour_higher(severity: str) -> str:
    """blue → yellow → orange → red; red stays red."""
    return SEVERITIES[min(severity_rank(severity) + 1, len(SEVERITIES) - 1)]


@dataclass(frozen=True)
class PublicFunding:
    """``RULES.public_funding: {funding: [...], types: [...]}`` (DOMAIN.md defaults)."""

    funding: frozenset[str] = DEFAULT_FUNDING
    types: frozenset[str] = DEFAULT_ARREARS_TYPES

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PublicFunding:
        section = (config.get("RULES") or {}).get("public_funding") or {}
        return cls(funding=frozenset(section.get("funding", DEFAULT_FUNDING)),
                   types=frozenset(section.get("types", DEFAULT_ARREARS_TYPES)))

    def severity(self, alert_type: str, funding: str | None, severity: str) -> str:
        """The colour of an alert of ``alert_type`` on a project with this funding."""
        if alert_type in self.types and funding in self.funding:
            return one_colour_higher(severity)
        return severity
