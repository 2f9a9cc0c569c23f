"""``wagewatch sweep``: run every monitoring rule as of a date and report the outcome."""
from __future__ import annotations

from shared.internal import MONITORS

SWEEP_TIMEOUT = 300  # seconds; a sweep over a whole province takes seconds, not minutes


def run_sweep(config: dict, as_of: str) -> list[dict]:
    """Ask every monitoring service to sweep; returns once all are done, with what each
    raised and resolved."""
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy(config, timeout=SWEEP_TIMEOUT) as cluster:
        return [getattr(cluster, name).sweep(as_of) for name in MONITORS]


def format_outcome(outcomes: list[dict]) -> str:
    lines = []
    for outcome in outcomes:
        if "escalated" in outcome:     # the alerts service's acknowledgement clock
            lines.append(f"{outcome['source']}: as of {outcome['as_of']}, {len(outcome['escalated'])} "
                         "unacknowledged alert(s) escalated")
            lines.extend(f"  escalated {_line(alert)} (now {alert['level']})" for alert in outcome["escalated"])
            continue
        lines.append(f"{outcome['source']}: as of {outcome['as_of']}, {outcome['reported']} condition(s) "
                     f"reported, {len(outcome['raised'])} raised, {len(outcome['resolved'])} resolved")
        for alert in outcome["raised"]:
            lines.append(f"  raised   {_line(alert)}")
        for alert in outcome["resolved"]:
            lines.append(f"  resolved {_line(alert)}")
    return "\n".join(lines)


def _line(alert: dict) -> str:
    # An escalated alert has a route per level (county, city, province): name each department once.
    return (f"{alert['severity']:<6} {alert['type']:<26} {alert['division']} "
            f"{alert.get('project_code') or '-'} {alert.get('month') or '-'} → {', '.join(dict.fromkeys(alert['departments']))}")
