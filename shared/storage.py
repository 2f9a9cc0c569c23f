"""MongoDB connections from ``MONGO_URI``; one database per service.

``mongodb://…`` (or ``mongodb+srv://…``) connects with pymongo. Any other URI names the
embedded in-process store (``shared/embedded_store.py``), for tests and the local
default: every service of one process that names the same URI shares one store, just
as services sharing a MongoDB server would, while each still keeps its own database.
"""
from __future__ import annotations

import socket
import sys
import threading
from typing import Any

import pymongo
from pymongo.database import Database

from shared import embedded_store
from shared.embedded_store import is_embedded

DEFAULT_URI = embedded_store.DEFAULT_URI
_clients: dict[str, Any] = {}
_lock = threading.Lock()

__all__ = ["DEFAULT_URI", "client_for", "database_for", "forget_embedded", "is_embedded", "ping"]


def client_for(uri: str) -> Any:
    """One client per URI per process (pymongo pools connections inside a client): pymongo's
    ``MongoClient``, or the embedded store's stand-in for it."""
    with _lock:
        if uri not in _clients:
            if is_embedded(uri):
                _clients[uri] = embedded_store.new_client()
            else:
                _resolve_names_as_the_system_does()
                _clients[uri] = pymongo.MongoClient(uri, tz_aware=True, appname="wagewatch")
        return _clients[uri]


def _resolve_names_as_the_system_does() -> None:
    """pymongo 4.15 resolves the server's address with ``socket.getaddrinfo(host, port,
    family=…, type=…)``. Under ``eventlet.monkey_patch()`` that is eventlet 0.33.3's green
    DNS, which has no ``type`` argument: no connection could ever be made (issue 12).
    Here the process goes back to the system resolver, exactly what
    ``EVENTLET_NO_GREENDNS=yes`` does, whichever way it started: ``nameko run`` and
    ``nameko test`` import eventlet before any code of ours runs, so the variable alone
    cannot be relied on. (The system resolver answers /etc/hosts and a container
    network's DNS at once; it holds the event loop only while a connection is opened.)
    Nothing changes in a process without eventlet's green DNS."""
    greendns = sys.modules.get("eventlet.support.greendns")
    if greendns is None or socket.getaddrinfo is not greendns.getaddrinfo:
        return
    unpatched = sys.modules["eventlet.patcher"].original("socket")
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "getnameinfo"):
        if getattr(socket, name) is getattr(greendns, name):
            setattr(socket, name, getattr(unpatched, name))


def database_for(uri: str, service_name: str, prefix: str = "wagewatch") -> Database[dict[str, Any]]:
    """The database a service owns: ``wagewatch_<service>``."""
    database: Database[dict[str, Any]] = client_for(uri)[f"{prefix}_{service_name}"]
    return database


def forget_embedded(uri: str) -> None:
    """Drop an embedded store (tests use a fresh embedded URI per test)."""
    with _lock:
        _clients.pop(uri, None)


def ping(uri: str) -> bool:
    """True when the store answers (a readiness check)."""
    try:
        client_for(uri).admin.command("ping")
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
