"""The WageWatch benchmark: the platform end to end against the raw broker, in one run.

On the local RabbitMQ, in a vhost of its own (made and deleted through the management
API), with every service in its own process (one container per service, as deployed, each
with its own embedded store), it measures:

  (a) baselines: the same messages (same bodies) through a no-op kombu consumer and an
      empty nameko consumer: messages/s and publish-to-handler latency;
  (b) the platform: single-record ``worker.enrol`` messages and 1000-record
      ``attendance.batch`` messages, publish to receipt (validated, stored, receipt
      published): records/s, receipt latency p50/p99 at the maximum rate and at half;
  (c) a full sweep over a seeded province (20,000 projects), per monitor (seeded directly:
      loadtests/seeding.py and loadtests/sweep_bench.py);
  (d) peak memory (VmHWM) of each service's process;
  (e) the ratios of (b) to (a);
  (f) scale-out: two instances of the workers service against one.

Maximum rates are measured by draining a queue loaded beforehand (the consumer, or the
ingress, starts once the messages wait), latencies by publishing at a fixed rate.

    .venv/bin/python -m loadtests.bench              # a few minutes
    .venv/bin/python -m loadtests.bench --quick      # a smoke run of seconds

Figures go to stdout (progress, then a summary table) and to test-output/bench/bench.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform as host
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from loadtests.bench_processes import baseline_queue
from loadtests.bench_rig import ROOT, BenchMessage, Publisher, Receipts, Rig, Vhost
from loadtests.figures import percentile
from shared.contract.client import DEFAULT_AMQP_URI, envelope
from shared.contract.topology import ingress_exchange, ingress_key, receipts_exchange
from testkit.province import builders as build
from testkit.province.generator import hunan_counties
from wagewatch.broker import DEFAULT_MANAGEMENT_URL

OWNERS = ("projects", "payroll", "workers", "accounts", "alerts", "complaints")
PROJECT_START = date(2026, 9, 1)
SENT_AT = "2026-11-20T08:00:00+08:00"
SINGLES_BASE = 5_000_000          # worker index of the first single-record enrolment
RECEIPT_TIMEOUT = 600.0
SWEEP_TIMEOUT = 3600.0


# --- the messages ------------------------------------------------------------------------

class Messages:
    """The bench's county messages: a project per county with workers enrolled, then
    single-record enrolments and full attendance batches, each with a fresh message_id."""

    def __init__(self, counties: int, batch_records: int):
        self.counties = list(hunan_counties(counties))
        self.batch_records = batch_records
        self.workers_per_project = (batch_records + 1) // 2
        self._singles = 0
        self._days = 0
        self._serial = 0

    def _message(self, kind: str, county: str, message_type: str, payload: dict, records: int) -> BenchMessage:
        self._serial += 1
        message_id = f"bench-{kind}-{self._serial:07d}"
        body = json.dumps(envelope(message_id, message_type, county, payload) | {"sent_at": SENT_AT},
                          ensure_ascii=False).encode("utf-8")
        return BenchMessage(message_id, ingress_key(county, message_type), body, records)

    @staticmethod
    def project_code(county: str) -> str:
        return f"{county}-BENCH"

    def _worker_number(self, c: int, i: int) -> str:
        return build.resident_number(c * 1000 + i)

    def setup(self) -> list[BenchMessage]:
        """A project per county, and the workers that clock in at its gate."""
        return [*(self._message("setup", county, "project.upsert", self._project(county), 1)
                  for county in self.counties), *self.enrolments()]

    def enrolments(self) -> list[BenchMessage]:
        return [self._message("setup", county, "worker.enrol", {"records": [
                    self._enrolment(county, self._worker_number(c, i), c * 1000 + i)
                    for i in range(self.workers_per_project)]}, self.workers_per_project)
                for c, county in enumerate(self.counties)]

    def _project(self, county: str) -> dict:
        return build.project(self.project_code(county), county, "基准测试项目", "housing", "private",
                             owner=build.party("基准建设单位", build.company_code(county, 901)),
                             contractor=build.party("基准施工单位", build.company_code(county, 902)),
                             contract_amount=50_000_000, start_date=PROJECT_START,
                             planned_end_date=PROJECT_START + timedelta(days=700))

    def _enrolment(self, county: str, id_number: str, n: int) -> dict:
        return build.enrolment(self.project_code(county), id_number, build.person_name(n),
                               build.company_code(county, 902), PROJECT_START, trade=build.TRADES[n % 8],
                               phone_number=build.worker_phone(n))

    def singles(self, count: int) -> list[BenchMessage]:
        """``worker.enrol`` messages of one record each: new workers, counties in turn."""
        messages = []
        for _ in range(count):
            n = SINGLES_BASE + self._singles
            county = self.counties[self._singles % len(self.counties)]
            self._singles += 1
            messages.append(self._message("single", county, "worker.enrol", {"records": [
                self._enrolment(county, build.resident_number(n), n)]}, 1))
        return messages

    def batches(self, count: int) -> list[BenchMessage]:
        """Full ``attendance.batch`` messages: a county's workers in the morning and the
        evening of one day (a new day each round of counties)."""
        messages = []
        for k in range(count):
            c = k % len(self.counties)
            if c == 0:
                self._days += 1
            day = PROJECT_START + timedelta(days=self._days)
            county = self.counties[c]
            numbers = [self._worker_number(c, i) for i in range(self.workers_per_project)]
            records = [build.clock_in(self.project_code(county), number, build.at(day, hour, minute))
                       for hour, minute in ((7, 30), (17, 40)) for number in numbers][:self.batch_records]
            messages.append(self._message("batch", county, "attendance.batch", {"records": records},
                                          len(records)))
        return messages


# --- figures -----------------------------------------------------------------------------

def latency_figures(latencies: list[float]) -> dict:
    return {"p50_ms": _ms(percentile(latencies, 0.50)), "p99_ms": _ms(percentile(latencies, 0.99)),
            "max_ms": _ms(max(latencies) if latencies else None), "samples": len(latencies)}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def progress(label: str, total: int, started: float):
    def show(done: int) -> None:
        elapsed = time.monotonic() - started
        print(f"    {label}: {done}/{total} ({done / max(elapsed, 1e-9):.0f}/s)", flush=True)
    return show


# --- the phases --------------------------------------------------------------------------

class Bench:
    def __init__(self, args, vhost: Vhost, out_dir: Path):
        self.args = args
        self.uri = vhost.uri
        self.rig = Rig(vhost.uri, out_dir / "logs", args.max_workers)
        self.messages = Messages(args.counties, args.records)
        self.results: dict = {}
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        stamp = f"[{time.monotonic() - self.started:5.0f}s] " if not text.startswith(" ") else ""
        print(f"{stamp}{text}", flush=True)

    # (a) ------------------------------------------------------------------------------------
    def baselines(self, singles: list[BenchMessage], batches: list[BenchMessage]) -> dict:
        publisher = Publisher(self.uri, baseline_queue("bench.x").exchange)
        figures: dict[str, Any] = {}
        try:
            for kind, label in (("kombu", "no-op kombu consumer"), ("nameko", "empty nameko consumer")):
                for shape, messages in (("single", singles), ("batch", batches)):
                    queue = f"bench.{kind}.{shape}"
                    baseline_queue(queue)(publisher.channel).declare()
                    self.say(f"  (a) {label}, {shape}-record messages ({len(messages)} "
                             f"x {len(messages[0].body):,} bytes)")
                    figures.setdefault(kind, {})[shape] = self._baseline(kind, queue, publisher, messages)
        finally:
            publisher.close()
        return figures

    def _baseline(self, kind: str, queue: str, publisher: Publisher, messages: list[BenchMessage]) -> dict:
        """Drain a loaded queue (the maximum rate), then take messages published at half that rate."""
        publisher.preload(messages)
        consumer = self.rig.baseline(kind, queue, len(messages))
        try:
            consumer.wait_ready()
            done = consumer.read("done", RECEIPT_TIMEOUT)
            rate = done["count"] / max(done["last"] - done["t0"], 1e-9)
            half_count = self.fixed_rate_count(rate / 2, messages[0].records)
            half = [messages[i % len(messages)] for i in range(half_count)]
            pacer = publisher.paced(half, rate / 2, end=True)
            done = consumer.read("done", RECEIPT_TIMEOUT)
            pacer.join()
        finally:
            consumer.stop()
        figures = {"messages_per_s": round(rate, 1), "records_per_s": round(rate * messages[0].records, 1),
                   "at_half_rate": {"offered_per_s": round(rate / 2, 1), "published_per_s": round(pacer.achieved or 0, 1),
                                    **latency_figures(done["latencies"])}}
        self.say(f"      {rate:,.0f} messages/s; at half that rate p50 {figures['at_half_rate']['p50_ms']} ms, "
                 f"p99 {figures['at_half_rate']['p99_ms']} ms")
        return figures

    def fixed_rate_count(self, rate: float, records: int) -> int:
        """Messages for a fixed-rate run: ``--latency-seconds`` of them, at least
        ``--min-latency-samples``, at most ``--latency-records`` records."""
        return max(self.args.min_latency_samples,
                   min(int(rate * self.args.latency_seconds), max(1, self.args.latency_records // records)))

    # (b) ------------------------------------------------------------------------------------
    def start_platform(self) -> None:
        self.say(f"  starting {len(OWNERS) + 1} services, one process each …")
        started = time.monotonic()
        self.rig.start_services(*((name,) for name in OWNERS))
        self.rig.start_services(("ingress",))
        self.say(f"  services up in {time.monotonic() - started:.1f}s")

    def send_and_check(self, publisher: Publisher, receipts: Receipts, messages: list[BenchMessage],
                       label: str) -> None:
        started = time.monotonic()
        publisher.preload(messages)
        arrived = receipts.wait([m.message_id for m in messages], RECEIPT_TIMEOUT,
                                progress(label, len(messages), started))
        statuses = Counter(status for _t, status in arrived)
        if set(statuses) != {"accepted"}:
            raise SystemExit(f"{label}: receipts {dict(statuses)} (expected all accepted); see test-output/bench/logs")

    def max_rate(self, publisher: Publisher, receipts: Receipts, messages: list[BenchMessage], label: str) -> dict:
        """Load the ingress queue with the ingress stopped, start it, time to the last receipt."""
        self.rig.stop_service("ingress")
        publisher.preload(messages)
        self.rig.start_services(("ingress",))
        t0 = self.rig.services["ingress"].ready
        assert t0 is not None    # start_services waits until it is ready
        arrived = receipts.wait([m.message_id for m in messages], RECEIPT_TIMEOUT,
                                progress(label, len(messages), time.monotonic()))
        seconds = max(t for t, _ in arrived) - t0
        statuses = Counter(status for _t, status in arrived)
        records = sum(m.records for m in messages)
        figures = {"messages": len(messages), "records": records, "seconds": round(seconds, 2),
                   "messages_per_s": round(len(messages) / seconds, 1),
                   "records_per_s": round(records / seconds, 1), "statuses": dict(statuses)}
        self.say(f"      max: {figures['messages_per_s']:,.1f} messages/s, {figures['records_per_s']:,.0f} "
                 f"records/s ({len(messages)} messages in {seconds:.1f}s; receipts {dict(statuses)})")
        return figures

    def paced(self, publisher: Publisher, receipts: Receipts, messages: list[BenchMessage], rate: float,
              label: str) -> dict:
        pacer = publisher.paced(messages, rate)
        arrived = receipts.wait([m.message_id for m in messages], RECEIPT_TIMEOUT,
                                progress(label, len(messages), time.monotonic()))
        pacer.join()
        latencies = [t - publisher.sent[m.message_id] for m, (t, _s) in zip(messages, arrived, strict=True)]
        figures = {"offered_per_s": round(rate, 1), "published_per_s": round(pacer.achieved or 0, 1),
                   **latency_figures(latencies)}
        self.say(f"      {label}: receipt latency p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms "
                 f"({len(messages)} messages offered at {rate:,.1f}/s)")
        return figures

    def platform(self, publisher: Publisher, receipts: Receipts, singles: list[BenchMessage],
                 batches: list[BenchMessage]) -> dict:
        self.say(f"  (b) set-up: {len(self.messages.counties)} counties, a project each with "
                 f"{self.messages.workers_per_project} workers")
        self.send_and_check(publisher, receipts, self.messages.setup(), "set-up receipts")
        figures: dict[str, Any] = {"single": {}, "batch": {}}
        self.say(f"  (b) platform, single-record worker.enrol: {len(singles)} messages")
        single = figures["single"]
        single["max"] = self.max_rate(publisher, receipts, singles, "receipts")
        rate = single["max"]["messages_per_s"]
        single["at_max_rate"] = self.paced(publisher, receipts, self.messages.singles(self.fixed_rate_count(rate, 1)), rate,
                                           "at the max rate")
        single["at_half_rate"] = self.paced(publisher, receipts,
                                            self.messages.singles(self.fixed_rate_count(rate / 2, 1)), rate / 2,
                                            "at half the max rate")
        self.say(f"  (b) platform, attendance.batch of {self.args.records} records: {len(batches)} messages")
        batch = figures["batch"]
        batch["max"] = self.max_rate(publisher, receipts, batches, "receipts")
        rate = batch["max"]["messages_per_s"]
        batch["at_half_rate"] = self.paced(publisher, receipts,
                                           self.messages.batches(self.fixed_rate_count(rate / 2, self.args.records)),
                                           rate / 2, "at half the max rate")
        return figures

    # (f) ------------------------------------------------------------------------------------
    def scale_out_blocked(self) -> str | None:
        """Why two processes of the busiest service cannot be measured here, or None."""
        reasons = []
        if not self.args.scale_out_mongo_uri:
            reasons.append("two processes of one service need a store they share (--scale-out-mongo-uri "
                           "mongodb://…); each process's embedded store is its own")
        cores = os.cpu_count() or 1
        if cores < 4 and not self.args.scale_out_anyway:
            reasons.append(f"this machine has {cores} cores: two workers processes, the ingress, the other "
                           "services, the broker and the bench would share them, so the figure would measure "
                           "the machine, not the service (--scale-out-anyway runs it all the same)")
        return "; ".join(reasons) or None

    def scale_out(self, publisher: Publisher, receipts: Receipts) -> dict:
        """The workers service (the busiest: every clock-in is its work) in one process, then
        in two processes competing on its queues, on a store they share; attendance batches
        at the maximum rate, each time new days."""
        blocked = self.scale_out_blocked()
        if blocked:
            self.say(f"  not run: {blocked}")
            return {"status": "not run", "reason": blocked, "cores": os.cpu_count()}
        self.say("  (f) the workers service in one process, then two, on a shared store")
        self.rig.stop_all()
        self.rig.mongo_uri = self.args.scale_out_mongo_uri
        try:
            self.start_platform()
            self.send_and_check(publisher, receipts, self.messages.setup(), "set-up again (shared store)")
            count = len(self.batches_for_scale)
            one = self.max_rate(publisher, receipts, self.messages.batches(count), "receipts, one workers process")
            self.rig.start_services(("workers",), key="workers#2")
            two = self.max_rate(publisher, receipts, self.messages.batches(count), "receipts, two workers processes")
        finally:
            self.rig.mongo_uri = None
        return {"status": "run", "store": "shared", "one_process_records_per_s": one["records_per_s"],
                "two_processes_records_per_s": two["records_per_s"],
                "ratio": round(two["records_per_s"] / one["records_per_s"], 2), "cores": os.cpu_count()}

    # the run --------------------------------------------------------------------------------
    def run(self) -> dict:
        args = self.args
        singles = self.messages.singles(args.singles)
        batches = self.messages.batches(args.batches)
        self.batches_for_scale = batches
        self.say("(a) raw baselines on the same messages")
        self.results["baseline"] = self.baselines(singles, batches)
        self.say("(b) the platform end to end (publish to receipt)")
        self.start_platform()
        publisher = Publisher(self.uri, ingress_exchange)
        receipts = Receipts(self.uri, receipts_exchange)
        try:
            self.results["platform"] = self.platform(publisher, receipts, singles, batches)
            self.say("(f) scale-out: two processes of the workers service against one")
            if args.no_scale_out:
                self.say("  not run (--no-scale-out)")
                self.results["scale_out"] = {"status": "not run", "reason": "--no-scale-out", "cores": os.cpu_count()}
            else:
                self.results["scale_out"] = self.scale_out(publisher, receipts)
        finally:
            receipts.close()
            publisher.close()
            self.rig.note_peaks()
            self.rig.stop_all()
        self.results["sweeps"] = []
        for projects in args.sweep_projects:
            self.say(f"(c) a full sweep over a seeded province of {projects:,} projects")
            self.results["sweeps"].append(self.sweep(projects))
        self.results["sweep"] = self.results["sweeps"][-1]      # the largest, as the JSON had it
        self.results["memory_mib"] = {k: round(v / 1024, 1) for k, v in sorted(self.rig.peaks.items())}
        self.results["ratios"] = ratios(self.results)
        self.results["targets"] = targets(self.results)
        return self.results

    def sweep(self, projects: int) -> dict:
        """(c) in a vhost of its own: the sweep's monitoring services share one process and
        its embedded store, seeded directly (loadtests/seeding.py, loadtests/sweep_bench.py)."""
        if self.args.no_sweep:
            self.say("  not run (--no-sweep)")
            return {"status": "not run", "reason": "--no-sweep", "projects": projects}
        if not (ROOT / "loadtests" / "sweep_bench.py").exists():
            self.say("  not run: loadtests/sweep_bench.py (seeding and timing the sweep) is not here yet")
            return {"status": "not run", "reason": "loadtests/sweep_bench.py missing", "projects": projects}
        vhost = Vhost(self.args.amqp_uri, self.args.management_url).create()
        process = self.rig.sweep(vhost.uri, projects, min(self.args.sweep_counties, projects))
        try:
            process.wait_ready()
            report = process.read("sweep", SWEEP_TIMEOUT, echo=lambda line: self.say(f"    {line}"))
            figures = {"status": "run", **report["sweep"],
                       "memory_mib": round((process.peak_kib or 0) / 1024, 1)}
        except (RuntimeError, TimeoutError) as exc:   # the other figures are still worth writing
            self.say(f"  the sweep failed: {exc}")
            figures = {"status": "failed", "reason": str(exc), "exit_code": process.popen.poll(), "projects": projects}
        finally:
            process.stop()
            vhost.delete()
        return figures


def ratios(results: dict) -> dict:
    base, plat = results["baseline"], results["platform"]
    single = plat["single"]["max"]["messages_per_s"]
    batch = plat["batch"]["max"]["records_per_s"]
    return {
        "single_vs_empty_nameko": round(single / base["nameko"]["single"]["messages_per_s"], 3),
        "single_vs_raw_kombu": round(single / base["kombu"]["single"]["messages_per_s"], 3),
        "batch_records_vs_raw_kombu": round(batch / base["kombu"]["batch"]["records_per_s"], 3),
        "batch_records_vs_empty_nameko": round(batch / base["nameko"]["batch"]["records_per_s"], 3),
    }


def targets(results: dict) -> dict:
    plat, rat = results["platform"], results["ratios"]
    found = {
        "batch_records_per_s >= 20000": (plat["batch"]["max"]["records_per_s"], 20000, ">="),
        "single_vs_empty_nameko >= 0.8": (rat["single_vs_empty_nameko"], 0.8, ">="),
        "single_p99_ms_at_half_rate <= 500": (plat["single"]["at_half_rate"]["p99_ms"], 500, "<="),
    }
    for sweep in results.get("sweeps", []):
        if sweep.get("total_seconds") is not None and sweep.get("projects", 0) >= 20_000:
            found["sweep_seconds_20000_projects <= 10"] = (sweep["total_seconds"], 10, "<=")
    scale = results.get("scale_out", {})
    if scale.get("status") == "run":
        found["scale_out_two_processes >= 1.6"] = (scale["ratio"], 1.6, ">=")
    return {name: {"value": value, "target": target,
                   "met": value is not None and (value >= target if op == ">=" else value <= target)}
            for name, (value, target, op) in found.items()}


# --- the machine and the summary ---------------------------------------------------------

def machine(vhost: Vhost) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), host.processor())
    memory = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), None)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mib": memory, "python": host.python_version(),
            "os": f"{host.system()} {host.release()}", "rabbitmq": vhost.rabbitmq_version(),
            "load_average_at_start": round(os.getloadavg()[0], 2)}


def _figure(value, unit: str = "", digits: int = 0) -> str:
    return "missing" if value is None else f"{value:,.{digits}f}{unit}"


def issue_table(results: dict) -> list[str]:
    """Issue 19's table, every row from this run: the platform, its baseline, the ratio,
    the goal and whether it is met."""
    base, plat, rat = results["baseline"], results["platform"], results["ratios"]
    targets = results["targets"]
    met = lambda name: "" if name not in targets else ("met" if targets[name]["met"] else "MISSED")  # noqa: E731
    rows = [("path", "platform", "baseline", "ratio", "goal", ""),
            ("single-record worker.enrol, messages/s", _figure(plat["single"]["max"]["messages_per_s"]),
             f"empty nameko handler {_figure(base['nameko']['single']['messages_per_s'])}",
             f"{rat['single_vs_empty_nameko']:.3f}", ">= 0.8", met("single_vs_empty_nameko >= 0.8")),
            (f"{results['settings']['records']}-record attendance.batch, records/s",
             _figure(plat["batch"]["max"]["records_per_s"]),
             f"empty nameko handler {_figure(base['nameko']['batch']['records_per_s'])}",
             f"{rat['batch_records_vs_empty_nameko']:.3f}", ">= 20,000 records/s", met("batch_records_per_s >= 20000")),
            ("receipt p99 at half the max rate", _figure(plat["single"]["at_half_rate"]["p99_ms"], " ms", 1),
             f"empty nameko {_figure(base['nameko']['single']['at_half_rate']['p99_ms'], ' ms', 1)}", "-",
             "<= 500 ms", met("single_p99_ms_at_half_rate <= 500"))]
    for sweep in results.get("sweeps", []):
        projects = sweep.get("projects")
        label = f"sweep of {projects:,} projects" if projects else "sweep"
        if sweep.get("total_seconds") is None:
            rows.append((label, f"{sweep.get('status', 'not run')} ({sweep.get('reason', '')})", "-", "-",
                         "<= 10 s at 20,000" if (projects or 0) >= 20_000 else "proportional to change", ""))
            continue
        rows.append((label, f"{sweep['total_seconds']:.1f} s, {_figure(sweep.get('total_again_seconds'), ' s', 1)} "
                            "again with nothing changed", "-", "-",
                     "<= 10 s" if projects >= 20_000 else "proportional to change",
                     met("sweep_seconds_20000_projects <= 10") if projects >= 20_000 else ""))
    scale = results.get("scale_out", {})
    if scale.get("status") == "run":
        rows.append(("two workers processes against one, records/s", _figure(scale["two_processes_records_per_s"]),
                     f"one process {_figure(scale['one_process_records_per_s'])}", f"{scale['ratio']:.2f}", ">= 1.6",
                     met("scale_out_two_processes >= 1.6")))
    else:
        rows.append(("two workers processes against one", "not run", "-", "-", ">= 1.6 where the cores allow", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    lines = [" | ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return ["", "Issue 19's table (this run)", "---------------------------", *lines]


def summary(results: dict) -> str:
    base, plat = results["baseline"], results["platform"]
    rows = [("", "messages/s", "records/s", "p50 ms", "p99 ms")]

    def add(label, rate, latencies):
        rows.append((label, f"{rate['messages_per_s']:,.1f}", f"{rate['records_per_s']:,.0f}",
                     str(latencies.get("p50_ms")), str(latencies.get("p99_ms"))))

    for kind, label in (("kombu", "no-op kombu"), ("nameko", "empty nameko")):
        for shape in ("single", "batch"):
            add(f"(a) {label}, {shape} (latency at half rate)", base[kind][shape], base[kind][shape]["at_half_rate"])
    add("(b) platform single, at max rate", plat["single"]["max"], plat["single"]["at_max_rate"])
    add("(b) platform single, at half rate", plat["single"]["max"], plat["single"]["at_half_rate"])
    add("(b) platform batch of 1000, at half rate", plat["batch"]["max"], plat["batch"]["at_half_rate"])
    width = max(len(r[0]) for r in rows)
    lines = ["", "Summary", "-------"]
    lines += [f"{r[0]:<{width}}  {r[1]:>11}  {r[2]:>10}  {r[3]:>9}  {r[4]:>9}" for r in rows]
    lines.append("")
    for sweep in results.get("sweeps", [results.get("sweep", {})]):
        if sweep.get("monitors"):
            lines.append(f"(c) sweep over {sweep['projects']:,} projects: " + ", ".join(
                f"{k} {v:.2f}s" for k, v in sweep["monitors"].items()) + f"; total {sweep['total_seconds']:.2f}s "
                f"(again, nothing changed: {sweep.get('total_again_seconds')}s); alerts "
                f"{'exactly as expected' if sweep.get('exact_match') else 'NOT as expected'}; "
                f"one process, {sweep.get('memory_mib')} MiB peak")
        else:
            lines.append(f"(c) sweep of {_figure(sweep.get('projects'))} projects: {sweep.get('status', 'not run')} "
                         f"({sweep.get('reason', '')})")
    lines.append("(d) peak memory (VmHWM) per process: " + ", ".join(
        f"{k} {v:.0f} MiB" for k, v in results["memory_mib"].items()) + "".join(
        f"; sweep of {s['projects']:,} projects {s['memory_mib']:.0f} MiB"
        for s in results.get("sweeps", []) if s.get("memory_mib")))
    lines.append("(e) ratios: " + ", ".join(f"{k} {v:.3f}" for k, v in results["ratios"].items()))
    s = results.get("scale_out", {})
    if s.get("status") == "run":
        lines.append(f"(f) scale-out, attendance batches on a shared store: one workers process "
                     f"{s['one_process_records_per_s']:,.0f} records/s, two {s['two_processes_records_per_s']:,.0f} "
                     f"records/s (x{s['ratio']}) on {s['cores']} cores")
    else:
        lines.append(f"(f) scale-out: not run: {s.get('reason', '')}")
    lines += issue_table(results)
    lines.append("")
    lines.append("targets: " + "; ".join(f"{k}: {v['value']} {'met' if v['met'] else 'MISSED'}"
                                         for k, v in results["targets"].items()))
    m = results["machine"]
    lines.append(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_mib']} MiB, Python {m['python']}, "
                 f"RabbitMQ {m['rabbitmq']}, load average {m['load_average_at_start']} at the start "
                 "(broker, services and load on the same machine)")
    return "\n".join(lines)


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError(f"not a list of positive numbers: {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    parser.add_argument("--management-url", default=os.environ.get("RABBITMQ_MANAGEMENT_URL", DEFAULT_MANAGEMENT_URL),
                        help="RabbitMQ's management API (it makes the bench's vhost)")
    parser.add_argument("--counties", type=int, default=10, help="publishing counties (the ingress keeps each in order)")
    parser.add_argument("--singles", type=int, default=2000, help="single-record messages for the max rate")
    parser.add_argument("--batches", type=int, default=30, help="attendance batches for the max rate")
    parser.add_argument("--records", type=int, default=1000, help="records per attendance batch")
    parser.add_argument("--latency-seconds", type=float, default=8.0, help="length of each fixed-rate run")
    parser.add_argument("--min-latency-samples", type=int, default=50)
    parser.add_argument("--latency-records", type=int, default=100_000, help="most records in one fixed-rate run")
    parser.add_argument("--max-workers", type=int, default=10, help="nameko max_workers of every process")
    parser.add_argument("--no-scale-out", action="store_true", help="skip (f)")
    parser.add_argument("--scale-out-mongo-uri", default=os.environ.get("BENCH_SCALE_OUT_MONGO_URI"),
                        help="(f): the store two processes of one service share (mongodb://…; MongoDB or the "
                             "wire-protocol server); without it (f) is not run and says why")
    parser.add_argument("--scale-out-anyway", action="store_true",
                        help="(f): run it on fewer than 4 cores too (the figure then measures the machine)")
    parser.add_argument("--no-sweep", action="store_true", help="skip (c)")
    parser.add_argument("--sweep-projects", type=_sizes, default=[2_000, 20_000],
                        help="(c): projects in the seeded province, one sweep per size (comma-separated; "
                             "default 2000,20000, the rows of issue 19's table)")
    parser.add_argument("--sweep-counties", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="a smoke run of seconds (small sizes)")
    parser.add_argument("--out", default=str(ROOT / "test-output" / "bench"))
    args = parser.parse_args(argv)
    if args.quick:
        args.counties, args.singles, args.batches = 3, 60, 3
        args.sweep_projects, args.sweep_counties = [40], 4
        args.latency_seconds, args.min_latency_samples = 1.0, 5
    out = Path(args.out)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    vhost = Vhost(args.amqp_uri, args.management_url).create()
    print(f"WageWatch benchmark in vhost {vhost.name} (service logs in {out / 'logs'})", flush=True)
    started = time.monotonic()
    try:
        bench = Bench(args, vhost, out)
        results: dict[str, Any] = {"settings": {k: v for k, v in vars(args).items() if k not in ("amqp_uri", "management_url")},
                   "machine": machine(vhost)}
        results.update(bench.run())
    finally:
        vhost.delete()
    results["seconds"] = round(time.monotonic() - started, 1)
    (out / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(summary(results))
    print(f"figures in {out / 'bench.json'} (run took {results['seconds']:.0f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
