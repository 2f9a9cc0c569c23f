"""The sweep every monitoring service runs: on demand (``sweep`` over RPC, what
``wagewatch sweep`` calls), once a day, and for one project when its records change."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from eventlet.semaphore import Semaphore
from nameko.rpc import rpc
from nameko.timer import timer

from shared.contract.alerts import RULE_FAILED
from shared.internal import ProjectEvent
from shared.nameko.providers import Settings
from shared.projects import changed_project
from shared.sweeps import Isolation, SweepRefused, SweepSettings, backwards_refusal, fold_flood
from shared.sweeps import project_subject as project_subject  # re-exported: where services import it from

if TYPE_CHECKING:
    from shared.nameko.providers import Clock
    from shared.sweeps import SweepLog

log = logging.getLogger(__name__)


class _SweepingSettings(Protocol):
    daily_sweep: bool


class ProjectTurns:
    """One re-evaluation of a project at a time, per service, in this process.

    A re-evaluation reads the project's facts, then asks the alerts service to make the
    open alerts match them. Two of them at once (a payroll's ``payroll_recorded`` and the
    project's ``project_changed``, on queues of their own) could cross: the one that read
    the facts before the change reconciled after the other had raised, and resolved the
    alert the change had just raised (seen under load in the accounts service:
    ACCOUNT_NOT_OPENED raised, then resolved at once). In turns, whichever comes second
    reads the facts as the first left them. Instances in other processes are not covered."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], Semaphore] = {}
        self._users: Counter[tuple[str, str]] = Counter()

    @contextmanager
    def of(self, service: str, project_codes: list[str]) -> Iterator[None]:
        keys = sorted({(service, code) for code in project_codes})   # one order: no deadlock
        for key in keys:
            self._users[key] += 1
            self._locks.setdefault(key, Semaphore())
        held: list[tuple[str, str]] = []
        try:
            for key in keys:
                self._locks[key].acquire()
                held.append(key)
            yield
        finally:
            for key in reversed(held):
                self._locks[key].release()
            for key in keys:
                self._users[key] -= 1
                if not self._users[key]:
                    del self._users[key]
                    del self._locks[key]


PROJECT_TURNS = ProjectTurns()


class MonitoringSweep:
    """Mixed into a monitoring service that has ``name``, ``alert_types``, ``settings.daily_sweep``,
    ``clock``, ``alerts`` (RpcProxy), ``_sweep_log()`` (its :class:`shared.sweeps.SweepLog`) and
    ``_evaluate(day, isolation, project_codes=None)``: the conditions of its rules as of a
    day, for every project (or those named), each subject run through ``isolation``.

    A sweep skips (and reports) a subject its rules cannot evaluate, folds a flood of one
    rule on one project into one summary alert, and as a what-if changes nothing.

    A service names it ``sweeps.MonitoringSweep`` (``from shared.nameko import sweeps``), never
    imports the class itself: ``nameko run services.<name>.service`` takes every class of
    the module that has an entrypoint for a service, and this one has several."""

    # What the service mixing this in has (declared for the type checker only: each is the
    # service's own class attribute or method).
    name: str
    alert_types: tuple[str, ...]
    settings: _SweepingSettings
    clock: Clock
    alerts: Any         # the alerts service's RpcProxy (nameko is untyped)

    if TYPE_CHECKING:
        def _sweep_log(self) -> SweepLog: ...

        def _evaluate(self, day: date, isolation: Isolation,
                      project_codes: list[str] | None = None) -> list[dict[str, Any]]: ...

    sweep_settings = Settings(SweepSettings.from_config)

    @rpc(expected_exceptions=SweepRefused)
    def sweep(self, as_of: str, what_if: bool = False, force: bool = False) -> dict[str, Any]:
        """Run every rule as of a date. A real sweep raises and resolves alerts, and may not
        be older than the last real one unless ``force``; ``what_if`` says what it would
        raise and resolve, publishing and recording nothing."""
        sweeps = self._sweep_log()
        refusal = None if what_if else backwards_refusal(sweeps.latest_as_of(), as_of, force)
        if refusal:
            raise SweepRefused(f"{self.name}: {refusal}")
        isolation = Isolation(self.name)
        conditions = self._conditions(date.fromisoformat(as_of), isolation)
        types, skipped = [*self.alert_types, RULE_FAILED], isolation.unevaluated()
        if what_if:
            outcome = self.alerts.preview(self.name, types, as_of, conditions, unevaluated=skipped)
        else:
            sweeps.record(as_of, self.clock.now_iso())
            outcome = self.alerts.reconcile(self.name, types, as_of, conditions, unevaluated=skipped)
            self._after_sweep(outcome, conditions, date.fromisoformat(as_of))
        if isolation.failures:
            log.warning("%s sweep as of %s: %d subject(s) skipped, each reported as %s", self.name, as_of,
                        len(isolation.failures), RULE_FAILED)
        return {**outcome, "what_if": what_if, "skipped": [f.as_dict() for f in isolation.failures.values()]}

    def reevaluate(self, project_codes: list[str], resolve_only: bool) -> None:
        """Re-evaluate projects now, as of today (the platform's clock): a registry change
        raises and resolves; a new record (``resolve_only``) can only show that a duty was
        met, so it resolves what no longer holds and raises nothing (no false alert while a
        county sends a project's records one after another)."""
        with PROJECT_TURNS.of(self.name, project_codes):   # reads and reconciles in turn
            today = self.clock.today()
            isolation = Isolation(self.name)
            conditions = self._conditions(today, isolation, project_codes)
            self.alerts.reconcile(self.name, [*self.alert_types, RULE_FAILED], today.isoformat(), conditions,
                                  project_codes=project_codes, unevaluated=isolation.unevaluated(),
                                  resolve_only=resolve_only)

    def project_changed(self, event: ProjectEvent) -> None:
        """A ``project_changed`` event: a change to what the project owes re-evaluates it."""
        code = changed_project(event)
        if code is not None:
            self.reevaluate([code], resolve_only=False)

    def _conditions(self, day: date, isolation: Isolation, project_codes: list[str] | None = None) -> list[dict[str, Any]]:
        found = fold_flood(self._evaluate(day, isolation, project_codes), self.sweep_settings.flood_limit)
        return found + isolation.conditions(day.isoformat())

    def _after_sweep(self, outcome: dict[str, Any], conditions: list[dict[str, Any]], day: date) -> None:
        """A service's follow-up to a real sweep (none by default)."""

    @timer(interval=60)
    def sweep_daily(self) -> None:
        """Run the sweep once a day with today's date. Every instance asks each minute; the
        SweepLog's claim lets exactly one run the day, so two instances never sweep the same
        day twice (tests/e2e/test_scale_out.py)."""
        if self.settings.daily_sweep:
            today = self.clock.today().isoformat()
            if self._sweep_log().claim(today):
                try:
                    self.sweep(today)
                except SweepRefused as refused:
                    log.warning("daily sweep not run: %s", refused)
