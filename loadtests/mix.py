"""What one county system sends, message by message: the traffic mix of the load test.

Plain Python over the seeded province (``testkit.province``): no locust, gevent or kombu,
so the mix can be read and tested on its own. A county first publishes its registry (the
province's own messages for that county, except the gate: projects, accounts, deposits,
enrolments, labour cost and payroll); after that, :meth:`CountyTraffic.next_message` draws
from the mix below. Valid traffic keeps the province's planted violations (no payroll for a
project planted without one, no account where none was opened, ...), so a sweep after
the run raises the alerts the province expects, plus a COMPLAINT_FILED per complaint.

A configurable share of the messages is deliberately bad and must come back ``rejected``:
a body that is not JSON, a project with a required field missing, and an enrolment whose
ID number has a wrong check digit.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shared.calendar import SHANGHAI
from shared.contract.envelope import envelope
from shared.contract.messages import MAX_BATCH_RECORDS
from testkit.province import Province, SeedProject
from testkit.province import builders as build
from testkit.province import spec as violation

# Relative weights: the morning gate dominates the day (the realistic burst: a county's
# whole workforce in a few batches of up to 1000 records), late arrivals trickle in as
# small batches, payroll comes in a wave around pay day, the registry changes slowly and
# complaints are rare.
MIX = {
    "gate_burst": 10,        # attendance.batch: a county's morning gate, up to 1000 records
    "late_arrivals": 30,     # attendance.batch: 1-20 records of one project
    "enrol": 6,              # worker.enrol: 1-10 new workers on one project
    "payroll": 8,            # payroll.paid: one project's sheet for a month (re-sent: merges)
    "project": 4,            # project.upsert: a project's data again
    "account": 2,            # account.opened
    "allocation": 3,         # allocation.received: labour cost for a month
    "deposit": 2,            # deposit.paid
    "complaint": 0.5,        # complaint.filed (raises COMPLAINT_FILED at once)
}
BAD_KINDS = ("malformed-json", "missing-field", "bad-check-digit")
# Payroll violations live in the seeded (latest) month's sheet: it is never re-sent for them.
PAYROLL_VIOLATIONS = {violation.PAYROLL_MISSING, violation.WORKER_UNPAID, violation.WAGES_SHORT,
                      violation.PAYEE_NOT_ENROLLED, violation.BELOW_MINIMUM_WAGE}
# Identity indexes of the workers the load enrols: far above the province's own workers and
# below the strangers'; a repeat is harmless (re-enrolling with the same entry date changes nothing).
NEW_WORKERS_BASE, NEW_WORKERS_SPAN = 20_000_000, 5_000_000


@dataclass
class Outgoing:
    """One message to publish: its name in the statistics, routing and body."""

    name: str                 # the message type, "registry <type>" or "bad <kind>"
    message_type: str
    message_id: str
    body: bytes
    records: int = 1
    bad: bool = False         # meant to be rejected

    @property
    def expected_status(self) -> str:
        return "rejected" if self.bad else "accepted"


class CountyTraffic:
    """The messages of one county system of the province, identified by ``id_prefix``
    (unique per run and user, so a second run on the same platform is not ``duplicate``)."""

    def __init__(self, province: Province, county: str, id_prefix: str, *, bad_share: float = 0.02,
                 rng: random.Random | None = None):
        self.province, self.county, self.id_prefix = province, county, id_prefix
        self.bad_share = bad_share
        self.rng = rng or random.Random()
        self.spec = province.spec
        self.projects = [p for p in province.projects if p.county == county]
        self.days = province.gate_days()
        self._sent = 0
        self._gate_cursor = 0

    # --- ids and envelopes ------------------------------------------------------------------
    def _next_id(self) -> str:
        self._sent += 1
        return f"{self.id_prefix}-{self._sent:07d}"

    def _out(self, message_type: str, payload: dict, records: int = 1, name: str | None = None,
             bad: bool = False) -> Outgoing:
        message_id = self._next_id()
        env = envelope(message_id, message_type, self.county, payload,
                       sent_at=datetime.now(SHANGHAI))
        return Outgoing(name or message_type, message_type, message_id,
                        json.dumps(env, ensure_ascii=False).encode("utf-8"), records, bad)

    # --- the registry, once per county ------------------------------------------------------
    def setup(self) -> Iterator[Outgoing]:
        """The province's messages for this county, gate excluded, in their valid order."""
        for env in self.province.messages(self.county, gate=False):
            records = len(env["payload"].get("records", ())) or 1
            yield self._out(env["type"], env["payload"], records, name=f"registry {env['type']}")

    # --- the mix ----------------------------------------------------------------------------
    def next_message(self) -> Outgoing:
        if self.rng.random() < self.bad_share:
            return self.bad(self.rng.choice(BAD_KINDS))
        kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        return getattr(self, kind)()

    def gate_burst(self) -> Outgoing:
        """The morning gate of one day: every worker of the county (the projects in turn),
        at most 1000 records; the next burst carries on where this one stopped."""
        day = self.days[self._gate_cursor // max(len(self.projects), 1) % len(self.days)]
        records: list[dict] = []
        while True:
            p = self.projects[self._gate_cursor % len(self.projects)]
            if records and len(records) + self.spec.workers_per_project > MAX_BATCH_RECORDS:
                break   # the next project's workers go in the next batch
            self._gate_cursor += 1
            if self._attends(p, day):
                records.extend(self._clock_in(p, i, day) for i in range(self.spec.workers_per_project))
            if self._gate_cursor % len(self.projects) == 0:
                break   # the whole county has been through the gate: the next burst is the next day
        records = records[:MAX_BATCH_RECORDS] or [self._clock_in(self._attending(day), 0, day)]
        return self._out("attendance.batch", {"records": records}, len(records))

    def late_arrivals(self) -> Outgoing:
        day = self.rng.choice(self.days)
        p = self._attending(day)
        count = self.rng.randint(1, min(20, self.spec.workers_per_project))
        workers = self.rng.sample(range(self.spec.workers_per_project), count)
        records = [self._clock_in(p, i, day, late=True) for i in workers]
        return self._out("attendance.batch", {"records": records}, len(records))

    def enrol(self) -> Outgoing:
        p = self.rng.choice(self.projects)
        count = self.rng.randint(1, 10)
        records = [self._new_enrolment(p) for _ in range(count)]
        return self._out("worker.enrol", {"records": records}, len(records))

    def payroll(self) -> Outgoing:
        p = self.rng.choice(self.projects)
        months = self.province.months_owed()
        if p.violation in PAYROLL_VIOLATIONS:
            months = months[:-1]
        month = self.rng.choice(months)
        lines = [build.payroll_line(build.resident_number(p.worker(self.spec, i)), p.wage_of(i))
                 for i in range(self.spec.workers_per_project)]
        return self._out("payroll.paid", build.payroll(p.code, month, month.shift(1).day(10), lines))

    def project(self) -> Outgoing:
        return self._out("project.upsert", self.province.project_payload(self.rng.choice(self.projects)))

    def account(self) -> Outgoing:
        p = self._choose(lambda p: p.violation != violation.NO_ACCOUNT)
        if p is None:
            return self.project()
        opened = self.province.start_date + timedelta(days=4)
        return self._out("account.opened", build.account(p.code, "长沙银行", f"6217{p.index:012d}", opened))

    def allocation(self) -> Outgoing:
        p = self._choose(lambda p: p.violation != violation.NO_ACCOUNT)
        if p is None:
            return self.project()
        months = self.province.months_owed()
        if p.violation == violation.NO_ALLOCATION:
            months = months[:-1]
        month = self.rng.choice(months)
        amount = 2.5 * sum(p.wage_of(i) for i in range(self.spec.workers_per_project))
        return self._out("allocation.received", build.allocation(p.code, month, amount, month.day(25)))

    def deposit(self) -> Outgoing:
        p = self._choose(lambda p: p.violation not in (violation.NO_DEPOSIT, violation.DEPOSIT_SHORT))
        if p is None:
            return self.project()
        paid_on = self.province.start_date + timedelta(days=9)
        return self._out("deposit.paid", build.deposit(p.code, p.contract_amount * 0.02, paid_on))

    def complaint(self) -> Outgoing:
        p = self.rng.choice(self.projects)
        n = self._sent + 1
        payload = {
            "complaint_id": f"{self.id_prefix}-C{n}", "channel": "hotline",
            "filed_at": datetime.combine(self.days[-1], time(10), SHANGHAI).isoformat(),
            "division": self.county, "project_code": p.code,
            "employer": {"name": "压测劳务分包有限公司", "uscc": build.company_code(self.county, 2 * p.index + 2)},
            "complainant": {"name": build.person_name(p.worker(self.spec, 0))},
            "workers_affected": 1, "amount_claimed": float(p.wage), "description": "上月工资未发。",
        }
        return self._out("complaint.filed", payload)

    # --- bad input: must come back rejected -------------------------------------------------
    def bad(self, kind: str) -> Outgoing:
        name = f"bad {kind}"
        if kind == "malformed-json":
            good = self.late_arrivals()
            return Outgoing(name, good.message_type, good.message_id, good.body[: len(good.body) // 2], bad=True)
        if kind == "missing-field":
            payload = dict(self.province.project_payload(self.rng.choice(self.projects)))
            del payload["sector"]
            return self._out("project.upsert", payload, name=name, bad=True)
        if kind == "bad-check-digit":
            record = self._new_enrolment(self.rng.choice(self.projects))
            number = record["id_number"]
            record["id_number"] = number[:-1] + ("0" if number[-1] != "0" else "1")
            return self._out("worker.enrol", {"records": [record]}, name=name, bad=True)
        raise ValueError(f"Unknown kind of bad input: {kind!r}; use one of {', '.join(BAD_KINDS)}.")

    # --- helpers ------------------------------------------------------------------------------
    def _attends(self, p: SeedProject, day: date) -> bool:
        """A project planted with a silent gate has no clock-ins after the seeded month."""
        return not (p.violation == violation.NO_ATTENDANCE and day > self.province.month.last_day)

    def _attending(self, day: date) -> SeedProject:
        return self._choose(lambda p: self._attends(p, day)) or self.projects[0]

    def _choose(self, keep) -> SeedProject | None:
        candidates = [p for p in self.projects if keep(p)]
        return self.rng.choice(candidates) if candidates else None

    def _clock_in(self, p: SeedProject, i: int, day: date, late: bool = False) -> dict:
        n = p.worker(self.spec, i)
        hour, minute = (8, n % 60) if late else (7, n % 60)
        return build.clock_in(p.code, build.resident_number(n), build.at(day, hour, minute, n * 7 % 60))

    def _new_enrolment(self, p: SeedProject) -> dict:
        n = NEW_WORKERS_BASE + self.rng.randrange(NEW_WORKERS_SPAN)
        return build.enrolment(p.code, build.resident_number(n), build.person_name(n),
                               self.province.contractor_code(p), self.days[-1], trade="labourer")


