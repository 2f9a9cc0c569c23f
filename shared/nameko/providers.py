"""Dependency providers: a service sees a repository with domain verbs, a clock and its
settings, never the raw pymongo database or the wall clock."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from nameko.extensions import DependencyProvider

from shared.calendar import SHANGHAI, now_iso, today
from shared.storage import DEFAULT_URI, database_for

MONGO_URI_KEY = "MONGO_URI"
DEFAULT_MONGO_URI = DEFAULT_URI     # the embedded store, as deploy/config.yml defaults


class Repository(DependencyProvider):
    """Injects ``repository_cls(database)`` for the service's own database, or
    ``repository_cls.for_service(database, config)`` when the repository needs settings
    (keys, say).

    The repository declares its indexes in ``ensure_indexes()``, called once at start-up.
    """

    def __init__(self, repository_cls: type[Any]) -> None:
        self.repository_cls = repository_cls
        self.repository: Any = None

    def setup(self) -> None:
        uri = self.container.config.get(MONGO_URI_KEY, DEFAULT_MONGO_URI)
        database = database_for(uri, self.container.service_name)
        factory = getattr(self.repository_cls, "for_service", None)
        self.repository = (factory(database, self.container.config) if factory
                           else self.repository_cls(database))
        self.repository.ensure_indexes()

    def get_dependency(self, worker_ctx: Any) -> Any:
        return self.repository


class Clock:
    """The wall clock, read only by entrypoints (domain code takes ``as_of``)."""

    def now(self) -> datetime:
        return datetime.now(SHANGHAI)

    def today(self) -> date:
        return today(self.now())

    def now_iso(self) -> str:
        return now_iso(self.now())


class ClockProvider(DependencyProvider):
    def get_dependency(self, worker_ctx: Any) -> Clock:
        return Clock()


class Settings(DependencyProvider):
    """Injects ``factory(config)``: a service's typed settings, built once at start-up."""

    def __init__(self, factory: Callable[[dict[str, Any]], Any]) -> None:
        self.factory = factory
        self.settings: Any = None

    def setup(self) -> None:
        self.settings = self.factory(self.container.config)

    def get_dependency(self, worker_ctx: Any) -> Any:
        return self.settings


class Kept(DependencyProvider):
    """Injects ``factory()``, made once at start-up and kept while the container runs
    (for facts that never change once learnt, such as a project's division)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory
        self.kept: Any = None

    def setup(self) -> None:
        self.kept = self.factory()

    def get_dependency(self, worker_ctx: Any) -> Any:
        return self.kept


class RemoteErrors(DependencyProvider):
    """Declares the domain exceptions a service expects back from the services it calls
    (``shared/errors.py``): registered when the container starts, they arrive as
    themselves instead of nameko's ``RemoteError``. Injects nothing."""

    def __init__(self, *exception_types: type[Exception]) -> None:
        self.exception_types = exception_types

    def setup(self) -> None:
        from shared.errors import travel_as_themselves

        travel_as_themselves(*self.exception_types)

    def get_dependency(self, worker_ctx: Any) -> None:
        return None
