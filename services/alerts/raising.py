"""Conditions in, alerts out: a sweep's ``reconcile`` (fire the new, escalate the worse,
resolve what is no longer reported), its what-if ``preview``, ``report`` (raise outside a
sweep) and ``clear`` (resolve what new data cleared)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

from services.alerts.domain import ESCALATE, KEEP, RAISE, RERAISE, decide, higher_level, routes, to_resolve
from services.alerts.publication import Publication
from services.alerts.views import planned, summary
from shared.calendar import SHANGHAI, now_iso
from shared.internal import Condition

Plan = tuple[str, dict[str, Any] | None, dict[str, Any], list[dict[str, Any]]]


def _as_stored(conditions: list[Condition], **extra: str) -> list[dict[str, Any]]:
    """Conditions as the lifecycle rules and the repository read them."""
    return [{**asdict(c), **extra} for c in conditions]


@dataclass
class Conditions:
    out: Publication

    def reconcile(self, source: str, types: list[str], as_of: str, reported: list[Condition],
                  project_codes: list[str] | None = None, unevaluated: list[str] | None = None,
                  resolve_only: bool = False) -> dict[str, Any]:
        """Make the open alerts of ``types`` match what a sweep as of ``as_of`` reported:
        fire the new, escalate the worse, resolve the ones no longer reported (only those of
        ``project_codes`` when given; never those of ``unevaluated`` subjects;
        ``resolve_only``: raise nothing)."""
        # The acknowledgement clock of what this sweep raises starts on its date, never
        # before now: a sweep as of a later date does not escalate what it just raised.
        clock_from = max(self.out.clock.now_iso(),
                         now_iso(datetime.combine(date.fromisoformat(as_of), time(0), SHANGHAI)))
        cleared = self._cleared(source, types, reported, project_codes, unevaluated)
        with self.out.desks_told_once() as changed:
            raised = [] if resolve_only else [
                a for a in (self._apply(c, changed) for c in _as_stored(reported, clock_from=clock_from)) if a]
            resolved = [a for a in (self.out.resolve(fp, f"not reported by the {source} sweep as of {as_of}", changed)
                                    for fp in sorted(cleared)) if a]
        return {"source": source, "as_of": as_of, "reported": len(reported),
                "raised": [summary(a) for a in raised], "resolved": [summary(a) for a in resolved]}

    def preview(self, source: str, types: list[str], as_of: str, reported: list[Condition],
                unevaluated: list[str] | None = None) -> dict[str, Any]:
        """What ``reconcile`` would raise and resolve, changing and publishing nothing."""
        plans = [plan for plan in map(self._plan, _as_stored(reported)) if plan[0] != KEEP]
        cleared = self._cleared(source, types, reported, None, unevaluated)
        return {"source": source, "as_of": as_of, "reported": len(reported), "what_if": True,
                "raised": [planned(*plan) for plan in plans],
                "resolved": [summary(a) for a in self.out.repository.by_fingerprints(sorted(cleared))]}

    def report(self, source: str, reported: list[Condition]) -> dict[str, Any]:
        """Raise (or escalate) conditions found outside a sweep; resolves nothing."""
        with self.out.desks_told_once() as changed:
            raised = [a for a in (self._apply(c, changed) for c in _as_stored(reported)) if a]
        return {"source": source, "raised": [summary(a) for a in raised]}

    def clear(self, source: str, fingerprints: list[str], reason: str) -> dict[str, Any]:
        """Resolve open alerts whose condition the data has cleared."""
        with self.out.desks_told_once() as changed:
            resolved = [a for a in (self.out.resolve(fp, reason, changed) for fp in fingerprints) if a]
        return {"source": source, "resolved": [summary(a) for a in resolved]}

    def _cleared(self, source: str, types: list[str], reported: list[Condition], project_codes: list[str] | None,
                 unevaluated: list[str] | None) -> set[str]:
        return to_resolve(self.out.repository.open_fingerprints(types, project_codes),
                          {c.fingerprint for c in reported}, source, unevaluated)

    def _plan(self, condition: dict[str, Any]) -> Plan:
        """What a reported condition does to its alert, and the desks it would reach."""
        existing = self.out.repository.get(condition["fingerprint"])
        action = decide(existing, condition)
        if action == KEEP:
            return action, existing, condition, []
        if action == ESCALATE:  # an alert never comes down a level while it is open
            assert existing is not None
            condition = {**condition, "level": higher_level(existing["level"], condition["level"])}
        departments = self.out.policy.routing.departments(
            condition["type"], condition.get("sector"), condition.get("funding"),
            severity=condition["severity"], division=condition["division"], level=condition["level"],
            project_code=condition.get("project_code"), month=condition.get("month"), p1=condition.get("p1"))
        return action, existing, condition, routes(departments, condition["division"], condition["level"])

    def _apply(self, condition: dict[str, Any], changed: list[dict[str, Any]]) -> dict[str, Any] | None:
        action, existing, condition, desks = self._plan(condition)
        now, repository = self.out.clock.now_iso(), self.out.repository
        if action == RAISE:
            return self.out.publish(repository.raise_new(condition, desks, now), changed)
        assert existing is not None
        if action == ESCALATE:
            return self.out.publish(repository.escalate(existing, condition, desks, now), changed)
        if action == RERAISE:
            return self.out.publish(repository.reraise(existing, condition, desks, now), changed)
        return None
