"""Liveness and readiness, for an orchestrator to restart a stuck service and to hold
traffic from one that cannot work.

A service gets both with one line::

    health = HealthCheck()

Every service of a process that declares it is reported by one small HTTP server per
process, on ``HEALTH_ADDRESS`` (``host:port``; unset: no server, port 0: any free port):

- ``GET /health/live``: 200 while every service of the process is running and the
  process's event loop answers (a wedged loop cannot answer at all); 503 once a service
  container has died. An orchestrator restarts the process on failure.
- ``GET /health/ready``: 200 when, besides, each service reaches its broker and its
  database; 503 otherwise (traffic should wait, a restart would not help). The body
  says which check failed, per service.

``wagewatch health`` asks it (docker-compose's healthcheck uses that command).
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import eventlet
import eventlet.wsgi
from kombu import Connection
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider

from shared.nameko.providers import DEFAULT_MONGO_URI, MONGO_URI_KEY
from shared.storage import ping

log = logging.getLogger(__name__)

HEALTH_ADDRESS_KEY = "HEALTH_ADDRESS"
CHECK_TIMEOUT_SECONDS = 3
CACHE_SECONDS = 2      # an orchestrator polling hard does not hammer the broker


def broker_reachable(amqp_uri: str) -> bool:
    """One connection attempt, no retries: a readiness probe must answer quickly."""
    try:
        with eventlet.Timeout(CHECK_TIMEOUT_SECONDS):
            with Connection(amqp_uri, connect_timeout=CHECK_TIMEOUT_SECONDS) as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0)
        return True
    except (Exception, eventlet.Timeout):  # noqa: BLE001 - any failure means "not reachable"
        return False


def database_reachable(mongo_uri: str) -> bool:
    try:
        with eventlet.Timeout(CHECK_TIMEOUT_SECONDS):
            return ping(mongo_uri)
    except eventlet.Timeout:
        return False


_recent: dict[tuple[Any, ...], tuple[float, bool]] = {}


def _cached(check: Callable[[str], bool], uri: str) -> bool:
    """Services of one process share a broker and a store: check each once per moment."""
    key = (check.__name__, uri)
    at, result = _recent.get(key, (0.0, False))
    if time.monotonic() - at > CACHE_SECONDS:
        result = check(uri)
        _recent[key] = (time.monotonic(), result)
    return result


class HealthCheck(DependencyProvider):
    """Registers its service with the process's health server (started on first use)."""

    def setup(self) -> None:
        address = self.container.config.get(HEALTH_ADDRESS_KEY)
        if address:
            HealthServer.serving(str(address)).register(self)

    def stop(self) -> None:
        HealthServer.unregister_everywhere(self)   # a service stopped on purpose is not "dead"

    @property
    def name(self) -> str:
        name: str = self.container.service_name
        return name

    def live(self) -> bool:
        return not self.container._died.ready()   # nameko sets it when the container dies

    def checks(self) -> dict[str, Any]:
        config = self.container.config
        return {"broker": _cached(broker_reachable, config[AMQP_URI_CONFIG_KEY]),
                "database": _cached(database_reachable, config.get(MONGO_URI_KEY, DEFAULT_MONGO_URI))}


class HealthServer:
    """One per address per process; answers for every registered service."""

    _servers: dict[str, HealthServer] = {}

    def __init__(self, address: str):
        host, _, port = address.rpartition(":")
        self.socket = eventlet.listen((host or "0.0.0.0", int(port)))
        self.port = self.socket.getsockname()[1]
        self.checks: dict[int, HealthCheck] = {}
        eventlet.spawn_n(eventlet.wsgi.server, self.socket, self.app, log_output=False)
        log.info("health checks on %s:%d (/health/live, /health/ready)", host or "0.0.0.0", self.port)

    @classmethod
    def serving(cls, address: str) -> HealthServer:
        if address not in cls._servers:
            cls._servers[address] = cls(address)
        return cls._servers[address]

    @classmethod
    def unregister_everywhere(cls, check: HealthCheck) -> None:
        for server in cls._servers.values():
            server.checks.pop(id(check), None)

    def register(self, check: HealthCheck) -> None:
        self.checks[id(check)] = check

    def report(self, ready: bool) -> tuple[bool, dict[str, Any]]:
        services: dict[str, list[dict[str, bool]]] = {}
        for check in list(self.checks.values()):
            entry = {"live": check.live()}
            if ready:
                entry.update(check.checks())
            services.setdefault(check.name, []).append(entry)
        ok = bool(services) and all(all(e.values()) for entries in services.values() for e in entries)
        return ok, services

    def app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in ("/health/live", "/health/ready"):
            start_response("404 Not Found", [("content-type", "text/plain")])
            return [b"not found: try /health/live or /health/ready\n"]
        ok, services = self.report(ready=path.endswith("ready"))
        start_response("200 OK" if ok else "503 Service Unavailable", [("content-type", "application/json")])
        return [json.dumps({"ok": ok, "services": services}).encode()]
