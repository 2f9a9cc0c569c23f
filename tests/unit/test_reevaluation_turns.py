"""A project's re-evaluations take turns, so one that read the facts before a change never
resolves what the change raised.

Seen under load in tests/integration/test_accounts_service.py (``...raises_as_of_the_day_it_
arrives``): the accounts service handled the seeding payroll's ``payroll_recorded`` (a
resolve-only re-evaluation) while the project's ``project_changed`` raised
ACCOUNT_NOT_OPENED; the payroll's re-evaluation had read the project while it was still
planned, reconciled last, and resolved the alert at once (the desks got firing, then
resolved).
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import eventlet

from shared.nameko import sweeps

CODE = "430102-2026-0001"


class Alerts:
    """Reconciles as the alerts service does (raise what is reported, unless resolve-only;
    resolve the named projects' open alerts that are not), each call taking its time."""

    def __init__(self, delays: list[float]):
        self.delays = delays
        self.open: set[tuple[str, str]] = set()
        self.told: list[tuple[str, str]] = []

    def reconcile(self, source, types, as_of, reported, project_codes=None, unevaluated=None,
                  resolve_only=False):
        eventlet.sleep(self.delays.pop(0))
        found = {(c["type"], c["project_code"]) for c in reported}
        for key in sorted(self.open - found):
            if key[1] in (project_codes or []):
                self.open.discard(key)
                self.told.append(("resolved", key[0]))
        if not resolve_only:
            for key in sorted(found - self.open):
                self.open.add(key)
                self.told.append(("firing", key[0]))


class Monitor(sweeps.MonitoringSweep):
    """A worker of a monitoring service: owes an account once the project is under way."""
    name = "accounts"
    alert_types = ("ACCOUNT_NOT_OPENED",)

    def __init__(self, project: SimpleNamespace, alerts: Alerts):
        self.project, self.alerts = project, alerts
        self.clock = SimpleNamespace(today=lambda: date(2026, 11, 20))
        self.sweep_settings = SimpleNamespace(flood_limit=50)

    def _evaluate(self, day, isolation, project_codes=None):
        if self.project.status == "planned":
            return []
        return [{"type": "ACCOUNT_NOT_OPENED", "project_code": CODE, "fingerprint": f"ACCOUNT_NOT_OPENED:{CODE}"}]


def test_a_record_arriving_as_the_project_changes_does_not_resolve_what_the_change_raised():
    project = SimpleNamespace(status="planned")
    alerts = Alerts(delays=[0.3, 0.0])   # the payroll's reconcile is slow to reach the alerts service
    payroll_recorded = eventlet.spawn(Monitor(project, alerts).reevaluate, [CODE], resolve_only=True)
    eventlet.sleep(0.05)                 # it has read the project (planned) and is reconciling
    project.status = "under_construction"   # project_changed: the registry's copy is updated ...
    project_changed = eventlet.spawn(Monitor(project, alerts).reevaluate, [CODE], resolve_only=False)
    payroll_recorded.wait()
    project_changed.wait()
    assert alerts.told == [("firing", "ACCOUNT_NOT_OPENED")]     # and nothing resolves it
    assert alerts.open == {("ACCOUNT_NOT_OPENED", CODE)}


def test_other_projects_and_other_services_do_not_wait_for_each_other():
    alerts = Alerts(delays=[0.3, 0.0, 0.0])
    project = SimpleNamespace(status="under_construction")
    slow = eventlet.spawn(Monitor(project, alerts).reevaluate, [CODE], resolve_only=False)
    eventlet.sleep(0.05)
    other = Monitor(project, alerts)
    other.name = "payroll"
    with eventlet.Timeout(0.2):          # not held up by the accounts' slow call
        other.reevaluate([CODE], resolve_only=True)
        Monitor(project, alerts).reevaluate(["430102-2026-0002"], resolve_only=True)
    slow.wait()
    assert sweeps.PROJECT_TURNS._locks == {}   # nothing kept once every turn is over
