"""Who talks to whom inside the platform, in one table: for each service, the RPC methods
it offers and calls, the events it emits and the events it handles (with the handler).

The code says the same thing in decorators and proxies spread over eight packages; this
table is what a reader (or a tool) reads instead. ``tests/unit/test_topology.py`` fails
when the two disagree, so a new ``@rpc``, ``RpcProxy`` call, ``dispatch`` or event handler
goes here too. From it come the durable queues of the internal events in
``deploy/rabbitmq/definitions.json`` (``wagewatch.definitions``) and the picture in
docs/development.md (``make topology``).

Not here: the public contract (county messages in, receipts, alerts and notifications out:
``shared.contract.topology``), the console's HTTP pages, the operator's command line, and
the console's configurable coverage call (``CONSOLE.coverage``, by name at run time).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from shared.internal import (
    ACCOUNT_RECORDED,
    ALERT_CHANGED,
    ALLOCATION_RECORDED,
    COMPLAINT_ACCEPTED,
    COMPLAINT_CLOSED,
    COMPLAINT_DEADLINE_EXTENDED,
    COMPLAINT_INVESTIGATION_STARTED,
    COMPLAINT_PAYMENT_ORDERED,
    COMPLAINT_PAYMENT_RECORDED,
    COMPLAINT_RECEIVED,
    COMPLAINT_REFUSED,
    COMPLAINT_REOPENED,
    COMPLAINT_RESOLVED,
    COMPLAINT_RESUMED,
    COMPLAINT_SUSPENDED,
    COMPLAINT_TRANSFERRED,
    CONDITIONS_CLEARED,
    DEPOSIT_RECORDED,
    DESK_NOTIFIED,
    PAYROLL_RECORDED,
    PROJECT_CHANGED,
    PROJECT_REGISTERED,
    SILENCES_CHANGED,
)


@dataclass(frozen=True)
class Handles:
    """A service's handler of another's (or its own) event."""

    source: str
    event: str
    method: str
    broadcast: bool = False   # every instance gets it, nothing kept (nameko BROADCAST); otherwise
    #                           reliable_event_handler: one durable queue, retried, then parked


@dataclass(frozen=True)
class Service:
    name: str
    offers: tuple[str, ...] = ()                                       # @rpc methods
    calls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # service -> its RPC methods called
    emits: tuple[str, ...] = ()                                        # events dispatched
    handles: tuple[Handles, ...] = ()

    def reliable(self) -> list[Handles]:
        """The handlers that read a durable queue of their own."""
        return [h for h in self.handles if not h.broadcast]


def _handled(source: str, *events: str) -> tuple[Handles, ...]:
    """Handlers named after the event, as the services name them: ``handle_<event>``."""
    return tuple(Handles(source, event, f"handle_{event}") for event in events)


MONITOR_RPC = ("sweep",)   # shared.nameko.sweeps.MonitoringSweep
SWEEP_CALLS = ("reconcile", "preview")   # the sweep reconciles (or previews, what-if) its conditions
# A service's local copy of the registry (shared.nameko.registry) asks projects only to fill an
# empty copy once and about a code it does not know yet; project events keep it current.
REGISTRY_CALLS = ("get_projects", "list_projects")
REGISTRY_FEED = _handled("projects", PROJECT_CHANGED, PROJECT_REGISTERED)

COMPLAINT_EVENTS = (
    COMPLAINT_RECEIVED, COMPLAINT_ACCEPTED, COMPLAINT_REFUSED, COMPLAINT_INVESTIGATION_STARTED,
    COMPLAINT_SUSPENDED, COMPLAINT_RESUMED, COMPLAINT_RESOLVED, COMPLAINT_CLOSED, COMPLAINT_TRANSFERRED,
    COMPLAINT_REOPENED, COMPLAINT_DEADLINE_EXTENDED, COMPLAINT_PAYMENT_ORDERED, COMPLAINT_PAYMENT_RECORDED,
)

SERVICES: tuple[Service, ...] = (
    Service(
        "projects",
        offers=("register_project", "get_projects", "list_projects"),
        emits=(PROJECT_REGISTERED, PROJECT_CHANGED),
    ),
    Service(
        "payroll",
        offers=("record_payroll", "payroll_lines", "month_totals", "paid_to_date", "project_months", *MONITOR_RPC),
        calls={"projects": REGISTRY_CALLS, "alerts": SWEEP_CALLS},
        emits=(PAYROLL_RECORDED, CONDITIONS_CLEARED),
        handles=REGISTRY_FEED,
    ),
    Service(
        "workers",
        offers=("enrol_workers", "record_exits", "record_attendance", "roster", "attendance_summary",
                "enrolment_counts", *MONITOR_RPC),
        calls={"projects": REGISTRY_CALLS, "payroll": ("payroll_lines",),
               "alerts": ("clear", *SWEEP_CALLS)},
        handles=(*_handled("payroll", PAYROLL_RECORDED), *REGISTRY_FEED),
    ),
    Service(
        "accounts",
        offers=("record_account", "record_allocation", "record_deposit", "get_account", "coverage",
                "project_coverage", *MONITOR_RPC),
        calls={"projects": REGISTRY_CALLS, "payroll": ("month_totals",),
               "workers": ("enrolment_counts",), "alerts": ("list_alerts", *SWEEP_CALLS)},
        emits=(ACCOUNT_RECORDED, ALLOCATION_RECORDED, DEPOSIT_RECORDED),
        handles=(*_handled("accounts", ACCOUNT_RECORDED, ALLOCATION_RECORDED, DEPOSIT_RECORDED),
                 *_handled("payroll", PAYROLL_RECORDED), *REGISTRY_FEED),
    ),
    Service(
        "alerts",
        offers=("reconcile", "preview", "report", "clear", "acknowledge", "resolve", "list_alerts", "desk_alerts",
                "desk_notifications", "outcomes", "project_departments", "silence", "silences",
                "expire_silence", *MONITOR_RPC),
        emits=(ALERT_CHANGED, DESK_NOTIFIED, SILENCES_CHANGED),
        handles=(Handles("payroll", CONDITIONS_CLEARED, "handle_payroll_conditions_cleared"),),
    ),
    Service(
        "complaints",
        offers=("file_complaint", "accept", "refuse", "investigate", "suspend", "resume", "resolve", "close",
                "transfer", "reopen", "extend", "order_payment", "record_payment", "get_case", "list_cases",
                "figures", *MONITOR_RPC),
        calls={"projects": REGISTRY_CALLS, "alerts": ("report", "clear", *SWEEP_CALLS)},
        emits=COMPLAINT_EVENTS,
        handles=REGISTRY_FEED,
    ),
    Service(
        "ingress",   # hands each county message to its owner (services/ingress/owners.py)
        offers=("quarantined", "quarantined_sealed"),
        calls={"projects": ("register_project",), "payroll": ("record_payroll",),
               "complaints": ("file_complaint",), "workers": ("enrol_workers", "record_exits", "record_attendance"),
               "accounts": ("record_account", "record_allocation", "record_deposit")},
    ),
    Service(
        "console",
        offers=("add_account", "disable_account", "list_accounts", "set_password"),
        calls={"alerts": ("desk_alerts", "desk_notifications", "acknowledge", "resolve", "outcomes",
                          "project_departments", "silence", "silences", "expire_silence"),
               "projects": ("get_projects",), "payroll": ("project_months",)},
        handles=tuple(Handles("alerts", event, f"handle_{event}", broadcast=True)
                      for event in (ALERT_CHANGED, DESK_NOTIFIED, SILENCES_CHANGED)),
    ),
)


def service(name: str) -> Service:
    return next(s for s in SERVICES if s.name == name)


def mermaid(services: Iterable[Service] = SERVICES) -> str:
    """The picture: solid arrows are RPC calls (caller → callee, with the methods), dashed
    arrows events (emitter → handler); an event nobody inside handles is listed in its
    emitter's box (the table below the picture lists every one)."""
    services = list(services)
    handled = {(h.source, h.event) for s in services for h in s.handles}
    lines = ["flowchart LR"]
    for s in services:
        unhandled = _grouped([e for e in s.emits if (s.name, e) not in handled])
        label = s.name + (f"<br><small>emits {', '.join(unhandled)}</small>" if unhandled else "")
        lines.append(f'    {s.name}["{label}"]')
    for s in services:
        for callee, methods in s.calls.items():
            lines.append(f'    {s.name} -->|"{", ".join(methods)}"| {callee}')
    for s in services:
        for source in dict.fromkeys(h.source for h in s.handles):
            events = [h.event for h in s.handles if h.source == source]
            lines.append(f'    {source} -.->|"{", ".join(events)}"| {s.name}')
    return "\n".join(lines)


def _grouped(events: list[str]) -> list[str]:
    """``complaint_*`` (11) for a family of more than two events, to keep a box readable."""
    families: dict[str, list[str]] = {}
    for event in events:
        families.setdefault(event.split("_")[0], []).append(event)
    return [f"{family}_* ({len(members)})" if len(members) > 2 else ", ".join(members)
            for family, members in families.items()]


def markdown(services: Iterable[Service] = SERVICES) -> str:
    """The same as a table, for readers without a mermaid viewer."""
    rows = ["| service | offers (RPC) | calls (RPC) | emits | handles |", "|---|---|---|---|---|"]
    for s in services:
        calls = "; ".join(f"{callee}: {', '.join(methods)}" for callee, methods in s.calls.items())
        handles = "; ".join(f"{h.source}.{h.event}{' (broadcast)' if h.broadcast else ''}" for h in s.handles)
        rows.append(f"| {s.name} | {', '.join(s.offers)} | {calls} | {', '.join(s.emits)} | {handles} |")
    return "\n".join(rows)
