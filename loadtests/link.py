"""The load test's side of the broker, for locust (gevent): publishing as a county, matching
receipts to what was published, and timing alerts after a sweep.

Each figure reaches locust as a request event (``request_type="amqp"``):

- ``<type>`` or ``bad <kind>``: publish, until the broker confirms it;
- ``receipt <type>`` / ``receipt bad <kind>``: publish to the receipt arriving on the
  county's receipt queue, matched by message_id; a failure when the status is not the
  one meant (``accepted`` for valid traffic, ``rejected`` for bad input) or none came;
- ``alert <TYPE>``: the start of the sweep to the alert arriving on a queue bound to the
  alerts exchange (every department's stream).

Built on ``shared.contract.client`` (kombu only: no eventlet, no nameko in this process).
"""
from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import gevent
from gevent.event import Event

from loadtests import figures
from loadtests.mix import Outgoing
from shared.contract.client import CountyClient, Listener
from shared.contract.topology import alert_binding, alerts_exchange, ingress_key, receipt_key, receipts_exchange

REQUEST_TYPE = "amqp"


class WrongReceipt(Exception):
    """The platform answered, but not with the status the message was meant to get."""


class NoReceipt(Exception):
    """No receipt arrived in time."""


@dataclass
class Pending:
    outgoing: Outgoing
    started: float                     # perf_counter at publish
    done: Event = field(default_factory=Event)
    status: str | None = None
    interrupted: bool = False          # the user was stopped mid-publish: it may not have gone out


class ReceiptTracker(Listener):
    """One queue bound to every county's receipts, read by one greenlet for the whole
    locust process; each receipt is matched to its message by message_id."""

    def __init__(self, amqp_uri: str, counties: list[str], fire):
        super().__init__(amqp_uri, receipts_exchange, [receipt_key(c) for c in counties])
        self.fire = fire
        self.pending: dict[str, Pending] = {}
        self.statuses: Counter = Counter()     # (expected, received) -> count
        self.unmatched: list[tuple] = []       # (message_id, type, status): not ours, or answered twice
        self.latencies: dict[str, list[float]] = {"registry": [], "mix": []}   # ms, valid traffic
        self.records_accepted = 0
        self.cut_short = 0      # publishes a stopped user never finished: left out of every figure
        self._greenlet = gevent.spawn(self._run)

    def expect(self, outgoing: Outgoing) -> Pending:
        entry = Pending(outgoing, time.perf_counter())
        self.pending[outgoing.message_id] = entry
        return entry

    def forget(self, message_id: str) -> None:
        self.pending.pop(message_id, None)

    def _run(self) -> None:
        while True:
            self.drain(1.0)

    def _on_message(self, body, message):
        arrived = time.perf_counter()
        entry = self.pending.pop((body or {}).get("message_id") or "", None)
        if entry is None:
            body = body or {}
            self.unmatched.append((body.get("message_id"), body.get("type"), body.get("status")))
            return
        out, status = entry.outgoing, body.get("status")
        if entry.interrupted:
            return              # its publish was never counted: neither is its receipt
        elapsed = (arrived - entry.started) * 1000
        self.statuses[(out.expected_status, status)] += 1
        if not out.bad:
            self.latencies["registry" if out.name.startswith("registry ") else "mix"].append(elapsed)
        self.records_accepted += (body.get("records") or {}).get("accepted", 0)
        wrong = None if status == out.expected_status else WrongReceipt(
            f"{status} (meant {out.expected_status}): {_first_error(body)}")
        entry.status = status
        self.fire(request_type=REQUEST_TYPE, name=f"receipt {out.name}", response_time=elapsed,
                  response_length=out.records, exception=wrong, context={})
        entry.done.set()

    def wait_all(self, timeout: float, say=print) -> int:
        """Wait for every outstanding receipt; a message still unanswered after ``timeout``
        is counted as a failure. Returns how many were missing."""
        deadline = time.monotonic() + timeout
        last_said = 0.0
        owed = lambda: [e for e in self.pending.values() if not e.interrupted]  # noqa: E731
        while owed() and time.monotonic() < deadline:
            if time.monotonic() - last_said > 5:
                say(f"[load] waiting for {len(owed())} receipt(s)…", flush=True)
                last_said = time.monotonic()
            gevent.sleep(0.1)
        grace = time.monotonic() + 2.0       # for messages a stopped user may have sent
        while self.pending and time.monotonic() < min(grace, deadline):
            gevent.sleep(0.1)
        missing = [entry for entry in self.pending.values() if not entry.interrupted]
        self.pending.clear()
        for entry in missing:
            self.statuses[(entry.outgoing.expected_status, "none")] += 1
            self.fire(request_type=REQUEST_TYPE, name=f"receipt {entry.outgoing.name}",
                      response_time=(time.perf_counter() - entry.started) * 1000, response_length=0,
                      exception=NoReceipt(f"no receipt within {timeout:.0f}s of the end of the run"), context={})
        return len(missing)

    def close(self) -> None:
        self._greenlet.kill()
        super().close()


def _first_error(receipt: dict) -> str:
    errors = receipt.get("errors") or {}
    rejected = (receipt.get("records") or {}).get("rejected") or []
    if errors:
        key = next(iter(errors))
        return f"{key}: {errors[key]}"
    if rejected:
        return f"record {rejected[0].get('index')}: {rejected[0].get('errors')}"
    return "no errors given"


class CountyPublisher:
    """One user's connection: publishes with publisher confirms, timing each publish."""

    def __init__(self, amqp_uri: str, tracker: ReceiptTracker, fire):
        self.client = CountyClient(amqp_uri)
        self.tracker, self.fire = tracker, fire

    def publish(self, county: str, out: Outgoing) -> Pending:
        entry = self.tracker.expect(out)      # receipt latency runs from here: publish to receipt
        started = entry.started
        try:
            self.client.publish_raw(out.body, ingress_key(county, out.message_type), message_id=out.message_id)
        except BaseException as exc:   # noqa: BLE001 - GreenletExit: the user is stopped mid-publish
            if not isinstance(exc, Exception):
                entry.interrupted = True   # it may have gone out, or not: it counts in no figure
                self.tracker.cut_short += 1
                raise
            self.tracker.forget(out.message_id)
            if isinstance(exc, Exception):
                self.fire(request_type=REQUEST_TYPE, name=out.name, response_time=_ms(started),
                          response_length=len(out.body), exception=exc, context={})
            raise
        self.fire(request_type=REQUEST_TYPE, name=out.name, response_time=_ms(started),
                  response_length=len(out.body), exception=None, context={})
        return entry

    def close(self) -> None:
        self.client.close()


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class AlertWatch(Listener):
    """Every alert on every department's stream, timed from ``start()``."""

    def __init__(self, amqp_uri: str, fire):
        super().__init__(amqp_uri, alerts_exchange, [alert_binding()])
        self.fire = fire
        self.started: float | None = None
        self.latencies: list[float] = []
        self.by_type: Counter = Counter()

    def start(self) -> None:
        self.drain(0.05)
        self.messages.clear()            # alerts raised before the sweep (complaints) do not count
        self.started = time.perf_counter()

    def _on_message(self, body, message):
        if self.started is None or body.get("type") == "COMPLAINT_FILED":
            return                       # raised on arrival of a complaint, not by the sweep
        elapsed = (time.perf_counter() - self.started) * 1000
        name = f"alert {body.get('type')}" + ("" if body.get("status", "firing") == "firing" else " resolved")
        self.latencies.append(elapsed)
        self.by_type[name] += 1
        self.messages.append(body)
        self.fire(request_type=REQUEST_TYPE, name=name, response_time=elapsed, response_length=1,
                  exception=None, context={})

    def wait_quiet(self, busy, quiet: float = 3.0, timeout: float = 120.0) -> None:
        """Read alerts while ``busy()`` and until none has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        seen, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            self.drain(0.2)
            if len(self.messages) != seen:
                seen, last_change = len(self.messages), time.monotonic()
            if not busy() and time.monotonic() - last_change >= quiet:
                return


def percentile(values: list[float], share: float) -> float:
    """As :func:`loadtests.figures.percentile`, NaN when there are none (printed as ``nan``)."""
    found = figures.percentile(values, share)
    return float("nan") if found is None else found


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
