"""The load test, briefly: locust (its own virtualenv, gevent) as two county systems against
the platform on this test's vhost, then a sweep. Checks what the figures stand on, never
how fast: every message answered as meant, bad input rejected, the sweep's alerts seen."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
WAGEWATCH = Path(sys.executable).parent / "wagewatch"


def run_locust(config, out: Path) -> subprocess.CompletedProcess:
    # Each county first publishes its registry and waits for the receipts (inside the run's
    # time); 12 s leaves the mix seconds to run even on a loaded machine.
    assert LOCUST.exists(), "no .venv-load: `make test` (or `make load`) creates it"
    command = [str(LOCUST), "-f", str(ROOT / "loadtests" / "locustfile.py"), "--headless", "--only-summary",
               "--host", config["AMQP_URI"], "-u", "2", "-r", "2", "-t", "12s", "--stop-timeout", "10",
               "--message-rate", "20", "--bad-share", "0.2", "--projects-per-county", "3",
               "--workers-per-project", "5", "--violations", "no_account,no_deposit", "--as-of", "2026-11-20",
               "--receipt-timeout", "30", "--wagewatch", str(WAGEWATCH), "--csv", str(out / "load")]
    return subprocess.run(command, cwd=ROOT, env={**os.environ, "AMQP_URI": config["AMQP_URI"]},
                          capture_output=True, text=True, timeout=100)


def rows(out: Path) -> dict[str, dict]:
    with open(out / "load_stats.csv", encoding="utf-8") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


@pytest.mark.timeout(150)
def test_a_short_load_run_gets_every_receipt_as_meant_and_the_sweeps_alerts(platform, config, tmp_path):
    result = run_locust(config, tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    stats = rows(tmp_path)
    count = {name: int(row["Request Count"]) for name, row in stats.items()}
    failures = {name: int(row["Failure Count"]) for name, row in stats.items() if int(row["Failure Count"])}
    published = {name: n for name, n in count.items()
                 if name != "Aggregated" and not name.startswith(("receipt ", "alert ", "sweep"))}

    assert failures == {}, (tmp_path / "load_failures.csv").read_text(encoding="utf-8")
    assert published["registry project.upsert"] > 0 and published["attendance.batch"] > 0
    assert {name: count.get(f"receipt {name}") for name in published} == published   # one receipt each
    bad = {name: n for name, n in published.items() if name.startswith("bad ")}
    assert sum(bad.values()) > 0            # ... and those came back rejected: no failures above
    assert count["sweep"] == 1
    assert count.get("alert ACCOUNT_NOT_OPENED", 0) >= 1 and count.get("alert DEPOSIT_MISSING", 0) >= 1
    summary = (tmp_path / "load_summary.txt").read_text(encoding="utf-8")
    assert f"receipts as meant: {sum(published.values())}/{sum(published.values())}, missing: 0" in summary
