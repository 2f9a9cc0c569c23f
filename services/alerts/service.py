"""alerts: turns monitoring conditions into alerts, one open alert per fingerprint,
publishes each to its department desks on ``wagewatch.alerts``, and runs the alert
lifecycle desks work with: acknowledgement, escalation of what nobody acknowledged,
resolution by an operator, silences, and grouped notifications.

The use cases are in ``app.py``; this class only reads each entrypoint's arguments and
calls them. Refusals (shared/errors.py) reach RPC callers as expected exceptions."""
from __future__ import annotations

from datetime import date

from nameko.events import EventDispatcher
from nameko.messaging import Publisher
from nameko.rpc import rpc
from nameko.timer import timer

from services.alerts.app import Alerts
from services.alerts.domain import OUTCOMES
from services.alerts.notify import notifications_exchange
from services.alerts.policy import AlertPolicy
from services.alerts.repository import AlertRepository
from services.alerts.views import summary
from shared.contract.alerts import FIRING
from shared.contract.topology import alerts_exchange
from shared.errors import RequestInvalid, RequestRefused
from shared.internal import CONDITIONS_CLEARED, Condition, ConditionsCleared
from shared.nameko.events import reliable_event_handler
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings
from shared.workdays import WorkingCalendar

REFUSALS = (RequestRefused, RequestInvalid)


class AlertsService:
    name = "alerts"

    repository = Repository(AlertRepository)
    health = HealthCheck()
    policy = Settings(AlertPolicy.from_config)
    calendar = Settings(WorkingCalendar.from_config)
    clock = ClockProvider()
    publish_alert = Publisher(exchange=alerts_exchange)
    publish_notification = Publisher(exchange=notifications_exchange)
    dispatch = EventDispatcher()

    @property
    def app(self) -> Alerts:
        """The use cases, wired to this worker's dependencies."""
        return Alerts(self.repository, self.policy, self.calendar, self.clock,
                      self.publish_alert, self.publish_notification, self.dispatch)

    # --- conditions from the monitoring rules -------------------------------------------
    @rpc
    def reconcile(self, source: str, types: list[str], as_of: str, conditions: list[dict],
                  project_codes: list[str] | None = None, unevaluated: list[str] | None = None,
                  resolve_only: bool = False) -> dict:
        """Make the open alerts of ``types`` match what a sweep as of ``as_of`` reported.

        With ``project_codes``, only those projects were evaluated (e.g. one project whose
        data or registry entry changed): only their open alerts of ``types`` may resolve.
        ``unevaluated``: subjects (project codes, case ids) the sweep had to skip; their
        open alerts stay as they are. ``resolve_only``: a record arrived, which can only
        show that a duty was met: resolve what no longer holds, raise nothing."""
        return self.app.conditions.reconcile(source, types, as_of, Condition.load_many(conditions),
                                  project_codes, unevaluated, resolve_only)

    @rpc
    def preview(self, source: str, types: list[str], as_of: str, conditions: list[dict],
                unevaluated: list[str] | None = None) -> dict:
        """What ``reconcile`` would raise and resolve, changing and publishing nothing (a
        what-if sweep)."""
        return self.app.conditions.preview(source, types, as_of, Condition.load_many(conditions), unevaluated)

    @rpc
    def report(self, source: str, conditions: list[dict]) -> dict:
        """Raise (or escalate) conditions found outside a sweep, e.g. a complaint as it
        arrives. Unlike ``reconcile`` it resolves nothing."""
        return self.app.conditions.report(source, Condition.load_many(conditions))

    @rpc
    def clear(self, source: str, fingerprints: list[str], reason: str) -> dict:
        """Resolve open alerts whose condition the data has cleared."""
        return self.app.conditions.clear(source, fingerprints, reason)

    # Data that clears a condition resolves its alert at once, not at the next sweep.
    # A malformed event is parked at once; a failure (storage away) is retried a few
    # times, then the event is parked (shared/nameko/events.py).
    @reliable_event_handler("payroll", CONDITIONS_CLEARED)
    def handle_payroll_conditions_cleared(self, body):
        cleared = ConditionsCleared.load(body)
        self.app.conditions.clear("payroll", cleared.fingerprints, cleared.reason)

    # --- the lifecycle desks work with ----------------------------------------------------
    @rpc(expected_exceptions=REFUSALS)
    def acknowledge(self, fingerprint: str, department: str, division: str, by: str, note: str | None = None) -> dict:
        """Acknowledge (签收) an open alert that reaches the desk; RequestRefused if it cannot be."""
        return {"alert": self.app.desk_actions.acknowledge(fingerprint, _desk(department, division), by, note)}

    @rpc(expected_exceptions=REFUSALS)
    def resolve(self, fingerprint: str, department: str, division: str, by: str, outcome: str,
                note: str | None = None) -> dict:
        """Resolve (办结) an open alert with an outcome (RequestInvalid for an unknown one)."""
        return {"alert": self.app.desk_actions.resolve(fingerprint, _desk(department, division), by, outcome, note)}

    @rpc
    def sweep(self, as_of: str, what_if: bool = False, force: bool = False) -> dict:
        """Escalate every red or orange alert not acknowledged in time, as of a date
        (``what_if``: say which would be escalated, changing nothing). Escalation never goes
        back down, so an older date needs no ``force``."""
        escalated = self.app.escalation.escalate_overdue(date.fromisoformat(as_of), what_if)
        return {"source": "alerts", "as_of": as_of, "reported": 0, "raised": [], "resolved": [],
                "escalated": [summary(a) for a in escalated], "what_if": what_if}

    @timer(interval=60)
    def escalate_overdue(self):
        """The acknowledgement clock, checked every minute with today's date."""
        self.app.escalation.escalate_overdue(self.clock.today())

    # --- silences -------------------------------------------------------------------------
    @rpc(expected_exceptions=REFUSALS)
    def silence(self, matchers: dict, created_by: str, reason: str, ends_at: str,
                starts_at: str | None = None) -> dict:
        """Mute notifications of matching alerts (RequestInvalid names a wrong field)."""
        return {"silence": self.app.silences.silence(matchers, created_by, reason, ends_at, starts_at)}

    @rpc(expected_exceptions=REFUSALS)
    def expire_silence(self, silence_id: str, by: str, department: str | None = None,
                       division: str | None = None) -> dict:
        """End a silence now. A desk may end only silences made for it."""
        desk = _desk(department, division) if department else None
        return {"silence": self.app.silences.expire_silence(silence_id, by, desk)}

    @rpc
    def silences(self, department: str | None = None, division: str | None = None) -> list[dict]:
        return self.app.silences.silences(department, division)

    @timer(interval=30)
    def notice_silences_ending(self):
        """A silence that ran out lets its alerts be notified again."""
        self.app.silences.notice_silences_ending()

    # --- what desks are told --------------------------------------------------------------
    @timer(interval=1)
    def notify_desks(self):
        """Send every group notification that is due (one instance per group)."""
        self.app.publication.desks.send_due()

    # --- reading ----------------------------------------------------------------------------
    @rpc
    def list_alerts(self, status: str | None = FIRING, types: list[str] | None = None,
                    division: str | None = None) -> list[dict]:
        return self.app.views.list_alerts(status, types, division)

    @rpc
    def desk_alerts(self, department: str, division: str, status: str | None = None,
                    project_code: str | None = None, since: str | None = None) -> list[dict]:
        """The alerts that reach one desk, each with its lifecycle and why it is muted."""
        return self.app.views.desk_alerts(_desk(department, division), status, project_code, since)

    @rpc
    def outcomes(self) -> dict[str, str]:
        """The outcomes an operator may resolve an alert with (code → 中文)."""
        return dict(OUTCOMES)

    @rpc
    def project_departments(self, sector: str | None, funding: str | None) -> list[str]:
        """Departments that receive a project's alerts (monitoring rules or complaints)."""
        return self.app.views.project_departments(sector, funding)

    @rpc
    def desk_notifications(self, department: str, division: str, limit: int = 50) -> list[dict]:
        return self.app.views.desk_notifications(_desk(department, division), limit)

    @timer(interval=15)
    def relay_unpublished(self):
        """Publish changes whose publisher died between storing and publishing them."""
        self.app.publication.relay_unpublished()


def _desk(department: str, division: str | None) -> dict:
    return {"department": department, "division": division}
