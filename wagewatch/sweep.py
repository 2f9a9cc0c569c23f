"""``wagewatch sweep``: run every monitoring rule as of a date and report the outcome.

A sweep as of today raises and resolves alerts. As of any other day it is a what-if: it
shows what would fire and resolve, and changes no alert and tells no desk, unless ``--publish``
(back-dated catch-up after an outage). The services refuse a real sweep older than their
last real one unless ``--force``: it would resolve alerts the later sweep raised although
nothing was paid."""
from __future__ import annotations

from datetime import date

from shared.internal import MONITORS

SWEEP_TIMEOUT = 300  # seconds; a sweep over a whole province takes seconds, not minutes


def what_if(as_of: date, today: date, publish: bool) -> bool:
    """True when a sweep as of ``as_of`` only shows what would change. Raises ValueError
    for a published sweep of a day that has not come (the next daily sweep would resolve
    what it raised)."""
    if publish and as_of > today:
        raise ValueError(f"--publish: {as_of} has not come yet (today is {today}); a sweep as of a later "
                         "date can only be a what-if")
    return as_of != today and not publish


def run_sweep(config: dict, as_of: str, what_if: bool = False, force: bool = False) -> list[dict]:
    """Ask every monitoring service to sweep; returns once all are done, with what each
    raised and resolved (or would, for a what-if). A service that fails or refuses is
    reported as such and the others are swept all the same."""
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy(config, timeout=SWEEP_TIMEOUT) as cluster:
        return [_sweep_one(cluster, name, as_of, what_if, force) for name in MONITORS]


def _sweep_one(cluster, name: str, as_of: str, what_if: bool, force: bool) -> dict:
    from nameko.exceptions import RemoteError

    try:
        return getattr(cluster, name).sweep(as_of, what_if=what_if, force=force)
    except RemoteError as exc:
        # A refusal says why; any other error only its type (its text may quote records).
        why = exc.value if exc.exc_type == "SweepRefused" else f"{exc.exc_type}; see the {name} service's log"
        return {"source": name, "as_of": as_of, "error": why, "refused": exc.exc_type == "SweepRefused"}
    except Exception as exc:  # noqa: BLE001 - the service is away or timed out: sweep the others
        return {"source": name, "as_of": as_of, "error": f"{type(exc).__name__}: {exc}", "refused": False}


def failed(outcomes: list[dict]) -> bool:
    return any("error" in outcome for outcome in outcomes)


def format_outcome(outcomes: list[dict]) -> str:
    lines = []
    if any(o.get("what_if") for o in outcomes):
        lines.append("what-if: no desk was told and no alert changed (--publish raises them)")
    for outcome in outcomes:
        lines.extend(_lines(outcome))
    return "\n".join(lines)


def _lines(outcome: dict) -> list[str]:
    source, as_of = outcome["source"], outcome["as_of"]
    if "error" in outcome:
        verb = "REFUSED" if outcome.get("refused") else "FAILED"
        return [f"{source}: {verb}: {outcome['error']} (the other services were swept)"]
    would = "would be " if outcome.get("what_if") else ""
    if "escalated" in outcome:     # the alerts service's acknowledgement clock
        return [f"{source}: as of {as_of}, {len(outcome['escalated'])} unacknowledged alert(s) {would}escalated",
                *(f"  {would}escalated {_line(alert)} (now {alert['level']})" for alert in outcome["escalated"])]
    lines = [f"{source}: as of {as_of}, {outcome['reported']} condition(s) reported, {len(outcome['raised'])} "
             f"{would}raised, {len(outcome['resolved'])} {would}resolved"]
    prefix = ("  would raise", "  would resolve") if would else ("  raised  ", "  resolved")
    lines.extend(f"{prefix[0]} {_line(alert)}" for alert in outcome["raised"])
    lines.extend(f"{prefix[1]} {_line(alert)}" for alert in outcome["resolved"])
    skipped = outcome.get("skipped") or []
    if skipped:
        lines.append(f"  {len(skipped)} skipped: the rules could not evaluate their records (RULE_FAILED, to hrss "
                     "up to the province's desk)")
        lines.extend(f"  skipped  {s['subject']} ({s['division']}): {s['error']} in {s['where']}" for s in skipped)
    return lines


def _line(alert: dict) -> str:
    # An escalated alert has a route per level (county, city, province): name each department once.
    return (f"{alert['severity']:<6} {alert['type']:<26} {alert['division']} "
            f"{alert.get('project_code') or '-'} {alert.get('month') or '-'} → {', '.join(dict.fromkeys(alert['departments']))}")
