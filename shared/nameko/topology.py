"""The topology as the code has it, read off nameko service classes, to compare with the
table in ``shared.topology_table`` (``tests/unit/test_topology.py``).

Entrypoints and proxies are read off the classes; what a service calls and emits is found
in its source (its package, and the shared mixins it inherits): a call counts where the source
names ``<proxy>.<method>`` with ``<proxy>`` a proxy's attribute or the target's name (so a
proxy passed to a use case as ``alerts`` counts) and ``<method>`` an RPC the target offers;
an event counts when ``dispatch(EVENT, …)`` names its constant from ``shared.internal``, or,
where a dispatch names it through a variable (``dispatch(event, …)``), when the source names
the constant and the service does not handle it from another service.
"""
from __future__ import annotations

import ast
import inspect
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from nameko.events import BROADCAST, EventDispatcher, EventHandler
from nameko.rpc import Rpc, RpcProxy

from shared import internal
from shared.topology_table import Handles, Service

EVENTS = {name: value for name, value in vars(internal).items()
          if name.isupper() and isinstance(value, str) and value.replace("_", "").isalpha() and value.islower()}


def described(classes: Iterable[type[Any]]) -> list[Service]:
    """The table's rows for these service classes, as their code says."""
    offers = {cls.name: _offers(cls) for cls in classes}
    return [Service(cls.name, offers=tuple(sorted(offers[cls.name])), calls=_calls(cls, offers),
                    emits=tuple(sorted(_emits(cls))), handles=tuple(sorted(_handles(cls), key=repr)))
            for cls in classes]


def _entrypoints(cls: type[Any]) -> Iterator[tuple[str, Any]]:
    for method, function in inspect.getmembers(cls, inspect.isfunction):
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            yield method, entrypoint


def _offers(cls: type[Any]) -> set[str]:
    return {method for method, entrypoint in _entrypoints(cls) if isinstance(entrypoint, Rpc)}


def _handles(cls: type[Any]) -> list[Handles]:
    return [Handles(e.source_service, e.event_type, method, broadcast=e.handler_type == BROADCAST)
            for method, e in _entrypoints(cls) if isinstance(e, EventHandler)]


def _trees(cls: type[Any]) -> list[ast.AST]:
    """The service's package and the shared mixins it inherits."""
    files = set(Path(inspect.getfile(cls)).parent.glob("*.py"))
    files |= {Path(inspect.getfile(base)) for base in cls.__mro__[1:] if base.__module__.startswith("shared.")}
    return [ast.parse(f.read_text(encoding="utf-8"), filename=str(f)) for f in sorted(files)]


def _dispatches(cls: type[Any], dispatchers: set[str]) -> Iterator[ast.expr | None]:
    """The first argument of every ``self.dispatch(…)`` call, or ``dispatch(…)`` where a use
    case takes the dispatcher as a port of that name (or of the keyword it is handed on by:
    ``publish=self.dispatch``)."""
    trees = _trees(cls)
    ports = dispatchers | {keyword.arg for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Call)
                           for keyword in node.keywords if _name(keyword.value) in dispatchers}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ports:
                yield node.args[0] if node.args else None


def _named_events(cls: type[Any]) -> set[str]:
    """The events the source names, but those it handles from another service (nameko
    dispatches an event under its own service's name, so those cannot be its own)."""
    others = {h.event for h in _handles(cls) if h.source != cls.name}
    return {EVENTS[name] for tree in _trees(cls) for node in ast.walk(tree)
            if (name := _name(node)) in EVENTS and EVENTS[name] not in others}


def _calls(cls: type[Any], offers: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    targets = {attr: proxy.target_service for attr, proxy in inspect.getmembers(cls) if isinstance(proxy, RpcProxy)}
    names = {**{t: t for t in targets.values()}, **targets}
    found: dict[str, set[str]] = {}
    uses = (node for tree in _trees(cls) for node in ast.walk(tree) if isinstance(node, ast.Attribute))
    for use in uses:   # called there or handed on (the ingress's owner_methods)
        receiver, method = _name(use.value), use.attr
        target = names.get(receiver)
        if target and method in offers.get(target, ()):
            found.setdefault(target, set()).add(method)
    for _attr, provider in inspect.getmembers(cls, lambda value: hasattr(value, "rpc_calls")):
        for target, methods in provider.rpc_calls.items():   # a provider's own calls (LocalRegistry)
            found.setdefault(target, set()).update(methods)
    return {target: tuple(sorted(methods)) for target, methods in sorted(found.items())}


def _name(node: ast.AST | None) -> str | None:
    """``EVENT`` of ``EVENT`` and of ``internal.EVENT``."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _emits(cls: type[Any]) -> set[str]:
    dispatchers = {attr for attr, value in inspect.getmembers(cls) if isinstance(value, EventDispatcher)}
    if not dispatchers:
        return set()
    named, dynamic = set(), False
    for first in _dispatches(cls, dispatchers):
        name = _name(first)
        if name is not None and name in EVENTS:
            named.add(EVENTS[name])
        else:
            dynamic = True
    return named | _named_events(cls) if dynamic else named
