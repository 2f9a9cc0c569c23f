"""The load test's summary is printed whatever the run could measure (issue 19, point 6:
a run ended in a TypeError when the sweep's timing was missing)."""
from __future__ import annotations

from collections import Counter

from loadtests.load_summary import LoadFigures, format_summary


def test_a_sweep_without_its_timing_and_a_run_without_receipts_are_shown_as_missing():
    figures = LoadFigures(seconds=60.0, statuses=Counter({("accepted", "none"): 3}), missing=3,
                          latencies={"registry": [], "mix": []}, swept=True, sweep_seconds=None,
                          sweep_raised=None, alert_latencies=[], alerts_by_type=Counter())
    text = format_summary(figures)
    assert "receipts as meant: 0/3, missing: 3" in text
    assert "receipt latency, mix (valid, publish to receipt; 0 messages): p50 missing, p99 missing, max missing" in text
    assert "sweep: command missing, missing alert(s) raised; 0 alert message(s)" in text
    assert "first missing, p50 missing, last missing" in text
    assert "alerts by type: none" in text


def test_a_sweep_that_failed_before_its_alerts_were_watched_says_so():
    text = format_summary(LoadFigures(seconds=10.0, statuses=Counter(), swept=True, alert_latencies=None))
    assert "sweep: command missing, missing alert(s) raised; alert latency missing (not watched)" in text
    assert "receipts by status: none" in text


def test_the_measured_figures_are_shown_with_their_units():
    figures = LoadFigures(seconds=10.0, statuses=Counter({("accepted", "accepted"): 8, ("rejected", "rejected"): 2}),
                          records_accepted=5000, latencies={"mix": [10.0, 20.0, 30.0]}, swept=True,
                          sweep_seconds=2.54, sweep_raised=4, alert_latencies=[1200.0, 1500.0],
                          alerts_by_type=Counter({"alert PAYROLL_MISSING": 2}))
    text = format_summary(figures)
    assert "10 messages published (1.0/s), receipts as meant: 10/10" in text
    assert "records in batches accepted: 5000 (500/s)" in text
    assert "p50 20 ms, p99 30 ms, max 30 ms" in text
    assert "sweep: command 2.5s, 4 alert(s) raised; 2 alert message(s)" in text
    assert "first 1,200 ms, p50 1,350 ms, last 1,500 ms" in text
    assert "alerts by type: PAYROLL_MISSING 2" in text


def test_no_sweep_line_when_the_run_did_not_sweep():
    assert "sweep:" not in format_summary(LoadFigures(seconds=5.0, statuses=Counter({("accepted", "accepted"): 1})))
