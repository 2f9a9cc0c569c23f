"""Which desks an alert goes to: the routing table is configuration, not code.

County first (属地管理): an alert goes to its county's desk of each responsible
department. Routes are read in order, as in Alertmanager's routing tree: the first
matching route without ``continue`` owns the alert and ends the walk; a matching route
with ``continue: true`` adds copies and the walk goes on. The owner's departments come
first, then the copies. A receiver ``sector`` means the project's sector department.

The default table follows the contract: housing and municipal projects to housing, water
to water, transport and railway to transport, energy to development, other to hrss;
complaints to hrss and, when the project is known, also to its sector's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.alerts.matchers import matches
from shared.contract.alerts import HRSS

SECTOR = "sector"  # the receiver that stands for the project's sector department
DEFAULT_SECTORS = {
    "housing": "housing", "municipal": "housing", "water": "water", "transport": "transport",
    "railway": "transport", "energy": "development", "other": "hrss",
}


@dataclass(frozen=True)
class Route:
    receivers: tuple[str, ...]
    match: dict[str, tuple] = field(default_factory=dict)
    carry_on: bool = False          # ``continue: true`` in the policy file
    name: str = ""


@dataclass(frozen=True)
class RoutingTable:
    routes: tuple[Route, ...] = (Route((SECTOR,), name="by sector"),)
    sectors: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SECTORS))
    fallback: str = HRSS  # for an alert with no known sector

    def departments(self, alert_type: str, sector: str | None, funding: str | None = None,
                    **labels) -> list[str]:
        """The departments that receive an alert, primary first, each once."""
        owner, copies = self.walk({**labels, "type": alert_type, "sector": sector, "funding": funding})
        chosen = [d for route in (owner, *copies) if route for d in self.receivers(route, sector)]
        return list(dict.fromkeys(chosen)) or [self.fallback]

    def walk(self, labels: dict) -> tuple[Route | None, list[Route]]:
        """(the owning route, the copy routes) that match an alert's labels."""
        copies: list[Route] = []
        for route in self.routes:
            if matches(route.match, labels):
                if not route.carry_on:
                    return route, copies
                copies.append(route)
        return None, copies

    def receivers(self, route: Route, sector: str | None) -> list[str]:
        return [self.sector_department(sector) if r == SECTOR else r for r in route.receivers]

    def sector_department(self, sector: str | None) -> str:
        return self.sectors.get(sector, self.fallback) if sector else self.fallback

