"""The benchmark runs: ``python -m loadtests.bench --quick`` prints every figure and writes
them all to its JSON (figures only; no speed is asserted: the machine is shared)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ["(a) no-op kombu, single", "(a) no-op kombu, batch", "(a) empty nameko, single", "(a) empty nameko, batch",
           "(b) platform single, at max rate", "(b) platform single, at half rate",
           "(b) platform batch of 1000, at half rate", "(c) sweep", "(d) peak memory (VmHWM)", "(e) ratios",
           "(f) scale-out", "Issue 19's table", "single-record worker.enrol, messages/s",
           "1000-record attendance.batch, records/s", "receipt p99 at half the max rate", "sweep of 40 projects",
           "two workers processes against one", "targets:", "machine:"]
SERVICES = ["projects", "payroll", "workers", "accounts", "alerts", "complaints", "ingress"]


@pytest.mark.timeout(300)
def test_the_quick_benchmark_prints_every_figure_and_writes_them_as_json(tmp_path):
    run = subprocess.run([sys.executable, "-m", "loadtests.bench", "--quick", "--out", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=280,
                         env={**os.environ, "PYTHONWARNINGS": "ignore:pkg_resources is deprecated:UserWarning"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = run.stdout[run.stdout.index("Summary"):]
    for figure in FIGURES:
        assert figure in summary, figure
    results = json.loads((tmp_path / "bench.json").read_text())
    for kind in ("kombu", "nameko"):
        for shape in ("single", "batch"):
            figures = results["baseline"][kind][shape]
            assert figures["messages_per_s"] > 0 and figures["at_half_rate"]["p99_ms"] is not None
    single, batch = results["platform"]["single"], results["platform"]["batch"]
    assert single["max"]["statuses"] == {"accepted": single["max"]["messages"]}
    assert batch["max"]["statuses"] == {"accepted": batch["max"]["messages"]}
    assert batch["max"]["records"] == 1000 * batch["max"]["messages"]
    for figures in (single["at_max_rate"], single["at_half_rate"], batch["at_half_rate"]):
        assert figures["p50_ms"] is not None and figures["p99_ms"] >= figures["p50_ms"]
    assert set(results["memory_mib"]) == set(SERVICES) and all(v > 0 for v in results["memory_mib"].values())
    assert set(results["ratios"]) == {"single_vs_empty_nameko", "single_vs_raw_kombu", "batch_records_vs_raw_kombu",
                                      "batch_records_vs_empty_nameko"}
    # Two processes of one service need a shared store (and, to mean anything, the cores):
    # without one the bench says why instead of a figure.
    assert results["scale_out"]["status"] == "not run" and "a store they share" in results["scale_out"]["reason"]
    assert {"batch_records_per_s >= 20000", "single_vs_empty_nameko >= 0.8",
            "single_p99_ms_at_half_rate <= 500"} <= set(results["targets"])
    assert "status" in results["sweep"] and {"cpu", "cores", "rabbitmq"} <= set(results["machine"])
    assert [sweep["projects"] for sweep in results["sweeps"]] == [40]
