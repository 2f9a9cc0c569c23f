"""A service's own copy of the project registry (项目登记), so that recording a message and
running a sweep ask the projects service nothing.

The projects service announces every project it stores (``project_registered``, then
``project_changed``), each event with the project's full facts and a ``version`` that grows
by one per change. A service that needs project facts keeps the newest version of each
project it has heard of (:func:`supersedes`: older or equal versions are ignored, so a
redelivered or late event changes nothing), and fills an empty copy once from the projects
service (``list_projects``, the backfill) when a new instance starts with nothing.

The one exception to "no call on the hot path": a code the copy does not know is asked
about (``get_projects``, one call for the unknown codes only), and what comes back is
kept like an event. A county may send a payroll a moment after its project.upsert, before
``project_registered`` has reached this service; refusing it would refuse what the
platform has always accepted. Codes the registry does not know either are asked again
next time (a project registered a moment ago is found), as ``shared.projects`` always did.

Facts are kept as the projects service sends them (JSON: dates and money as text) and
loaded on the way out (:func:`shared.projects.load_facts`: dates as ``date``, money as
``Decimal``).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

import pymongo
from marshmallow import ValidationError
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.internal import ProjectEvent, ProjectFactsSchema
from shared.projects import load_facts

_FACTS = ProjectFactsSchema()


class ProjectRegistry(Protocol):
    """What a service's use cases read about projects."""

    def get(self, code: str) -> dict[str, Any] | None: ...

    def get_many(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def all(self) -> list[dict[str, Any]]: ...


class RegistryStore(Protocol):
    """Where a service keeps its copy: facts as sent, newest version per project."""

    def apply(self, facts: dict[str, Any]) -> bool: ...

    def get_many(self, codes: list[str]) -> dict[str, dict[str, Any]]: ...

    def all(self) -> list[dict[str, Any]]: ...

    def backfilled(self) -> bool: ...

    def mark_backfilled(self) -> None: ...


class ProjectSource(Protocol):
    """The projects service's RPC, as the registry uses it (backfill and unknown codes)."""

    def get_projects(self, project_codes: list[str]) -> dict[str, dict[str, Any]]: ...

    def list_projects(self) -> list[dict[str, Any]]: ...


def supersedes(incoming: dict[str, Any], stored: dict[str, Any] | None) -> bool:
    """Whether ``incoming`` facts replace ``stored`` ones: only a newer version does."""
    return stored is None or incoming["version"] > stored["version"]


def event_facts(event: ProjectEvent) -> dict[str, Any]:
    """The facts a ``project_registered``/``project_changed`` event carries, as sent."""
    return as_sent(event.project.dump())


def as_sent(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as the projects service sent them (JSON), checked, unknown fields left out."""
    _FACTS.load(facts)
    # nameko's JSON (kombu) carries contract_amount as a Decimal; BSON cannot store one.
    return {name: str(facts[name]) if isinstance(facts[name], Decimal) else facts[name]
            for name in _FACTS.fields if name in facts}


class LocalProjectRegistry:
    """The :class:`ProjectRegistry` a service's use cases get: its own store, fed by
    events (:meth:`apply_event`), read through to the projects service only for codes it
    does not know and, once, to fill an empty store."""

    def __init__(self, store: RegistryStore, source: ProjectSource):
        self.store = store
        self.source = source

    def apply_event(self, event: ProjectEvent) -> bool:
        """Keep a project event's facts if they are newer; True when they were."""
        return self.store.apply(event_facts(event))

    def get(self, code: str) -> dict[str, Any] | None:
        return self.get_many([code]).get(code)

    def get_many(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(codes))
        found = self.store.get_many(wanted)
        unknown = [code for code in wanted if code not in found]
        if unknown:
            for code, facts in self.source.get_projects(unknown).items():
                self._keep(facts)
                found[code] = facts
        return {code: load_facts(facts) for code, facts in found.items()}

    def all(self) -> list[dict[str, Any]]:
        """Every project, in code order. A store that was never filled is filled first."""
        if not self.store.backfilled():
            self.backfill()
        return [load_facts(facts) for facts in self.store.all()]

    def backfill(self) -> int:
        """Fill the store from the projects service; returns how many projects were newer."""
        kept = sum(self._keep(facts) for facts in self.source.list_projects())
        self.store.mark_backfilled()
        return kept

    def _keep(self, facts: dict[str, Any]) -> bool:
        try:
            return self.store.apply(as_sent(facts))
        except ValidationError:
            return False   # not a project this service can read; asked again next time


class InMemoryRegistryStore:
    """A :class:`RegistryStore` in a dict (unit tests), with the same rule as MongoDB's."""

    def __init__(self, projects: Iterable[dict[str, Any]] = (), backfilled: bool = True):
        self.projects: dict[str, dict[str, Any]] = {}
        self._backfilled = backfilled
        for facts in projects:
            self.apply(facts)

    def apply(self, facts: dict[str, Any]) -> bool:
        if not supersedes(facts, self.projects.get(facts["project_code"])):
            return False
        self.projects[facts["project_code"]] = dict(facts)
        return True

    def get_many(self, codes: list[str]) -> dict[str, dict[str, Any]]:
        return {code: dict(self.projects[code]) for code in codes if code in self.projects}

    def all(self) -> list[dict[str, Any]]:
        return [dict(self.projects[code]) for code in sorted(self.projects)]

    def backfilled(self) -> bool:
        return self._backfilled

    def mark_backfilled(self) -> None:
        self._backfilled = True


class RegistryRepository:
    """The :class:`RegistryStore` in the service's own database: collection ``registry``,
    one document per project (``_id`` and a unique ``project_code``: the code), replaced
    only by a newer version."""

    def __init__(self, database: Database[dict[str, Any]]) -> None:
        self.projects = database["registry"]
        self.state = database["registry_state"]

    def ensure_indexes(self) -> None:
        self.projects.create_index([("project_code", pymongo.ASCENDING)], unique=True)

    def apply(self, facts: dict[str, Any]) -> bool:
        """A guarded upsert: it matches only an older version of the project, so an equal
        or older one finds nothing and its insert hits the unique key (and two instances
        applying the same event at once store it once)."""
        try:
            code = facts["project_code"]
            self.projects.replace_one({"_id": code, "version": {"$lt": facts["version"]}},
                                      {"_id": code, **facts}, upsert=True)
            return True
        except DuplicateKeyError:
            return False

    def get_many(self, codes: list[str]) -> dict[str, dict[str, Any]]:
        """By ``_id`` (the code): on the embedded store a look-up per code, not a scan of
        the province's registry for every batch that names a project."""
        cursor = self.projects.find({"_id": {"$in": list(codes)}}, {"_id": 0})
        return {doc["project_code"]: doc for doc in cursor}

    def all(self) -> list[dict[str, Any]]:
        return list(self.projects.find({}, {"_id": 0}).sort("project_code", pymongo.ASCENDING))

    def backfilled(self) -> bool:
        return self.state.find_one({"_id": "backfill"}) is not None

    def mark_backfilled(self) -> None:
        self.state.update_one({"_id": "backfill"}, {"$set": {"done": True}}, upsert=True)
