"""A service's local project registry (``shared.registry``) in nameko: the provider that
gives use cases the port, and the event handlers that keep it fed.

A service that needs project facts declares both::

    from shared.nameko import registry

    class PayrollService(registry.RegistryFeed, ...):
        registry = registry.LocalRegistry()

    def on_project_changed(self, event): ...   # optional: after the copy is updated

and names the mixin through its module (``registry.RegistryFeed``), never importing the
class itself: ``nameko run services.<name>.service`` takes every class of the module that
has an entrypoint for a service.
"""
from __future__ import annotations

import logging
from typing import Any

import eventlet
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, ServiceProxy
from nameko.standalone.rpc import ClusterRpcProxy

from shared.internal import PROJECT_CHANGED, PROJECT_REGISTERED, ProjectEvent
from shared.nameko.events import reliable_event_handler
from shared.nameko.providers import DEFAULT_MONGO_URI, MONGO_URI_KEY
from shared.registry import LocalProjectRegistry, RegistryRepository
from shared.storage import database_for

PROJECTS = "projects"
BACKFILL_PAUSE_SECONDS = 5
log = logging.getLogger(__name__)


class LocalRegistry(DependencyProvider):
    """Injects a :class:`shared.registry.LocalProjectRegistry` over the service's own
    ``registry`` collection, reading through to the projects service's RPC only to fill
    an empty copy once (at start) and for codes it does not know."""

    rpc_reply_listener = ReplyListener()
    # What it asks the projects service, for the topology table (shared/topology_table.py).
    rpc_calls = {PROJECTS: ("get_projects", "list_projects")}

    def __init__(self) -> None:
        self.store: RegistryRepository | None = None

    def setup(self) -> None:
        uri = self.container.config.get(MONGO_URI_KEY, DEFAULT_MONGO_URI)
        self.store = RegistryRepository(database_for(uri, self.container.service_name))
        self.store.ensure_indexes()

    def _set_up(self) -> RegistryRepository:
        if self.store is None:
            raise RuntimeError("LocalRegistry used before its container set it up")
        return self.store

    def start(self) -> None:
        if not self._set_up().backfilled():
            self.container.spawn_managed_thread(self._backfill)

    def _backfill(self) -> None:
        """A new instance fills its empty copy at once (not at its first sweep), asking
        again while the projects service is not there. The first sweep does it itself
        when this has not finished (``LocalProjectRegistry.all``)."""
        store = self._set_up()
        while not store.backfilled():
            try:
                with ClusterRpcProxy(self.container.config) as cluster:
                    kept = LocalProjectRegistry(store, cluster.projects).backfill()
                log.info("%s: project registry filled from the projects service (%d projects)",
                         self.container.service_name, kept)
            except UnknownService:
                eventlet.sleep(BACKFILL_PAUSE_SECONDS)
            except Exception as exc:  # noqa: BLE001 - a managed thread that raises kills the container
                log.warning("%s: project registry not filled yet (%s); trying again",
                            self.container.service_name, type(exc).__name__)
                eventlet.sleep(BACKFILL_PAUSE_SECONDS)

    def get_dependency(self, worker_ctx: Any) -> LocalProjectRegistry:
        return LocalProjectRegistry(self._set_up(), ServiceProxy(worker_ctx, PROJECTS, self.rpc_reply_listener))


class RegistryFeed:
    """Mixed into a service that has ``registry = LocalRegistry()``: every project event
    updates its copy (newer versions only; a replay or a late event changes nothing; a
    malformed one is parked). ``on_project_changed(event)`` (a ``ProjectEvent``) runs after a change was applied
    (and on its redelivery), so what it reads is the changed project."""

    registry: LocalProjectRegistry      # the service's LocalRegistry, injected (declared for the type checker)

    @reliable_event_handler(PROJECTS, PROJECT_REGISTERED)
    def handle_project_registered(self, body: dict[str, Any]) -> None:
        self.registry.apply_event(ProjectEvent.load(body))

    @reliable_event_handler(PROJECTS, PROJECT_CHANGED)
    def handle_project_changed(self, body: dict[str, Any]) -> None:
        event = ProjectEvent.load(body)
        self.registry.apply_event(event)
        self.on_project_changed(event)

    def on_project_changed(self, event: ProjectEvent) -> None:
        """A service's follow-up to a registry change (none by default)."""
