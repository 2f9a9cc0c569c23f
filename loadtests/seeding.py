"""Seed each service's store straight from a province, bypassing the broker.

Over AMQP a province of 20,000 projects takes many minutes to arrive; the sweep benchmark
needs it in its stores in about a minute. Seeding stores exactly what each service would
have stored had the province arrived over the contract, by running the services' own
code: every message is read as the ingress reads it (``check_payload`` and
``submission``) and handed to the owning service's RPC method, called on an instance of
the service class whose dependencies are given here (as nameko would inject them): the
real repository on the given database, the real settings, a copy of the project registry
filled by the province's project.upsert messages, and quiet stand-ins for what only talks
to other services (events, alerts).

Two shortcuts, each leaving the stored result unchanged:

* attendance batches of a county are merged into one submission per county (the
  workers service writes idempotent roll-ups, so one big batch stores what many small
  ones do, with one write per worker-month instead of one per day), and their records
  are read without marshmallow (a valid clock-in loads to exactly these values; the
  generator's records are contract-valid, tests/unit/test_province_generator.py);
* the workers service's reaction to ``payroll_recorded`` (mark the project-month, then
  reconcile it against the payroll) is replayed for all of them at once, after every
  county's records are in: reconciling reads the store as it is then, which is what it
  would have read as each sheet arrived (a county's later messages never touch another
  county's project-months, and payroll is the last of each county's messages). Seeding
  the workers service alone (``seed_service``) only marks them: the sweep reconciles.

Nothing is published, so nothing is raised: the first sweep raises every alert.
"""
from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from services.accounts.repository import AccountsRepository
from services.accounts.service import AccountsService
from services.accounts.settings import AccountsSettings
from services.complaints.repository import CaseRepository
from services.complaints.service import ComplaintsService
from services.complaints.settings import ComplaintSettings
from services.ingress.domain import Envelope, check_payload
from services.ingress.owners import OWNERS
from services.ingress.service import submission
from services.payroll.repository import PayrollRepository
from services.payroll.service import PayrollService
from services.payroll.settings import PayrollSettings
from services.projects.domain import project_record
from services.projects.repository import ProjectRepository
from services.projects.service import ProjectsService
from services.projects.views import facts
from services.workers.app import Workers
from services.workers.repository import WorkersRepository
from services.workers.service import WorkersService, bootstrap
from services.workers.settings import WorkersSettings
from shared import embedded_store
from shared.contract.envelope import version_text
from shared.internal import Submission
from shared.nameko.registry import LocalRegistry
from shared.pii import normalise_id_number
from shared.registry import LocalProjectRegistry, RegistryRepository, as_sent
from shared.storage import client_for, database_for, is_embedded
from testkit.province import Province
from testkit.province import generator as generate_module

SERVICES = ("projects", "payroll", "workers", "accounts", "complaints")
ATTENDANCE = "attendance.batch"
MERGED_RECORDS_LIMIT = 500_000   # a county's merged attendance is stored in parts beyond this


def seed_all(mongo_uri: str, province: Province, *, pii_key: bytes, progress=None) -> dict[str, int]:
    """Seed every service's database under ``mongo_uri``; answers messages stored per
    service. ``pii_key`` must be the platform's PII_HASH_KEY (workers and payroll lines
    are matched by its keyed hash). ``progress(county, done, total)`` after each county."""
    seeders = {name: _SEEDERS[name](database_for(mongo_uri, name), province, pii_key) for name in SERVICES}
    workers = seeders["workers"]
    assert isinstance(workers, _Workers)
    workers.payroll = seeders["payroll"].service
    _feed(province, seeders.values(), progress)
    return {name: seeder.stored for name, seeder in seeders.items()}


def seed_all_cached(mongo_uri: str, province: Province, *, pii_key: bytes, cache_dir: Path,
                    progress=None) -> bool:
    """``seed_all`` on the embedded store, kept in ``cache_dir`` for the next run of the same
    province (spec, key, this module and the generator unchanged): a province of 20,000 projects takes
    minutes to seed and a second to load. Answers True when it came from the cache."""
    if not is_embedded(mongo_uri):
        raise ValueError("Only the embedded store (mongomock://) can be cached; seed_all seeds MongoDB.")
    made_by = Path(generate_module.__file__).parent   # what makes the messages (not the expectations)
    code = [Path(__file__), Path(embedded_store.__file__)]
    code += [made_by / name for name in ("generator.py", "builders.py", "spec.py")]
    fingerprint = hashlib.sha256(repr((province.spec, hashlib.sha256(pii_key).hexdigest(),
                                       [f.read_bytes() for f in code])).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"province-{fingerprint}.pickle"
    if path.exists():
        embedded_store.load_snapshot(client_for(mongo_uri), path)
        return True
    seed_all(mongo_uri, province, pii_key=pii_key, progress=progress)
    embedded_store.save_snapshot(client_for(mongo_uri), [database_for(mongo_uri, s).name for s in SERVICES], path)
    return False


def seed_service(service_name: str, database, province: Province, *, pii_key: bytes) -> int:
    """Seed one service's database with what it keeps of the province; answers the
    number of messages it stored."""
    seeder = _SEEDERS[service_name](database, province, pii_key)
    _feed(province, [seeder], None)
    return seeder.stored


def _feed(province: Province, seeders, progress) -> None:
    counties = list(province.counties)
    for done, county in enumerate(counties, 1):
        for env in province.messages(county):
            for seeder in seeders:
                seeder.take(env)
        for seeder in seeders:
            seeder.end_of_county()
        if progress:
            progress(county, done, len(counties))
    for seeder in seeders:
        seeder.end()


# --- stand-ins for what a service only tells or asks other services ---------------------------

class _NoProjects:
    """The projects service as a seeded monitor's registry copy asks it: never, since each
    project.upsert reaches the copy before the county's records (a code unknown here is
    refused, and the seeding stops)."""

    def get_projects(self, codes):
        return {}

    def list_projects(self):
        return []


class _Quiet:
    """Events and alert calls go nowhere: nothing listens while a store is seeded."""

    def __call__(self, *args, **kwargs):
        return None

    def clear(self, *args, **kwargs):
        return {"resolved": []}


class _Clock:
    def __init__(self, day: date):
        self.day = day

    def today(self) -> date:
        return self.day


def _service(cls, **dependencies):
    """The service class with its dependencies set, as nameko sets them on a worker (the
    repository's indexes declared first, as its provider does at start-up)."""
    service = cls()
    for name, value in dependencies.items():
        setattr(service, name, value)
        if hasattr(value, "ensure_indexes"):
            value.ensure_indexes()
    return service


def _config(pii_key: bytes) -> dict:
    """The platform's own rules and working calendar (deploy/config.yml): the findings
    stored depend on them (the minimum wage and the month's working days)."""
    from wagewatch.config import load_config

    platform = load_config()
    return {"PII_HASH_KEY": pii_key.decode("utf-8"), "DAILY_SWEEP": False,
            "RULES": platform.get("RULES") or {}, "WORKING_CALENDAR": platform.get("WORKING_CALENDAR") or {}}


def _read(env: dict) -> dict:
    """The submission the ingress hands the owner for a valid envelope."""
    envelope = Envelope(env["message_id"], env["type"], env["county"], env["sent_at"], env["payload"],
                        version_text(env["schema_version"]))
    check = check_payload(envelope)
    if not check.has_valid_records:
        raise ValueError(f"{env['message_id']}: not a valid {env['type']}: {check.errors}")
    return submission(envelope, check, env["sent_at"])


# --- one seeder per service: takes the envelopes it owns (or reacts to) ---------------------------

class _Seeder:
    types: tuple[str, ...] = ()

    def __init__(self, database, province: Province, pii_key: bytes):
        self.province = province
        self.stored = 0
        self.service = self.make(database, _config(pii_key), province)
        self.registry = self._registry_copy(database)

    def _registry_copy(self, database) -> LocalProjectRegistry | None:
        """A monitor that keeps its own copy of the registry gets one: filled at start (from
        an empty registry, as a service started before any county sent anything), then by
        each project.upsert, as its ``project_registered`` event fills it."""
        if not isinstance(getattr(type(self.service), "registry", None), LocalRegistry):
            return None
        store = RegistryRepository(database)
        store.ensure_indexes()
        store.mark_backfilled()
        self.versions: dict[str, int] = {}
        self.service.registry = LocalProjectRegistry(store, _NoProjects())
        return self.service.registry

    def _registered(self, env: dict) -> None:
        code = env["payload"]["project_code"]
        self.versions[code] = self.versions.get(code, 0) + 1
        read = _read(env)
        record = project_record(read["payload"], env["county"], schema_version=read["schema_version"])
        assert self.registry is not None    # _registered runs only for a service with a registry copy
        self.registry.store.apply(as_sent(facts({**record, "version": self.versions[code]})))

    def make(self, database, config: dict, province: Province):
        raise NotImplementedError

    def take(self, env: dict) -> None:
        if self.registry is not None and env["type"] == "project.upsert":
            self._registered(env)
        if env["type"] in self.types:
            _service_name, method = OWNERS[env["type"]]
            answer = getattr(self.service, method)(_read(env))
            if answer.get("errors") or answer.get("rejected"):
                raise ValueError(f"{env['message_id']}: refused: {answer}")
            self.stored += 1

    def end_of_county(self) -> None:
        pass

    def end(self) -> None:
        pass


class _Projects(_Seeder):
    types = ("project.upsert",)

    def make(self, database, config, province):
        return _service(ProjectsService, repository=ProjectRepository(database), dispatch=_Quiet())


class _Payroll(_Seeder):
    types = ("payroll.paid",)

    def make(self, database, config, province):
        return _service(PayrollService, payrolls=PayrollRepository(database),
                        settings=PayrollSettings.from_config(config),
                        dispatch=_Quiet())


class _Accounts(_Seeder):
    types = ("account.opened", "allocation.received", "deposit.paid")

    def make(self, database, config, province):
        return _service(AccountsService, ledger=AccountsRepository(database),
                        settings=AccountsSettings.from_config(config),
                        dispatch=_Quiet())


class _Complaints(_Seeder):
    types = ("complaint.filed",)   # a seeded province files none today

    def make(self, database, config, province):
        return _service(ComplaintsService, cases=CaseRepository(database),
                        settings=ComplaintSettings.from_config(config),
                        dispatch=_Quiet(), alerts=_Quiet(), clock=_Clock(province.spec.as_of))


class _Workers(_Seeder):
    types = ("worker.enrol", "worker.exit")

    def make(self, database, config, province):
        service = _service(WorkersService, records=WorkersRepository(database),
                           settings=WorkersSettings.from_config(config), alerts=_Quiet(),
                           clock=_Clock(province.spec.as_of))
        self.attendance: dict[str, list[dict]] = defaultdict(list)   # county -> records
        self.paid_months: list[tuple[str, str]] = []
        self.marked: dict[str, dict] = {}   # project-month key -> as marked by its payroll
        self.payroll: Any = None            # the payroll service, when seeded alongside
        return service

    @functools.cached_property
    def app(self) -> Workers:
        """The service's use cases, over its adapters (once its registry copy is wired)."""
        app = bootstrap(self.service)
        # The keyed hash of an ID number never changes: worked out once per worker, not
        # once per clock-in (a pure function, remembered on this instance only).
        app.worker = functools.lru_cache(maxsize=None)(app.worker)  # type: ignore[method-assign]  # memo per instance
        return app

    def take(self, env: dict) -> None:
        if env["type"] == ATTENDANCE:
            self._merge(env)
        elif env["type"] == "payroll.paid":
            self.paid_months.append((env["payload"]["project_code"], env["payload"]["month"]))
        elif env["type"] in self.types:
            store = self.app.enrol if env["type"] == "worker.enrol" else self.app.record_exits
            answer = store(Submission.load(_read(env)))
            if answer["rejected"]:
                raise ValueError(f"{env['message_id']}: refused: {answer}")
            self.stored += 1
        else:
            super().take(env)

    def _merge(self, env: dict) -> None:
        records = self.attendance[env["county"]]
        records.extend({"project_code": r["project_code"], "id_number": normalise_id_number(r["id_number"]),
                        "at": datetime.fromisoformat(r["at"])} for r in env["payload"]["records"])
        self.stored += 1
        if len(records) >= MERGED_RECORDS_LIMIT:
            self._store_attendance(env["county"])

    def _store_attendance(self, county: str) -> None:
        records = self.attendance.pop(county, [])
        if records:
            self.app.record_attendance(Submission(
                county=county, message_id=f"{county}-seeded-gate", type=ATTENDANCE, sent_at="", received_at="",
                records=[{"index": i, "record": r} for i, r in enumerate(records)]))

    def end_of_county(self) -> None:
        """The county's gate records, then its payroll's marks (payroll follows attendance)."""
        for county in list(self.attendance):
            self._store_attendance(county)
        for code, month in self.paid_months:
            marked = self.app.records.mark_stale(code, month)
            self.marked[marked["_id"]] = marked
        self.paid_months.clear()

    def end(self) -> None:
        """Reconcile every project-month a payroll marked, as the handler does on arrival."""
        if self.payroll is not None and self.marked:
            self.app.payroll = self.payroll
            self.app.reconcile(sorted(self.marked.values(), key=lambda m: m["_id"]), clear_reason="payroll recorded")


_SEEDERS = {"projects": _Projects, "payroll": _Payroll, "workers": _Workers, "accounts": _Accounts,
            "complaints": _Complaints}
