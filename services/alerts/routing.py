"""Which desks an alert goes to: the routing table is configuration, not code.

County first (属地管理): an alert goes to its county's desk of each responsible
department. The default table follows the contract: housing and municipal projects to
housing, water to water, transport and railway to transport, energy to development,
other to hrss; complaints to hrss and, when the project is known, also to its sector's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.contract.alerts import HRSS

DEFAULT_SECTORS = {
    "housing": "housing", "municipal": "housing", "water": "water", "transport": "transport",
    "railway": "transport", "energy": "development", "other": "hrss",
}
DEFAULT_BY_TYPE = {
    "COMPLAINT_FILED": {"departments": [HRSS], "with_sector": True},
    "COMPLAINT_OVERDUE": {"departments": [HRSS], "with_sector": True},
}


@dataclass(frozen=True)
class TypeRoute:
    departments: tuple[str, ...] = ()
    with_sector: bool = True


@dataclass(frozen=True)
class CopyRule:
    """Also send alerts of ``types`` (all when empty) on projects with one of ``funding``
    (any when empty) to ``departments``: e.g. arrears on government-funded projects to
    development (发改), Regulation Arts 44 and 59."""

    departments: tuple[str, ...]
    types: frozenset[str] = frozenset()
    funding: frozenset[str] = frozenset()

    def applies(self, alert_type: str, funding: str | None) -> bool:
        return ((not self.types or alert_type in self.types)
                and (not self.funding or funding in self.funding))


@dataclass(frozen=True)
class RoutingTable:
    sectors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SECTORS))
    by_type: dict[str, TypeRoute] = field(default_factory=dict)
    copies: tuple[CopyRule, ...] = ()
    fallback: str = HRSS  # for an alert with no known sector

    @classmethod
    def from_config(cls, config: dict) -> "RoutingTable":
        table = config.get("ALERT_ROUTING") or {}
        by_type = {**DEFAULT_BY_TYPE, **(table.get("by_type") or {})}
        return cls(
            sectors={**DEFAULT_SECTORS, **(table.get("sectors") or {})},
            by_type={name: TypeRoute(tuple(r.get("departments", ())), bool(r.get("with_sector", True)))
                     for name, r in by_type.items()},
            copies=tuple(CopyRule(tuple(c["departments"]), frozenset(c.get("types") or ()),
                                  frozenset(c.get("funding") or ())) for c in table.get("copies") or ()),
            fallback=table.get("fallback", HRSS),
        )

    def departments(self, alert_type: str, sector: str | None, funding: str | None = None) -> list[str]:
        """The departments that receive an alert, primary first, each once."""
        route = self.by_type.get(alert_type, TypeRoute())
        chosen = list(route.departments)
        if route.with_sector:
            chosen.append(self.sectors.get(sector, self.fallback) if sector else self.fallback)
        for copy in self.copies:
            if copy.applies(alert_type, funding):
                chosen.extend(copy.departments)
        return list(dict.fromkeys(chosen)) or [self.fallback]
