"""What a desk does with an alert that reaches it: acknowledge (签收) it, which stops its
escalation clock, or resolve (办结) it with an outcome. Refusals raise RequestRefused or
RequestInvalid (shared/errors.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.alerts.desks import reaches
from services.alerts.domain import OUTCOMES
from services.alerts.publication import Publication
from services.alerts.views import view
from shared.contract.alerts import FIRING
from shared.errors import RequestInvalid, RequestRefused


@dataclass
class DeskActions:
    out: Publication

    def acknowledge(self, fingerprint: str, desk: dict[str, Any], by: str, note: str | None = None) -> dict[str, Any]:
        """Acknowledge (签收) an open alert that reaches the desk: its escalation clock stops."""
        alert = self.out.repository.acknowledge(fingerprint, desk, by, note, self.out.clock.now_iso())
        if alert is None:
            raise RequestRefused(self._why_not(fingerprint, desk, "acknowledged"))
        with self.out.desks_told_once() as changed:
            return view(self.out.announce(alert, changed))

    def resolve(self, fingerprint: str, desk: dict[str, Any], by: str, outcome: str, note: str | None = None) -> dict[str, Any]:
        """Resolve (办结) an open alert with an outcome; published as ``resolved``. If the
        rule still finds the condition at its next sweep, the alert fires again."""
        if outcome not in OUTCOMES:
            raise RequestInvalid({"outcome": [f"unknown outcome {outcome!r}; use one of: {', '.join(OUTCOMES)}."]})
        reason = f"resolved by {by}: {OUTCOMES[outcome]}" + (f" ({note})" if note else "")
        with self.out.desks_told_once() as changed:
            alert = self.out.resolve(fingerprint, reason, changed, by=by, outcome=outcome, desk=desk)
        if alert is None:
            raise RequestRefused(self._why_not(fingerprint, desk, "resolved"))
        return view(alert)

    def _why_not(self, fingerprint: str, desk: dict[str, Any], verb: str) -> str:
        alert = self.out.repository.get(fingerprint)
        if alert is None or not reaches(alert, desk):
            return f"no alert {fingerprint} reaches {desk['department']}@{desk['division']}"
        if alert["status"] != FIRING:
            return f"alert {fingerprint} is already resolved"
        return f"alert {fingerprint} was already {verb} by {alert.get('acknowledged_by')}"
