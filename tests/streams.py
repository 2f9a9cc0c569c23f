"""A county's stream of messages and the check that each one had its effect exactly once,
for the tests that crash services and restart brokers in the middle of it."""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import eventlet
from kombu import Connection

from shared.contract.access import receipts_queue
from shared.nameko.container import BROKER_CONNECTION_ERRORS
from shared.storage import database_for
from tests.factories import COUNTY, message, payroll, project, worker_id


@dataclass
class Stream:
    """``projects`` projects, each followed by ``months`` monthly payrolls of ``workers`` lines."""

    projects: int
    months: int
    workers: int = 40
    messages: list[dict] = field(default_factory=list)

    def __post_init__(self):
        for p in range(self.projects):
            code = f"{COUNTY}-FAULT-{p:03d}"
            self.messages.append(message("project.upsert", project(project_code=code, start_date="2025-01-01"),
                                         message_id=f"fault-{code}"))
            for m in range(self.months):
                month = f"{2025 + m // 12}-{m % 12 + 1:02d}"
                lines = [{"id_number": worker_id(w), "amount_due": 6000.00 + w, "amount_paid": 6000.00 + w}
                         for w in range(1, self.workers + 1)]
                self.messages.append(message("payroll.paid", payroll(month, project_code=code, lines=lines),
                                             message_id=f"fault-{code}-{month}"))

    @property
    def ids(self) -> list[str]:
        return [m["message_id"] for m in self.messages]


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        eventlet.sleep(interval)
    return predicate()


@dataclass
class Effects:
    """What the platform stored for a stream, counted from every service's database."""

    projects: int
    project_versions: Counter
    payroll_months: int
    payroll_lines: int
    messages_per_month: Counter
    logged: int
    receipts_unsent: int

    @classmethod
    def of(cls, mongo_uri: str, stream: Stream) -> Effects:
        codes = {m["payload"]["project_code"] for m in stream.messages}
        projects = list(database_for(mongo_uri, "projects")["projects"].find({"_id": {"$in": list(codes)}}))
        months = list(database_for(mongo_uri, "payroll")["payroll_months"].find({"project_code": {"$in": list(codes)}}))
        log = list(database_for(mongo_uri, "ingress")["messages"].find({"message_id": {"$in": stream.ids}}))
        return cls(
            projects=len(projects),
            project_versions=Counter(p["version"] for p in projects),
            payroll_months=len(months),
            payroll_lines=sum(len(m["lines"]) for m in months),
            messages_per_month=Counter(len(m["message_ids"]) for m in months),
            logged=len(log),
            receipts_unsent=sum(1 for entry in log if not entry["receipt_sent"]),
        )

    def check(self, stream: Stream) -> dict:
        """Lost and duplicated effects (both must be 0), with the counts behind them."""
        expected_months = stream.projects * stream.months
        lost = ((stream.projects - self.projects) + (expected_months - self.payroll_months)
                + (expected_months * stream.workers - self.payroll_lines) + (len(stream.messages) - self.logged))
        # A project stored twice would be at version 2; a payroll month applied twice would
        # list its message twice (it cannot: $addToSet), so count months with more than one.
        duplicated = (sum(n for v, n in self.project_versions.items() if v != 1)
                      + sum(n for k, n in self.messages_per_month.items() if k != 1))
        return {"lost": lost, "duplicated": duplicated, "projects": self.projects,
                "payroll_months": self.payroll_months, "payroll_lines": self.payroll_lines,
                "logged": self.logged, "receipts_unsent": self.receipts_unsent}


def receipt_tally(receipts: list[dict], stream: Stream) -> dict:
    """How the county's receipts answered the stream."""
    by_id = defaultdict(list)
    for receipt in receipts:
        by_id[receipt["message_id"]].append(receipt["status"])
    return {
        "receipts": len(receipts),
        "answered": sum(1 for i in stream.ids if by_id.get(i)),
        "unanswered": [i for i in stream.ids if not by_id.get(i)],
        "first_not_accepted": {i: by_id[i] for i in stream.ids if by_id.get(i) and by_id[i][0] != "accepted"},
        "repeated": sum(len(s) - 1 for s in by_id.values()),
        "statuses": Counter(s for statuses in by_id.values() for s in statuses),
    }


class DurableReceipts:
    """A county's receipts queue as deployment declares it (durable, bound to
    ``county.<division>``), read by a consumer that reconnects by itself and acknowledges
    each receipt only once it is kept: it survives a broker restart as a county's should."""

    def __init__(self, amqp_uri: str, division: str = COUNTY):
        self.amqp_uri = amqp_uri
        self.queue = receipts_queue(division)
        self.bodies: list[dict] = []
        self.reconnects = 0
        with Connection(amqp_uri) as connection:
            self.queue(connection.channel()).declare()
            self._errors = (*BROKER_CONNECTION_ERRORS, *connection.connection_errors, *connection.channel_errors)
        self._stopped = False
        self._thread = eventlet.spawn(self._run)

    def _keep(self, body, message):
        self.bodies.append(body)
        message.ack()

    def _run(self):
        while not self._stopped:
            try:
                with Connection(self.amqp_uri, connect_timeout=2) as connection:
                    with connection.Consumer([self.queue], callbacks=[self._keep], accept=["json"]):
                        while not self._stopped:
                            try:
                                connection.drain_events(timeout=0.5)
                            except TimeoutError:
                                pass
            except self._errors:
                self.reconnects += 1
                eventlet.sleep(0.5)

    def close(self):
        self._stopped = True
        self._thread.wait()
