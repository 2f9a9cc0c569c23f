"""The sweep benchmark: every monitor's sweep over a seeded province, timed.

    .venv/bin/python -m loadtests.sweep_bench --projects 20000

Seeds the stores straight from the province (loadtests/seeding.py; on the embedded store
the seeded province is cached under .cache/ for the next run), starts the monitoring
services in this process on a throwaway vhost of the local RabbitMQ, asks each monitor to
sweep as of the province's date (as ``wagewatch sweep`` does), then once more (nothing
has changed: the daily sweep's usual case), and compares the alerts raised with the
generator's expected set. ``make bench`` calls :func:`measure_sweep` for its section (c)
in a process of its own (the embedded store lives in the process that sweeps), e.g. by
running this module with ``--json figures.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from shared.internal import MONITORS
from testkit.province import Province, ProvinceSpec, generate

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".cache" / "provinces"
SWEEP_TIMEOUT = 1800  # seconds: a slow first run must still finish and say how slow


def measure_sweep(config: dict, province: Province, *, say=print, cache: bool = True) -> dict:
    """Seed ``config``'s store with the province, run the monitors' sweeps over it and
    answer the figures: seconds per monitor (first sweep, and again with nothing
    changed), their total, and the alerts raised against the expected set. Runs the
    services in this process (the embedded store lives here): call it with eventlet
    monkey-patched, as ``nameko`` and ``wagewatch`` do."""
    from nameko.runners import ServiceRunner

    from loadtests.seeding import seed_all, seed_all_cached
    from shared.settings import pii_key
    from shared.storage import database_for, is_embedded
    from wagewatch.platform import stop

    uri, as_of = config["MONGO_URI"], province.spec.as_of.isoformat()
    started = time.monotonic()

    def progress(county, done, total):
        if done % max(1, total // 10) == 0 or done == total:
            say(f"  seeded {done}/{total} counties ({time.monotonic() - started:.0f}s)")

    say(f"seeding {len(province.projects):,} projects, {province.spec.workers:,} workers "
        f"(month {province.month}, sweep as of {as_of})")
    if cache and is_embedded(uri):
        cached = seed_all_cached(uri, province, pii_key=pii_key(config), cache_dir=CACHE_DIR, progress=progress)
    else:
        cached = bool(seed_all(uri, province, pii_key=pii_key(config), progress=progress)) and False
    seeding = time.monotonic() - started
    say(f"  {'loaded from the cache' if cached else 'seeded'} in {seeding:.1f}s")

    runner = ServiceRunner(config)
    for cls in _monitoring_services():
        runner.add_service(cls)
    runner.start()
    try:
        first = _sweep_each(config, as_of, say, "first sweep")
        again = _sweep_each(config, as_of, say, "again, nothing changed")
    finally:
        stop(runner)
    raised = _raised(database_for(uri, "alerts"))
    expected = province.expected_alerts
    missing, extra = expected - raised, raised - expected
    figures = {
        "projects": len(province.projects), "workers": province.spec.workers, "as_of": as_of,
        "seeding_seconds": round(seeding, 2), "seeded_from_cache": cached,
        "monitors": {name: s for name, (s, _o) in first.items()},
        "total_seconds": round(sum(s for s, _o in first.values()), 2),
        "monitors_again": {name: s for name, (s, _o) in again.items()},
        "total_again_seconds": round(sum(s for s, _o in again.values()), 2),
        "alerts_raised": sum(raised.values()), "alerts_expected": sum(expected.values()),
        "alerts_missing": sum(missing.values()), "alerts_unexpected": sum(extra.values()),
        "exact_match": not (missing or extra),
        "load_average": round(os.getloadavg()[0], 1), "cpus": os.cpu_count(),
    }
    say(summary(figures))
    return figures


def _monitoring_services() -> list[type]:
    """The monitors and those they ask (the registry, the alerts desk)."""
    from services.accounts.service import AccountsService
    from services.alerts.service import AlertsService
    from services.complaints.service import ComplaintsService
    from services.payroll.service import PayrollService
    from services.projects.service import ProjectsService
    from services.workers.service import WorkersService

    return [ProjectsService, PayrollService, WorkersService, AccountsService, ComplaintsService, AlertsService]


def _sweep_each(config: dict, as_of: str, say, label: str) -> dict[str, tuple[float, dict]]:
    from nameko.standalone.rpc import ClusterRpcProxy

    timed = {}
    with ClusterRpcProxy(config, timeout=SWEEP_TIMEOUT) as cluster:
        for name in MONITORS:
            started = time.monotonic()
            outcome = getattr(cluster, name).sweep(as_of)
            timed[name] = (round(time.monotonic() - started, 2), outcome)
            say(f"  {label}: {name:<10} {timed[name][0]:7.2f}s  "
                f"{outcome.get('reported', 0):,} reported, {len(outcome.get('raised', [])):,} raised, "
                f"{len(outcome.get('resolved', [])):,} resolved")
    return timed


def _raised(database) -> Counter:
    """(department, division, type, project_code) of every desk a firing alert reached,
    read from the alerts service's store (what it published to each desk)."""
    found: Counter[tuple[str, str, str, str]] = Counter()
    for alert in database["alerts"].find({"status": "firing"}, {"type": 1, "project_code": 1, "routes": 1}):
        for route in alert["routes"]:
            found[(route["department"], route["division"], alert["type"], alert["project_code"])] += 1
    return found


def summary(figures: dict) -> str:
    per = ", ".join(f"{name} {s:.2f}s" for name, s in figures["monitors"].items())
    again = ", ".join(f"{name} {s:.2f}s" for name, s in figures["monitors_again"].items())
    verdict = "exact match" if figures["exact_match"] else (
        f"{figures['alerts_missing']} missing, {figures['alerts_unexpected']} unexpected")
    return (f"sweep over {figures['projects']:,} projects ({figures['workers']:,} workers) as of {figures['as_of']}: "
            f"total {figures['total_seconds']:.2f}s ({per}); again with nothing changed "
            f"{figures['total_again_seconds']:.2f}s ({again}); seeding {figures['seeding_seconds']:.1f}s"
            f"{' (cached)' if figures['seeded_from_cache'] else ''}; alerts {figures['alerts_raised']:,} "
            f"raised vs {figures['alerts_expected']:,} expected: {verdict}; "
            f"{figures['cpus']} CPUs, load {figures['load_average']}")


def spec_for(projects: int, counties: int, workers_per_project: int, as_of: date, seed: int,
             violation_share: float) -> ProvinceSpec:
    if projects % counties:
        raise SystemExit(f"--projects ({projects}) must be a multiple of --counties ({counties})")
    return ProvinceSpec(as_of=as_of, counties=counties, projects_per_county=projects // counties,
                        workers_per_project=workers_per_project, violation_share=violation_share, seed=seed)


def main(argv=None) -> int:
    import eventlet
    eventlet.monkey_patch()  # before nameko or kombu open a socket

    parser = argparse.ArgumentParser(prog="python -m loadtests.sweep_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--workers-per-project", type=int, default=6)
    parser.add_argument("--violation-share", type=float, default=0.2)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/"),
                        help="the broker; the benchmark works in a throwaway vhost of it")
    parser.add_argument("--mongo-uri", default=os.environ.get("MONGO_URI", "mongomock://sweep-bench"),
                        help="an empty store (default: the embedded one)")
    parser.add_argument("--no-cache", action="store_true", help="seed afresh even if a seeded copy is cached")
    parser.add_argument("--json", type=Path, help="also write the figures to this file (for make bench)")
    args = parser.parse_args(argv)

    from wagewatch.broker import api_from_environment
    from wagewatch.config import load_config

    province = generate(spec_for(args.projects, args.counties, args.workers_per_project, args.as_of, args.seed,
                                 args.violation_share))
    api, vhost = api_from_environment(), f"wagewatch_sweep_bench_{os.getpid()}"
    api.call("PUT", f"vhosts/{vhost}", {})
    api.call("PUT", f"permissions/{vhost}/guest", {"configure": ".*", "write": ".*", "read": ".*"})
    try:
        config = load_config(AMQP_URI=args.amqp_uri.rstrip("/") + f"/{vhost}", MONGO_URI=args.mongo_uri,
                             PII_HASH_KEY=os.environ.get("PII_HASH_KEY", "sweep-bench-pii-key"), DAILY_SWEEP=False,
                             QUARANTINE_KEY="6F2m9JQq3l6iS8T4vV0fXo2pG3kN7yQ1aB5cD8eF9gA=")
        figures = measure_sweep(config, province, cache=not args.no_cache,
                                say=lambda line: print(line, flush=True))
    finally:
        api.call("DELETE", f"vhosts/{vhost}")
    if args.json:
        args.json.write_text(json.dumps({"spec": {"counties": args.counties, "projects": args.projects,
                                                  "workers_per_project": args.workers_per_project,
                                                  "as_of": args.as_of.isoformat()}, **figures}, indent=2))
    return 0 if figures["exact_match"] else 1


if __name__ == "__main__":
    sys.exit(main())
