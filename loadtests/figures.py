"""Percentiles for the load test and the benchmark (standard library only: the load test
runs on gevent in its own virtualenv, the benchmark beside the services)."""
from __future__ import annotations


def percentile(values: list[float], q: float) -> float | None:
    """The value at rank ``q`` (0..1) of ``values``, nearest rank; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
