"""The processes the benchmark starts: WageWatch services, one process each as in
production (one container per service, each with its own embedded store), and the two
baseline consumers of the same messages (a no-op kombu consumer and an empty nameko one).

Each process prints JSON lines on stdout for the benchmark to read: ``{"ready": t0}``
when it consumes (``t0`` is taken just before consuming starts), and a baseline consumer
``{"done": …}`` with its timings once it has drained ``--expect`` messages, and again
when a message with the END header arrives. A service
process runs until SIGTERM and stops cleanly.

    python -m loadtests.bench_processes services --amqp-uri URI workers [workers]
    python -m loadtests.bench_processes kombu --amqp-uri URI --queue Q --expect N
    python -m loadtests.bench_processes nameko --amqp-uri URI --queue Q --expect N
    python -m loadtests.bench_processes sweep --amqp-uri URI --projects N --counties C
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

SENT_HEADER = "bench_sent"            # the publisher's clock (time.time()) at publish
NAMEKO_SENT_HEADER = f"nameko.{SENT_HEADER}"   # nameko hands "nameko.*" headers to a worker's context
END_HEADER = "bench_end"              # marks the message that ends a baseline's fixed-rate phase
NAMEKO_END_HEADER = f"nameko.{END_HEADER}"


def say(**fields) -> None:
    print(json.dumps(fields), flush=True)


def baseline_queue(name: str):
    """A queue like the ingress queue (quorum, durable, bound by county key) for a baseline."""
    from kombu import Exchange, Queue

    exchange = Exchange("bench.baseline", type="topic", durable=True)
    return Queue(name, exchange=exchange, routing_key="county.#", durable=True,
                 queue_arguments={"x-queue-type": "quorum"})


class Tally:
    """Receive times and publish-to-handler latencies of a baseline consumer, in two
    phases: the first ``expect`` messages (a loaded queue drained), then every message
    until one marked with the END header (messages published at a fixed rate)."""

    def __init__(self, expect: int):
        self.expect = expect
        self.t0 = 0.0
        self.phase = 1
        self.latencies: list[float] = []
        self.first: float | None = None
        self.last: float | None = None

    def count(self, sent, end=False) -> bool:
        """Count one message; True once the second phase is over."""
        now = time.time()
        if not end:
            self.first = self.first or now
            self.last = now
            if sent is not None:
                self.latencies.append(now - float(sent))
        if (self.phase == 1 and len(self.latencies) >= self.expect) or (self.phase == 2 and end):
            say(done=True, phase=self.phase, t0=self.t0, first=self.first, last=self.last,
                count=len(self.latencies), latencies=self.latencies, pid=os.getpid())
            self.phase += 1
            self.latencies, self.first = [], None
        return self.phase > 2


# --- the no-op kombu consumer ------------------------------------------------------------

def run_kombu(amqp_uri: str, queue_name: str, expect: int, prefetch: int) -> None:
    from kombu import Connection, Consumer

    tally = Tally(expect)
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        queue = baseline_queue(queue_name)(channel)
        queue.declare()
        finished = []

        def on_message(message):
            message.ack()
            headers = message.headers or {}
            if tally.count(headers.get(NAMEKO_SENT_HEADER), bool(headers.get(NAMEKO_END_HEADER))):
                finished.append(True)

        consumer = Consumer(channel, queues=[queue], on_message=on_message, prefetch_count=prefetch)
        tally.t0 = time.time()
        consumer.consume()
        say(ready=tally.t0, pid=os.getpid())
        while not finished:
            connection.drain_events(timeout=300)


# --- the empty nameko consumer -----------------------------------------------------------

def run_nameko(amqp_uri: str, queue_name: str, expect: int, max_workers: int) -> None:
    import eventlet
    eventlet.monkey_patch()
    from nameko.containers import ServiceContainer
    from nameko.extensions import DependencyProvider
    from nameko.messaging import consume

    tally = Tally(expect)
    finished = eventlet.event.Event()

    class Headers(DependencyProvider):
        def get_dependency(self, worker_ctx):
            return worker_ctx.data

    class EmptyService:
        name = "bench_empty"
        headers = Headers()

        @consume(baseline_queue(queue_name))
        def handle(self, body):
            if tally.count(self.headers.get(SENT_HEADER), bool(self.headers.get(END_HEADER))) \
                    and not finished.ready():
                finished.send(True)

    container = ServiceContainer(EmptyService, {"AMQP_URI": amqp_uri, "max_workers": max_workers,
                                                "serializer": "json"})
    tally.t0 = time.time()
    container.start()
    say(ready=tally.t0, pid=os.getpid())
    finished.wait()
    container.stop()


# --- WageWatch services ------------------------------------------------------------------

def run_services(amqp_uri: str, mongo_uri: str, names: list[str], max_workers: int | None) -> None:
    import eventlet
    eventlet.monkey_patch()
    import signal

    from nameko.containers import get_container_cls

    from wagewatch import platform
    from wagewatch.config import load_config

    config = load_config(AMQP_URI=amqp_uri, MONGO_URI=mongo_uri, DAILY_SWEEP=False,
                         PII_HASH_KEY=os.environ["PII_HASH_KEY"], QUARANTINE_KEY=os.environ["QUARANTINE_KEY"],
                         HEALTH_ADDRESS="", LOGGING={"version": 1, "root": {"level": "WARNING"}})
    if max_workers:
        config["max_workers"] = max_workers
    import logging.config
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    classes = {cls.name: cls for cls in platform.service_classes(console=False)}
    container_cls = get_container_cls(config)
    containers = [container_cls(classes[name], config) for name in names]
    t0 = time.time()
    for container in containers:
        container.start()
    say(ready=t0, pid=os.getpid(), services=names)
    stopping = eventlet.event.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.ready() or stopping.send(True))
    stopping.wait()
    for container in containers:
        container.stop()
    say(stopped=True)


# --- the sweep over a seeded province ----------------------------------------------------

def run_sweep(amqp_uri: str, projects: int, counties: int) -> None:
    """The monitors' sweeps over a seeded province (loadtests/sweep_bench.py seeds the
    embedded store of this process and runs the monitoring services in it)."""
    import eventlet
    eventlet.monkey_patch()
    from datetime import date

    from loadtests.sweep_bench import measure_sweep, spec_for
    from testkit.province import generate
    from wagewatch.config import load_config

    config = load_config(AMQP_URI=amqp_uri, MONGO_URI="mongomock://bench-sweep", DAILY_SWEEP=False,
                         PII_HASH_KEY=os.environ["PII_HASH_KEY"], QUARANTINE_KEY=os.environ["QUARANTINE_KEY"])
    province = generate(spec_for(projects, counties, 6, date(2026, 11, 23), 7, 0.2))
    say(ready=time.time(), pid=os.getpid())
    figures = measure_sweep(config, province, say=lambda line: print(line, flush=True))
    say(sweep=figures, pid=os.getpid())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A process of the WageWatch benchmark.")
    parser.add_argument("kind", choices=("services", "kombu", "nameko", "sweep"))
    parser.add_argument("names", nargs="*", help="services: the services this process runs")
    parser.add_argument("--amqp-uri", required=True)
    parser.add_argument("--mongo-uri", default="mongomock://bench")
    parser.add_argument("--queue")
    parser.add_argument("--expect", type=int, help="baselines: messages in the loaded queue")
    parser.add_argument("--max-workers", type=int, default=10)
    parser.add_argument("--projects", type=int, help="sweep: projects in the seeded province")
    parser.add_argument("--counties", type=int, help="sweep: its counties")
    args = parser.parse_args(argv)
    if args.kind == "kombu":
        run_kombu(args.amqp_uri, args.queue, args.expect, args.max_workers)
    elif args.kind == "nameko":
        run_nameko(args.amqp_uri, args.queue, args.expect, args.max_workers)
    elif args.kind == "sweep":
        run_sweep(args.amqp_uri, args.projects, args.counties)
    else:
        run_services(args.amqp_uri, args.mongo_uri, args.names, args.max_workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
