"""Locust users that act as the county systems of a seeded province, over AMQP.

    .venv-load/bin/locust -f loadtests/locustfile.py --headless -u 4 -r 4 -t 60s \\
        --host amqp://guest:guest@localhost:5672/ --message-rate 40

(``make load`` runs this against a running platform, starting one when there is none;
loadtests/README.md explains the mix and the figures.) Each user is one county system:
the first user of a county publishes the county's registry, then every user of it
publishes the mix of loadtests/mix.py. At the end of the run the load test waits for the
receipts still owed, runs a sweep (``wagewatch sweep`` from the services' virtualenv: this
process runs on gevent and has neither eventlet nor nameko) and times the alerts it
raises, then prints a summary.
"""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gevent.event import Event
from locust import User, events, task
from locust.runners import MasterRunner, WorkerRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # locust puts loadtests/ on the path, not the repository

from loadtests.link import AlertWatch, CountyPublisher, ReceiptTracker  # noqa: E402
from loadtests.load_summary import LoadFigures, format_summary  # noqa: E402
from loadtests.mix import CountyTraffic  # noqa: E402
from shared.calendar import SHANGHAI  # noqa: E402
from shared.contract.client import DEFAULT_AMQP_URI  # noqa: E402
from testkit.province import Province, ProvinceSpec, generate  # noqa: E402

RUN = f"{int(time.time()) % 10**8:08d}"      # message ids: L<run>u<user>-<n>, unique per run


@events.init_command_line_parser.add_listener
def _options(parser):
    group = parser.add_argument_group("WageWatch load")
    group.add_argument("--message-rate", type=float, default=0, env_var="LOAD_RATE",
                       help="messages per second from all users together (0: as fast as they can)")
    group.add_argument("--bad-share", type=float, default=0.02, help="share of deliberately bad messages")
    group.add_argument("--counties", type=int, default=0, help="counties in the province (default: one per user)")
    group.add_argument("--projects-per-county", type=int, default=20)
    group.add_argument("--workers-per-project", type=int, default=50,
                       help="with 20 projects, 50 workers make the 1000-record morning gate batch")
    group.add_argument("--as-of", default="", help="the sweep date, YYYY-MM-DD (default: today)")
    group.add_argument("--seed", type=int, default=7)
    group.add_argument("--violations", default="",
                       help="comma-separated kinds to plant, each at least once (default: all kinds, "
                            "on a fifth of the projects); see testkit/province/spec.py")
    group.add_argument("--receipt-timeout", type=float, default=60,
                       help="seconds to wait after the run for receipts still owed")
    group.add_argument("--no-sweep", action="store_true", help="end without the sweep and alert timing")
    group.add_argument("--wagewatch", default=str(ROOT / ".venv" / "bin" / "wagewatch"),
                       help="the services' wagewatch command, for the sweep")


class Run:
    """What the users of this process share: the province, the receipts, the tallies."""

    province: Province | None = None
    options: Any = None          # locust's parsed options (an argparse Namespace)
    tracker: ReceiptTracker | None = None
    counties: list[str] = []
    ready: dict[str, Event] = {}
    users = itertools.count()
    started = stopped = 0.0
    alerts: AlertWatch | None = None
    swept = False
    sweep_seconds: float | None = None
    sweep_raised: int | None = None
    missing = 0


def _province() -> Province:
    assert Run.province is not None, "made by _start, before any user starts"
    return Run.province


def _tracker() -> ReceiptTracker:
    assert Run.tracker is not None, "made by _start, before any user starts"
    return Run.tracker


def _as_of(options) -> date:
    return date.fromisoformat(options.as_of) if options.as_of else datetime.now(SHANGHAI).date()


@events.test_start.add_listener
def _start(environment, **_kwargs):
    if isinstance(environment.runner, MasterRunner):
        return
    options = environment.parsed_options
    counties = options.counties or max(1, min(options.num_users or 1, 122))
    planted: dict[str, Any] = ({"violations": tuple(options.violations.split(",")), "every_violation": True}
                               if options.violations else {})
    Run.province = generate(ProvinceSpec(as_of=_as_of(options), counties=counties,
                                         projects_per_county=options.projects_per_county,
                                         workers_per_project=options.workers_per_project, seed=options.seed,
                                         **planted))
    Run.counties = list(_province().counties)
    Run.ready = {}
    Run.options = options
    Run.tracker = ReceiptTracker(environment.host or DEFAULT_AMQP_URI, Run.counties, environment.events.request.fire)
    Run.started = time.perf_counter()
    print(f"[load] province of {counties} county(ies) x {options.projects_per_county} projects x "
          f"{options.workers_per_project} workers, seeded month {_province().month}, as of "
          f"{_province().spec.as_of}; bad input {options.bad_share:.0%}", flush=True)


class CountySystem(User):
    """A county's construction-site system (智慧工地 / 实名制 platform) publishing to the province."""

    host = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)

    def on_start(self):
        number = next(Run.users)
        self.county = Run.counties[number % len(Run.counties)]
        options = self.environment.parsed_options
        self.traffic = CountyTraffic(_province(), self.county, f"L{RUN}u{number}", bad_share=options.bad_share)
        self.link = CountyPublisher(self.host, _tracker(), self.environment.events.request.fire)
        if self.county in Run.ready:
            Run.ready[self.county].wait()
        else:
            Run.ready[self.county] = Event()
            try:
                self._publish_registry()
            finally:
                Run.ready[self.county].set()

    def _publish_registry(self):
        """The county's registry, one message type at a time (each waits for the receipts
        of the one before: enrolments need their projects)."""
        started, count = time.perf_counter(), 0
        for _type, group in itertools.groupby(self.traffic.setup(), key=lambda out: out.message_type):
            waiting = [self.link.publish(self.county, out) for out in group]
            for entry in waiting:
                entry.done.wait(self.environment.parsed_options.receipt_timeout)
            count += len(waiting)
        print(f"[load] county {self.county}: registry of {count} messages published and received "
              f"in {time.perf_counter() - started:.1f}s", flush=True)

    def wait_time(self):
        rate = self.environment.parsed_options.message_rate
        if rate <= 0:
            return 0
        users = max(self.environment.runner.user_count, 1)
        if not hasattr(self, "_cp_last_run"):
            self._cp_last_run, self._cp_last_wait_time = time.perf_counter(), 0.0
        run_time = time.perf_counter() - self._cp_last_run - self._cp_last_wait_time
        self._cp_last_wait_time = max(0.0, users / rate - run_time)
        self._cp_last_run = time.perf_counter()
        return self._cp_last_wait_time

    @task
    def publish(self):
        self.link.publish(self.county, self.traffic.next_message())

    def on_stop(self):
        self.link.close()


@events.test_stop.add_listener
def _stop(environment, **_kwargs):
    if isinstance(environment.runner, (MasterRunner, WorkerRunner)) or Run.tracker is None:
        return
    Run.stopped = time.perf_counter()
    options = environment.parsed_options
    Run.missing = Run.tracker.wait_all(options.receipt_timeout)
    if not options.no_sweep:
        _sweep_and_time_alerts(environment, options)
    time.sleep(1.5)   # the CSV writer writes once a second: let it see the last events


def _sweep_and_time_alerts(environment, options):
    """Run the sweep and time its alerts. Whatever fails here (the sweep command, the
    broker, a timeout) is reported as a failed ``sweep`` request and leaves the sweep's
    figures missing: the summary is still printed."""
    as_of = _province().spec.as_of.isoformat()
    print(f"[load] sweep as of {as_of} ({options.wagewatch} sweep), timing the alerts…", flush=True)
    env = {**os.environ, "AMQP_URI": environment.host or DEFAULT_AMQP_URI}
    Run.swept = True
    started = time.perf_counter()
    output = ""
    failure: Exception | None = None
    try:
        Run.alerts = AlertWatch(environment.host or DEFAULT_AMQP_URI, environment.events.request.fire)
        Run.alerts.start()
        started = time.perf_counter()
        # A real sweep as of the province's date (not a what-if), even after today's daily sweep.
        sweep = subprocess.Popen([options.wagewatch, "sweep", "--as-of", as_of, "--publish", "--force"], env=env,
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        finished: list[float] = []

        def running() -> bool:
            if sweep.poll() is None:
                return True
            if not finished:
                finished.append(time.perf_counter())
            return False

        Run.alerts.wait_quiet(running)
        output = sweep.communicate()[0]        # still running after the quiet wait: wait for it
        Run.sweep_seconds = (finished[0] if finished else time.perf_counter()) - started
        Run.sweep_raised = sum(int(line.split(" raised")[0].rsplit(",", 1)[-1])
                               for line in output.splitlines() if " reported, " in line)
        if sweep.returncode != 0:
            failure = RuntimeError(f"wagewatch sweep exited {sweep.returncode}: {output.strip().splitlines()[-1:]}")
    except Exception as exc:   # noqa: BLE001 - the run's other figures are still worth printing
        failure = exc
        print(f"[load] the sweep failed: {exc!r}; its figures are missing from the summary", flush=True)
    environment.events.request.fire(
        request_type="cli", name="sweep", response_time=(time.perf_counter() - started) * 1000
        if Run.sweep_seconds is None else Run.sweep_seconds * 1000,
        response_length=len(output), exception=failure, context={})
    if Run.alerts is not None:
        Run.alerts.close()


@events.quit.add_listener
def _summary(exit_code, **_kwargs):
    if Run.tracker is None or not Run.stopped:
        return
    text = summary()
    print(text, flush=True)
    options = Run.options
    if options.csv_prefix:
        Path(f"{options.csv_prefix}_summary.txt").write_text(text + "\n", encoding="utf-8")


def summary() -> str:
    tracker = _tracker()
    alerts = Run.alerts
    return format_summary(LoadFigures(
        seconds=Run.stopped - Run.started, statuses=tracker.statuses, missing=Run.missing,
        cut_short=tracker.cut_short, unmatched=tracker.unmatched, records_accepted=tracker.records_accepted,
        latencies=tracker.latencies, swept=Run.swept, sweep_seconds=Run.sweep_seconds,
        sweep_raised=Run.sweep_raised, alert_latencies=alerts.latencies if alerts is not None else None,
        alerts_by_type=alerts.by_type if alerts is not None else Counter()))
