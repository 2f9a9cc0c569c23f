"""The seeded province: counties, projects, workers and a month of their records, as the
county systems would publish them.

Projects are kept (a few hundred bytes each); workers, clock-ins and payroll lines are
made from indexes as the messages are generated, so a province of 20,000 projects and
millions of clock-ins streams in constant memory.

Each project started on the first day of the month two months before the seeded month M,
with its workers enrolled from its start. Healthy projects have everything in place: a
dedicated account opened in the first week, the deposit (rate x contract amount) lodged
in the second, labour cost credited for M-2, M-1 and M (enough for the next payroll too),
payroll for those months paid on the 10th of the next month (before the default pay day
on the 15th), and every worker clocking in daily, Sundays off, from the first of M to the
day before ``as_of``. Every project is registered with contract 1.1 (``schema_version`` 1.1)
and its terms in place: the construction contract signed 20 days before the start, the
owner's payment guarantee, the permit, a wage officer, the signboard up on day 3, and the
labour cost it is credited each month agreed as ``labour_cost.monthly_amount``.
Violations each take one of those away (see spec.py).
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from shared.calendar import Month
from shared.contract.envelope import envelope
from shared.contract.messages import MAX_BATCH_RECORDS
from shared.divisions import current_counties, name_of
from testkit.province import builders as build
from testkit.province.spec import (
    BELOW_MINIMUM_WAGE,
    DEPOSIT_SHORT,
    LABOUR_COST_SHORT,
    MONTHS_OWED,
    NO_ACCOUNT,
    NO_ALLOCATION,
    NO_ATTENDANCE,
    NO_CONSTRUCTION_PERMIT,
    NO_DEPOSIT,
    NO_PAYMENT_GUARANTEE,
    NO_WAGE_OFFICER,
    PAYEE_NOT_ENROLLED,
    PAYROLL_MISSING,
    UNREGISTERED_CLOCK_IN,
    WAGES_SHORT,
    WORKER_UNPAID,
    ProvinceSpec,
)

PROVINCE = "430000"  # 湖南省
SECTORS = (("housing", 30, "安置房"), ("municipal", 20, "市政道路"), ("water", 15, "水利"),
           ("transport", 15, "公路"), ("railway", 5, "铁路站场"), ("energy", 8, "光伏电站"), ("other", 7, "产业园"))
FUNDING = (("government", 35), ("soe", 25), ("private", 40))
DEPOSIT_RATE = 0.02      # deploy/config.yml RULES.deposit_missing.rate
LABOUR_COST_COVER = 2.5  # labour cost credited each month, as a multiple of the month's payroll
BELOW_MINIMUM_PAY = 1500  # yuan: a month's pay under the lowest class of RULES.minimum_wage (1,550)
PAID_ON_DAY = 10         # payroll paid out on this day of the next month (due on the 15th)
BANKS = ("长沙银行", "湖南农信", "中国建设银行湖南省分行", "中国工商银行湖南省分行")
RoutingFn = Callable[..., list]


@dataclass(frozen=True)
class SeedProject:
    index: int                 # position in the province; its workers are index * workers_per_project + i
    code: str
    county: str
    name: str
    sector: str
    funding: str
    contract_amount: int       # yuan
    wage: int                  # monthly wage of its first worker (yuan); the others earn a little more
    violation: str | None = None

    def worker(self, spec: ProvinceSpec, i: int) -> int:
        return self.index * spec.workers_per_project + i

    def wage_of(self, i: int) -> int:
        return self.wage + 100 * (i % 5)


def hunan_counties(count: int) -> dict[str, str]:
    """The first ``count`` county-level divisions of Hunan (code order), code -> name."""
    codes = current_counties(PROVINCE)
    if count > len(codes):
        raise ValueError(f"Hunan has {len(codes)} county-level divisions; asked for {count}.")
    return {code: _named(code) for code in codes[:count]}


def _named(code: str) -> str:
    name = name_of(code)
    assert name is not None, code    # current_counties lists only codes GB/T 2260 names
    return name


def generate(spec: ProvinceSpec) -> Province:
    return Province(spec)


class Province:
    def __init__(self, spec: ProvinceSpec):
        self.spec = spec
        self.month: Month = spec.month
        self.start_date: date = self.month.shift(1 - MONTHS_OWED).first_day
        self.counties: dict[str, str] = hunan_counties(spec.counties)
        self.projects: list[SeedProject] = _projects(spec, self.counties)
        self._by_county: dict[str, list[SeedProject]] = {c: [] for c in self.counties}
        for p in self.projects:
            self._by_county[p.county].append(p)
        self._strangers = {p.code: k for k, p in enumerate(
            p for p in self.projects if p.violation == UNREGISTERED_CLOCK_IN)}
        self._stranger_ids = {build.stranger_number(k) for k in self._strangers.values()}
        self._gate_days = _gate_days(self.month, spec.as_of)

    # --- what the sweep must find ---------------------------------------------------------
    @cached_property
    def expected_alerts(self) -> Counter:
        """(department, division, type, project_code) -> count, routed by the alert policy
        in deploy/alert-policy.yml. Use :meth:`alerts_routed_by` for another routing."""
        from testkit.province.expected import default_routing
        return self.alerts_routed_by(default_routing())

    def alerts_routed_by(self, departments: RoutingFn) -> Counter:
        from testkit.province.expected import expected_alerts
        return expected_alerts(self, departments)

    def stranger_id(self, project: SeedProject) -> str | None:
        """The ID number of the unregistered person who clocks in at this project's gate."""
        k = self._strangers.get(project.code)
        return None if k is None else build.stranger_number(k)

    def receipt_status(self, env: dict) -> str:
        """The status the platform must answer this province's envelope with."""
        if env["type"] == "attendance.batch" and self._stranger_ids:
            if any(r["id_number"] in self._stranger_ids for r in env["payload"]["records"]):
                return "partial"
        return "accepted"

    # --- the messages -------------------------------------------------------------------------
    def messages(self, county: str | None = None, gate: bool = True) -> Iterator[dict]:
        """Contract envelopes in an order a county system would send them: the registry,
        money set-up, enrolments, labour cost, the gate day by day, then payroll. All
        counties one after another unless ``county`` is given; ``gate=False`` leaves out
        the month of clock-ins (the load test sends its own) without making them."""
        for code in ([county] if county else self.counties):
            yield from self._county_messages(code, gate)

    def projects_in(self, county: str) -> list[SeedProject]:
        return list(self._by_county[county])

    def volume(self) -> dict[str, tuple[int, int]]:
        """Message type -> (messages, records) the province sends, counted without making
        them (records: batch records, or one per message)."""
        kinds = Counter(p.violation for p in self.projects)
        projects, owed, workers = len(self.projects), len(self.months_owed()), self.spec.workers_per_project
        volume = {
            "project.upsert": (projects, projects),
            "account.opened": (projects - kinds[NO_ACCOUNT],) * 2,
            "deposit.paid": (projects - kinds[NO_DEPOSIT],) * 2,
            "allocation.received": (owed * (projects - kinds[NO_ACCOUNT]) - kinds[NO_ALLOCATION],) * 2,
            "payroll.paid": (owed * projects - kinds[PAYROLL_MISSING],) * 2,
            "worker.enrol": (sum(_batches_of(len(ps) * workers) for ps in self._by_county.values()),
                             projects * workers)}
        gate = [0, 0]
        for county_projects in self._by_county.values():
            for day in self._gate_days:
                records = sum(workers for p in county_projects
                              if not (p.violation == NO_ATTENDANCE and day > self.month.last_day))
                records += sum(1 for p in county_projects
                               if p.violation == UNREGISTERED_CLOCK_IN and day == self._gate_days[-1])
                gate[0] += _batches_of(records)
                gate[1] += records
        volume["attendance.batch"] = (gate[0], gate[1])
        return volume

    def _county_messages(self, county: str, gate: bool = True) -> Iterator[dict]:
        projects = self._by_county[county]
        for p in projects:
            yield self._envelope(f"{p.code}-project", "project.upsert", county, self.project_payload(p), self.start_date, 8,
                                 schema_version=1.1)
        for p in projects:
            yield from self._setup(p)
        enrolments = (self._enrolment(p, i) for p in projects for i in range(self.spec.workers_per_project))
        yield from self._batches(f"{county}-enrol", "worker.enrol", county, enrolments, self.start_date, 9)
        for p in projects:
            yield from self._allocations(p)
        ids = {p.code: [build.resident_number(p.worker(self.spec, i)) for i in range(self.spec.workers_per_project)]
               for p in projects}
        for day in (self._gate_days if gate else ()):
            records = (r for p in projects for r in self._clock_ins(p, day, ids[p.code]))
            yield from self._batches(f"{county}-gate-{day:%Y%m%d}", "attendance.batch", county, records, day, 10)
        for month in self.months_owed():
            for p in projects:
                sheet = self._payroll(p, month)
                if sheet is not None:
                    yield self._envelope(f"{p.code}-payroll-{month}", "payroll.paid", county, sheet,
                                         month.shift(1).day(PAID_ON_DAY), 16)

    def months_owed(self) -> list[Month]:
        return [self.month.shift(k) for k in range(1 - MONTHS_OWED, 1)]

    def gate_days(self) -> list[date]:
        """Every day from the first of the seeded month to the day before ``as_of``, Sundays off."""
        return list(self._gate_days)

    def _envelope(self, message_id: str, message_type: str, county: str, payload: dict, day: date,
                  hour: int, schema_version: int | float = 1) -> dict:
        env = envelope(message_id, message_type, county, payload, schema_version=schema_version)
        env["sent_at"] = build.at(day, hour)
        return env

    def _batches(self, prefix: str, message_type: str, county: str, records: Iterator[dict], day: date,
                 hour: int) -> Iterator[dict]:
        batch: list[dict] = []
        number = 0
        for record in records:
            batch.append(record)
            if len(batch) == MAX_BATCH_RECORDS:
                number += 1
                yield self._envelope(f"{prefix}-{number:03d}", message_type, county, {"records": batch}, day, hour)
                batch = []
        if batch:
            yield self._envelope(f"{prefix}-{number + 1:03d}", message_type, county, {"records": batch}, day, hour)

    # --- payloads of one project ------------------------------------------------------------
    def project_payload(self, p: SeedProject) -> dict:
        return build.project(
            p.code, p.county, p.name, p.sector, p.funding,
            owner=build.party(f"{p.name}建设单位", build.company_code(p.county, 2 * p.index + 1)),
            contractor=build.party(f"湖南{self.counties[p.county]}建工集团第{p.index % 9 + 1}工程公司",
                                   self.contractor_code(p)),
            contract_amount=p.contract_amount, start_date=self.start_date,
            planned_end_date=self.month.shift(18).last_day, terms=self.project_terms(p))

    def project_terms(self, p: SeedProject) -> dict:
        """Contract 1.1's terms: all in place (the agreed labour cost is what is credited each
        month), but for the one a 1.1 violation takes away."""
        n = p.worker(self.spec, 0)
        return build.project_terms(
            self.start_date, self.labour_cost(p), p.contract_amount, build.person_name(n + 7), build.worker_phone(n + 7),
            guarantee=p.violation != NO_PAYMENT_GUARANTEE, officer=p.violation != NO_WAGE_OFFICER,
            permit=None if p.violation == NO_CONSTRUCTION_PERMIT else f"{p.county}{self.start_date:%Y%m%d}{p.index:04d}")

    def labour_cost(self, p: SeedProject):
        """The labour cost agreed (and, but for a violation, credited) each month."""
        return LABOUR_COST_COVER * self._payroll_due(p)

    def contractor_code(self, p: SeedProject) -> str:
        return build.company_code(p.county, 2 * p.index + 2)

    def _setup(self, p: SeedProject) -> Iterator[dict]:
        if p.violation != NO_ACCOUNT:
            yield self._envelope(f"{p.code}-account", "account.opened", p.county, build.account(
                p.code, BANKS[p.index % len(BANKS)], f"6217{p.index:012d}", self.start_date + timedelta(days=4)),
                self.start_date + timedelta(days=4), 9)
        if p.violation != NO_DEPOSIT:
            required = p.contract_amount * DEPOSIT_RATE
            amount = required / 2 if p.violation == DEPOSIT_SHORT else required
            paid_on = self.start_date + timedelta(days=9)
            yield self._envelope(f"{p.code}-deposit", "deposit.paid", p.county,
                                 build.deposit(p.code, amount, paid_on, ("bank_guarantee", "cash", "insurance")[p.index % 3]),
                                 paid_on, 9)

    def _enrolment(self, p: SeedProject, i: int) -> dict:
        n = p.worker(self.spec, i)
        return build.enrolment(p.code, build.resident_number(n), build.person_name(n), self.contractor_code(p),
                               self.start_date, trade=build.TRADES[n % len(build.TRADES)],
                               team=f"{i // 10 + 1}班", phone_number=build.worker_phone(n))

    def _allocations(self, p: SeedProject) -> Iterator[dict]:
        if p.violation == NO_ACCOUNT:
            return  # no account to credit
        for month in self.months_owed():
            if p.violation == NO_ALLOCATION and month == self.month:
                continue
            received = month.day(25)
            amount = self.labour_cost(p)
            if p.violation == LABOUR_COST_SHORT and month == self.month:
                amount = amount / 2
            yield self._envelope(f"{p.code}-labour-{month}", "allocation.received", p.county,
                                 build.allocation(p.code, month, amount, received), received, 11)

    def _payroll_due(self, p: SeedProject) -> int:
        return sum(p.wage_of(i) for i in range(self.spec.workers_per_project))

    def _clock_ins(self, p: SeedProject, day: date, ids: list[str]) -> Iterator[dict]:
        """The project's clock-ins of the day: each worker once in the morning (``ids``: the
        workers' ID numbers, made once per county rather than once per clock-in)."""
        if p.violation == NO_ATTENDANCE and day > self.month.last_day:
            return  # the gate falls silent after the seeded month
        morning = f"{day.isoformat()}T07:"
        for i, id_number in enumerate(ids):
            n = p.worker(self.spec, i)
            yield {"project_code": p.code, "id_number": id_number, "at": f"{morning}{n % 60:02d}:{n * 7 % 60:02d}+08:00"}
        if p.violation == UNREGISTERED_CLOCK_IN and day == self._gate_days[-1]:
            stranger = self.stranger_id(p)
            assert stranger is not None    # planted for this violation
            yield build.clock_in(p.code, stranger, build.at(day, 7, 45))

    def _payroll(self, p: SeedProject, month: Month) -> dict | None:
        """The month's sheet, or None when none is sent."""
        latest = month == self.month
        if latest and p.violation == PAYROLL_MISSING:
            return None
        workers = self.spec.workers_per_project
        lines = []
        for i in range(workers):
            if latest and p.violation == WORKER_UNPAID and i == workers - 1:
                continue
            due = p.wage_of(i)
            if latest and p.violation == BELOW_MINIMUM_WAGE and i == 0:
                due = BELOW_MINIMUM_PAY   # agreed and paid, and below the minimum wage of every county class
            paid = due - 1500 if latest and p.violation == WAGES_SHORT and i == 0 else due
            lines.append(build.payroll_line(build.resident_number(p.worker(self.spec, i)), due, paid))
        if latest and p.violation == PAYEE_NOT_ENROLLED:
            lines.append(build.payroll_line(build.stranger_number(len(self.projects) + p.index), p.wage))
        if not lines:
            return None
        return build.payroll(p.code, month, month.shift(1).day(PAID_ON_DAY), lines)


def _batches_of(records: int) -> int:
    return -(-records // MAX_BATCH_RECORDS)


def _gate_days(month: Month, as_of: date) -> tuple[date, ...]:
    first, last = month.first_day, as_of - timedelta(days=1)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return tuple(day for day in days if day.weekday() != 6)


def _projects(spec: ProvinceSpec, counties: dict[str, str]) -> list[SeedProject]:
    rng = random.Random(spec.seed)
    sectors, sector_weights = [s[0] for s in SECTORS], [s[1] for s in SECTORS]
    labels = {s[0]: s[2] for s in SECTORS}
    funding, funding_weights = [f[0] for f in FUNDING], [f[1] for f in FUNDING]
    violations = _violations(spec, rng)
    projects = []
    year = spec.month.shift(1 - MONTHS_OWED).year
    codes = list(counties)
    for index in range(spec.projects):
        county = codes[index // spec.projects_per_county]
        number = index % spec.projects_per_county + 1
        sector = rng.choices(sectors, sector_weights)[0]
        projects.append(SeedProject(
            index=index, code=f"{county}-{year}-{number:04d}", county=county,
            name=f"{counties[county]}{labels[sector]}工程{number:03d}标段", sector=sector,
            funding=rng.choices(funding, funding_weights)[0],
            contract_amount=rng.randrange(30, 2000) * 100_000, wage=rng.randrange(50, 90) * 100,
            violation=violations.get(index)))
    return projects


def _violations(spec: ProvinceSpec, rng: random.Random) -> dict[int, str]:
    """Project index -> violation kind: ``violating_projects`` projects, the kinds taken
    in turn (so every kind appears once there are as many projects as kinds)."""
    chosen = rng.sample(range(spec.projects), spec.violating_projects)
    kinds = list(spec.violations)
    return {index: kinds[k % len(kinds)] for k, index in enumerate(chosen)}
