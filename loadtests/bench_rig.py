"""The benchmark's rig: a throwaway vhost, the processes it runs, a confirmed publisher
and a receipt collector. Plain kombu and the standard library (no eventlet, no nameko):
the services and baseline consumers run in processes of their own (bench_processes.py).
"""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

from kombu import Connection, Consumer, Exchange, Producer, Queue

from loadtests.bench_processes import NAMEKO_END_HEADER, NAMEKO_SENT_HEADER
from wagewatch.broker import ManagementApi

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class BenchMessage:
    message_id: str
    routing_key: str
    body: bytes
    records: int


# --- a vhost of the bench's own ----------------------------------------------------------

class Vhost:
    """A vhost made through the RabbitMQ management API (as the tests' ``rabbit_config``
    does) and deleted with everything in it at the end."""

    def __init__(self, amqp_uri: str, management_url: str):
        parts = urllib.parse.urlsplit(amqp_uri)
        self.user = urllib.parse.unquote(parts.username or "guest")
        self.api = ManagementApi(management_url, self.user,
                                 urllib.parse.unquote(parts.password or "guest"))
        self.name = f"wagewatch_bench_{uuid.uuid4().hex[:8]}"
        self.uri = f"{parts.scheme}://{parts.netloc}/{self.name}"

    def create(self) -> Vhost:
        self.api.call("PUT", f"vhosts/{self.name}", {})
        self.api.call("PUT", f"permissions/{self.name}/{self.api.quote(self.user)}",
                      {"configure": ".*", "write": ".*", "read": ".*"})
        return self

    def delete(self) -> None:
        self.api.call("DELETE", f"vhosts/{self.name}")

    def rabbitmq_version(self) -> str | None:
        try:
            return self.api.call("GET", "overview")["rabbitmq_version"]
        except Exception:  # noqa: BLE001 - only a label in the report
            return None


# --- processes ---------------------------------------------------------------------------

def peak_memory_kib(pid: int) -> int | None:
    """VmHWM (peak resident set) of a live process, in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PacedThread(threading.Thread):
    """A publishing thread; ``achieved`` (messages/s) is set when it has published all."""

    achieved: float | None = None


class Process:
    """A child process of bench_processes.py that reports on stdout in JSON lines."""

    def __init__(self, args: list[str], log_path: Path, env: dict):
        self.args = args
        self.log = open(log_path, "a", encoding="utf-8")
        self.popen = subprocess.Popen([sys.executable, "-m", "loadtests.bench_processes", *args], cwd=ROOT,
                                      stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        self.ready: float | None = None

    def read(self, key: str, timeout: float = 120.0, echo=None) -> dict:
        """The next JSON line that has ``key``; other lines go to ``echo`` (if given)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.popen.stdout is not None    # started with stdout=PIPE
            line = self.popen.stdout.readline()
            if not line:
                raise RuntimeError(f"bench process {self.args} exited (see {self.log.name})")
            try:
                report = json.loads(line)
            except ValueError:
                if echo:
                    echo(line.rstrip())
                continue
            if isinstance(report, dict) and key in report:
                return report
        raise TimeoutError(f"bench process {self.args} did not report {key!r}")

    def wait_ready(self) -> float:
        self.ready = self.read("ready")["ready"]
        return self.ready

    @property
    def peak_kib(self) -> int | None:
        return peak_memory_kib(self.popen.pid)

    def stop(self) -> None:
        """Killed, not stopped: the bench stops a process only when its work is answered
        (nothing is in flight), and nameko's clean stop takes seconds."""
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()
        self.log.close()


class Rig:
    """Starts and stops the bench's processes and keeps each service's peak memory."""

    def __init__(self, amqp_uri: str, log_dir: Path, max_workers: int):
        self.amqp_uri = amqp_uri
        self.mongo_uri: str | None = None     # None: each service process's own embedded store
        self.log_dir = log_dir
        self.max_workers = max_workers
        self.env = {**os.environ, "PII_HASH_KEY": "bench-only-pii-key",
                    "QUARANTINE_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                    "PYTHONWARNINGS": "ignore:pkg_resources is deprecated:UserWarning"}
        self.services: dict[str, Process] = {}
        self.peaks: dict[str, int] = {}

    def _common(self) -> list[str]:
        return ["--amqp-uri", self.amqp_uri, "--max-workers", str(self.max_workers)]

    def start_services(self, *groups: tuple[str, ...], key: str | None = None) -> None:
        """Each group of service names in one process, all started at once (``key``: the
        name of a lone group's process, for a second process of one service)."""
        started = {}
        for names in groups:
            name = key or "+".join(names)
            store = ["--mongo-uri", self.mongo_uri] if self.mongo_uri else []
            started[name] = Process(["services", *names, *self._common(), *store], self.log_dir / f"{name}.log",
                                    self.env)
        for key, process in started.items():
            process.wait_ready()
            self.services[key] = process

    def stop_service(self, key: str) -> None:
        process = self.services.pop(key)
        self._note_peak(key, process)
        process.stop()

    def _note_peak(self, key: str, process: Process) -> None:
        peak = process.peak_kib
        if peak:
            self.peaks[key] = max(self.peaks.get(key, 0), peak)

    def note_peaks(self) -> dict[str, int]:
        for key, process in self.services.items():
            self._note_peak(key, process)
        return dict(self.peaks)

    def baseline(self, kind: str, queue: str, expect: int) -> Process:
        return Process([kind, "--queue", queue, "--expect", str(expect), *self._common()],
                       self.log_dir / f"baseline-{kind}.log", self.env)

    def sweep(self, amqp_uri: str, projects: int, counties: int) -> Process:
        return Process(["sweep", "--amqp-uri", amqp_uri, "--projects", str(projects), "--counties", str(counties)],
                       self.log_dir / "sweep.log", self.env)

    def stop_all(self) -> None:
        for key in list(self.services):
            self.stop_service(key)


# --- publishing and receipts -------------------------------------------------------------

class Publisher:
    """Publishes with publisher confirms, persistent, as a county system does; stamps each
    message with its publish time in a header (the body is untouched)."""

    def __init__(self, amqp_uri: str, exchange: Exchange):
        self.connection = Connection(amqp_uri, transport_options={"confirm_publish": True})
        self.channel = self.connection.channel()
        self.exchange = exchange(self.channel)
        self.exchange.declare()
        self.producer = Producer(self.channel)
        self.sent: dict[str, float] = {}

    def publish(self, message: BenchMessage, end: bool = False) -> None:
        sent = time.time()
        self.sent[message.message_id] = sent
        headers = {NAMEKO_END_HEADER: True} if end else {NAMEKO_SENT_HEADER: sent}
        self.producer.publish(message.body, exchange=self.exchange, routing_key=message.routing_key,
                              content_type="application/json", content_encoding="binary", delivery_mode=2,
                              headers=headers, message_id=message.message_id)

    def preload(self, messages: list[BenchMessage]) -> float:
        """Publish all as fast as confirms allow; returns the publish rate (messages/s)."""
        started = time.monotonic()
        for message in messages:
            self.publish(message)
        return len(messages) / max(time.monotonic() - started, 1e-9)

    def paced(self, messages: list[BenchMessage], rate: float, end: bool = False) -> PacedThread:
        """Publish at ``rate`` messages/s (open loop) from a thread; returns the thread,
        whose ``achieved`` attribute is set at the end. With ``end``, a last message
        marked with the END header follows (a baseline consumer reports on it)."""
        def run():
            started = time.monotonic()
            for i, message in enumerate(messages):
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                self.publish(message)
            thread.achieved = len(messages) / max(time.monotonic() - started, 1e-9)
            if end:
                self.publish(messages[-1], end=True)

        thread = PacedThread(target=run, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self.connection.release()


class Receipts:
    """Every receipt the platform publishes in the vhost, by message_id, with arrival time."""

    def __init__(self, amqp_uri: str, exchange: Exchange):
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        exchange(channel).declare()
        queue = Queue(f"bench.receipts.{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key="county.#",
                      exclusive=True, auto_delete=True, durable=False)(channel)
        queue.declare()
        self.arrived: dict[str, tuple[float, str]] = {}
        self.consumer = Consumer(channel, queues=[queue], on_message=self._on_message, no_ack=True)
        self.consumer.consume()
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_message(self, message):
        now = time.time()
        body = json.loads(message.body)
        self.arrived[body["message_id"]] = (now, body["status"])

    def _run(self):
        while not self._stop:
            try:
                self.connection.drain_events(timeout=0.2)
            except TimeoutError:
                pass

    def wait(self, ids: list[str], timeout: float, progress=None) -> list[tuple[float, str]]:
        """Wait for the receipts of ``ids``; ``progress(done)`` about every second."""
        deadline = time.monotonic() + timeout
        shown = time.monotonic()
        while True:
            done = sum(1 for i in ids if i in self.arrived)
            if done == len(ids):
                return [self.arrived[i] for i in ids]
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(ids) - done} of {len(ids)} receipts missing after {timeout:.0f}s")
            if progress and time.monotonic() - shown >= 2.0:
                progress(done)
                shown = time.monotonic()
            time.sleep(0.02)

    def close(self) -> None:
        self._stop = True
        self.thread.join(2)
        self.connection.release()
