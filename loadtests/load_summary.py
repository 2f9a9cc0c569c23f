"""The load test's summary, as text, from its figures (standard library only, so that the
unit tests check it without locust or gevent: loadtests/locustfile.py gathers the figures
and prints this).

Whatever happened in the run, the summary is printed: a figure the run could not measure
(no sweep timing because the sweep failed or timed out, no receipt at all, no alert) is
shown as ``missing``, never a crash at the end of a long run.
"""
from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field

from loadtests.figures import percentile

MISSING = "missing"


@dataclass
class LoadFigures:
    seconds: float                                   # the run, start to stop
    statuses: Counter                                # (meant, got) -> count
    missing: int = 0                                 # receipts never arrived
    cut_short: int = 0
    unmatched: list = field(default_factory=list)    # (message_id, type, status)
    records_accepted: int = 0
    latencies: dict = field(default_factory=dict)    # phase -> receipt latencies, ms
    swept: bool = False                              # a sweep was started
    sweep_seconds: float | None = None
    sweep_raised: int | None = None
    alert_latencies: list | None = None              # ms from the sweep's start; None: not watched
    alerts_by_type: Counter = field(default_factory=Counter)


def shown(value, unit: str = "", digits: int = 0) -> str:
    """A figure with its unit, or ``missing`` when there is none (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{value:,.{digits}f}{unit}"


def format_summary(figures: LoadFigures) -> str:
    seconds = max(figures.seconds or 0.0, 1e-9)
    published = sum(figures.statuses.values())
    by_status: Counter[str] = Counter()
    for (meant, got), count in figures.statuses.items():
        by_status[f"{got}" + ("" if meant == "accepted" else f" (meant {meant})")] += count
    good = sum(count for (meant, got), count in figures.statuses.items() if meant == got)
    lines = ["", "=== WageWatch load summary ===",
             f"run: {seconds:.1f}s, {published} messages published ({published / seconds:.1f}/s), "
             f"receipts as meant: {good}/{published}, missing: {figures.missing}, cut short by the stop: "
             f"{figures.cut_short}, unmatched: {len(figures.unmatched)}",
             "receipts by status: " + (", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) or "none"),
             f"records in batches accepted: {figures.records_accepted} ({figures.records_accepted / seconds:.0f}/s)"]
    for phase, latencies in figures.latencies.items():
        lines.append(f"receipt latency, {phase} (valid, publish to receipt; {len(latencies)} messages): "
                     f"p50 {shown(_median(latencies), ' ms')}, p99 {shown(percentile(latencies, 0.99), ' ms')}, "
                     f"max {shown(max(latencies, default=None), ' ms')}")
    if figures.unmatched:
        lines.append("receipts matching nothing this run published (first 5): " + "; ".join(
            f"{mid} {kind} {status}" for mid, kind, status in figures.unmatched[:5]))
    if figures.swept:
        alerts = figures.alert_latencies or []
        lines.append(f"sweep: command {shown(figures.sweep_seconds, 's', 1)}, "
                     f"{shown(figures.sweep_raised)} alert(s) raised; "
                     + (f"{len(alerts)} alert message(s) on the department streams, from sweep start: "
                        f"first {shown(min(alerts, default=None), ' ms')}, p50 {shown(_median(alerts), ' ms')}, "
                        f"last {shown(max(alerts, default=None), ' ms')}"
                        if figures.alert_latencies is not None else f"alert latency {MISSING} (not watched)"))
        lines.append("alerts by type: " + (", ".join(f"{k[6:]} {v}" for k, v in sorted(figures.alerts_by_type.items()))
                                           or "none"))
    return "\n".join(lines)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
