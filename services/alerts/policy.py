"""The alert policy (告警策略): one YAML file, read at start-up and checked by
``wagewatch policy check``.

- ``routing``: who receives an alert (see ``routing.py``);
- ``notifications``: how a desk is told: related alerts grouped into one notification,
  a still-firing group repeated after an interval per colour (see ``notify.py``);
- ``inhibitions``: a cause suppresses its symptoms' notifications (see ``suppression.py``);
- ``acknowledgement``: working days a desk has to acknowledge a red or orange alert
  before it escalates to the city, then the province.

Grouping, repeats, inhibitions and silences shape *notifications* to desks. The alert
stream on ``wagewatch.alerts`` stays the contract's complete record: every alert fires,
escalates and resolves there whatever a desk chose to be told.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from services.alerts.matchers import ALERT_LABELS, DESK_LABELS, matcher_problems, matches, normalise
from services.alerts.routing import DEFAULT_SECTORS, SECTOR, Route, RoutingTable
from shared.contract.alerts import DEPARTMENTS, SEVERITIES

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = REPO_ROOT / "deploy" / "alert-policy.yml"
POLICY_KEY = "ALERT_POLICY"
GROUP_LABELS = ("project_code", "type", "severity", "month", "division", "sector")
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
NEVER = "never"


class PolicyError(ValueError):
    """A policy file that cannot be used; ``problems`` maps a field path to messages."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{path}: {' '.join(msgs)}" for path, msgs in problems.items()))


@dataclass(frozen=True)
class DeskRule:
    """How one kind of alert is notified to a desk."""

    match: dict[str, tuple] = field(default_factory=dict)
    group_by: tuple[str, ...] = ("project_code",)
    group_wait: int = 0                 # seconds to collect a burst before the first notification
    group_interval: int = 60            # seconds between notifications of a group that changes
    repeat: dict[str, int | None] = field(default_factory=lambda: {s: None for s in SEVERITIES})
    name: str = "default"

    def repeat_after(self, severity: str) -> int | None:
        return self.repeat.get(severity)


@dataclass(frozen=True)
class Inhibition:
    """While a firing alert matching ``source`` is open, alerts matching ``target`` that
    share the ``equal`` labels are not notified (their state is still recorded)."""

    source: dict[str, tuple]
    target: dict[str, tuple]
    equal: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class AlertPolicy:
    routing: RoutingTable = field(default_factory=RoutingTable)
    desk_rules: tuple[DeskRule, ...] = (DeskRule(),)
    inhibitions: tuple[Inhibition, ...] = ()
    acknowledge_within: dict[str, int] = field(default_factory=dict)  # severity -> working days
    source: str = "built-in defaults"

    @classmethod
    def from_config(cls, config: dict) -> AlertPolicy:
        if config.get("ALERT_ROUTING"):
            raise PolicyError({"ALERT_ROUTING": [
                "Moved to the `routing` section of the alert policy file "
                f"({DEFAULT_POLICY.relative_to(REPO_ROOT)}); move these rows there."]})
        return cls.from_file(policy_path(config))

    @classmethod
    def from_file(cls, path: str | Path) -> AlertPolicy:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError({"file": [f"Cannot read {path}: {exc.strerror}."]}) from None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PolicyError({"file": [f"Not valid YAML: {exc}"]}) from None
        return parse(document, source=str(path))

    def desk_rule(self, labels: dict) -> tuple[int, DeskRule]:
        """The first desk rule matching an alert on a desk, with its index."""
        for index, rule in enumerate(self.desk_rules):
            if matches(rule.match, labels):
                return index, rule
        return len(self.desk_rules), DeskRule()


def policy_path(config: dict) -> Path:
    """``ALERT_POLICY``: absolute, or relative to the working directory, else to the
    repository (so `wagewatch` works from anywhere in a checkout)."""
    path = Path(str(config.get(POLICY_KEY) or DEFAULT_POLICY))
    if path.is_absolute() or path.exists():
        return path
    return REPO_ROOT / path


def duration(value) -> int | None:
    """``30s``, ``5m``, ``4h``, ``1d`` as seconds; ``never`` as None."""
    if value == NEVER:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"Not a duration: {value!r}; write e.g. 30s, 5m, 4h, 1d or never.")
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse(document, source: str = "policy") -> AlertPolicy:
    """A policy from the file's parsed YAML; every problem is reported with its path."""
    problems: dict[str, list[str]] = {}
    if not isinstance(document, dict):
        raise PolicyError({"": ["The policy file must be a mapping with routing, notifications, "
                                "inhibitions and acknowledgement."]})
    _unknown(document, ("version", "routing", "notifications", "inhibitions", "acknowledgement"), "", problems)
    routing = _routing(document.get("routing") or {}, problems)
    desk_rules = tuple(_desk_rule(r, f"notifications[{i}]", problems)
                       for i, r in enumerate(_list(document, "notifications", problems)))
    inhibitions = tuple(_inhibition(r, f"inhibitions[{i}]", problems)
                        for i, r in enumerate(_list(document, "inhibitions", problems)))
    acknowledge = _acknowledgement(document.get("acknowledgement") or {}, problems)
    if problems:
        raise PolicyError(problems)
    return AlertPolicy(routing, desk_rules or (DeskRule(),), inhibitions, acknowledge, source)


def _routing(section: dict, problems) -> RoutingTable:
    _unknown(section, ("sectors", "fallback", "routes"), "routing", problems)
    sectors = {**DEFAULT_SECTORS, **(section.get("sectors") or {})}
    for sector, department in sectors.items():
        _department(department, f"routing.sectors.{sector}", problems)
    fallback = section.get("fallback", "hrss")
    _department(fallback, "routing.fallback", problems)
    routes = tuple(_route(r, f"routing.routes[{i}]", problems)
                   for i, r in enumerate(_list(section, "routes", problems, "routing.")))
    return RoutingTable(routes or (Route((SECTOR,), name="by sector"),), sectors, fallback)


def _route(entry, path, problems) -> Route:
    if not _mapping(entry, path, problems):
        return Route(())
    _unknown(entry, ("name", "match", "receivers", "continue"), path, problems)
    _matcher(entry.get("match"), ALERT_LABELS, f"{path}.match", problems)
    receivers = entry.get("receivers")
    if not isinstance(receivers, list) or not receivers:
        problems[f"{path}.receivers"] = ["Must list at least one department (or `sector`)."]
        receivers = []
    for i, receiver in enumerate(receivers):
        if receiver != SECTOR:
            _department(receiver, f"{path}.receivers[{i}]", problems)
    if not isinstance(entry.get("continue", False), bool):
        problems[f"{path}.continue"] = ["Must be true or false."]
    return Route(tuple(receivers), normalise(entry.get("match")), bool(entry.get("continue", False)),
                 str(entry.get("name", "")))


def _desk_rule(entry, path, problems) -> DeskRule:
    if not _mapping(entry, path, problems):
        return DeskRule()
    _unknown(entry, ("name", "match", "group_by", "group_wait", "group_interval", "repeat_interval"),
             path, problems)
    _matcher(entry.get("match"), ALERT_LABELS + DESK_LABELS, f"{path}.match", problems)
    group_by = entry.get("group_by", ["project_code"])
    if not isinstance(group_by, list) or any(g not in GROUP_LABELS for g in group_by):
        problems[f"{path}.group_by"] = [f"Must list labels among: {', '.join(GROUP_LABELS)}."]
        group_by = []
    wait = _duration(entry.get("group_wait", "0s"), f"{path}.group_wait", problems)
    interval = _duration(entry.get("group_interval", "1m"), f"{path}.group_interval", problems)
    repeat = _repeat(entry.get("repeat_interval", NEVER), f"{path}.repeat_interval", problems)
    return DeskRule(normalise(entry.get("match")), tuple(group_by), wait or 0,
                    interval if interval is not None else 60, repeat, str(entry.get("name", f"rule {path}")))


def _repeat(value, path, problems) -> dict[str, int | None]:
    """One interval for every colour, or ``{red: 1d, yellow: 7d, …}`` (a colour left out
    is never repeated)."""
    if not isinstance(value, dict):
        every = _duration(value, path, problems)
        return {s: every for s in SEVERITIES}
    _unknown(value, SEVERITIES, path, problems)
    return {s: _duration(value.get(s, NEVER), f"{path}.{s}", problems) for s in SEVERITIES}


def _inhibition(entry, path, problems) -> Inhibition:
    if not _mapping(entry, path, problems):
        return Inhibition({}, {}, ())
    _unknown(entry, ("name", "source", "target", "equal"), path, problems)
    for side in ("source", "target"):
        if not entry.get(side):
            problems[f"{path}.{side}"] = ["Must match at least one label."]
        _matcher(entry.get(side), ALERT_LABELS, f"{path}.{side}", problems)
    equal = entry.get("equal", [])
    if not isinstance(equal, list) or any(e not in ALERT_LABELS for e in equal):
        problems[f"{path}.equal"] = [f"Must list labels among: {', '.join(ALERT_LABELS)}."]
        equal = []
    return Inhibition(normalise(entry.get("source")), normalise(entry.get("target")), tuple(equal),
                      str(entry.get("name", "")))


def _acknowledgement(section, problems) -> dict[str, int]:
    _unknown(section, ("within_working_days",), "acknowledgement", problems)
    within = section.get("within_working_days") or {}
    _unknown(within, SEVERITIES, "acknowledgement.within_working_days", problems)
    for severity, days in within.items():
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            problems[f"acknowledgement.within_working_days.{severity}"] = ["Must be a whole number of days, at least 1."]
    return {s: d for s, d in within.items() if s in SEVERITIES and isinstance(d, int)}


def _duration(value, path, problems) -> int | None:
    try:
        return duration(value)
    except ValueError as exc:
        problems[path] = [str(exc)]
        return None


def _matcher(matcher, allowed, path, problems) -> None:
    for label, messages in matcher_problems(matcher, allowed).items():
        problems[f"{path}.{label}" if label else path] = messages


def _department(value, path, problems) -> None:
    if value not in DEPARTMENTS:
        problems[path] = [f"Unknown department {value!r}; use one of: {', '.join(DEPARTMENTS)}."]


def _list(section: dict, key: str, problems, prefix: str = "") -> list:
    value = section.get(key) or []
    if not isinstance(value, list):
        problems[f"{prefix}{key}"] = ["Must be a list."]
        return []
    return value


def _mapping(entry, path, problems) -> bool:
    if not isinstance(entry, dict):
        problems[path] = ["Must be a mapping."]
        return False
    return True


def _unknown(section, allowed, path, problems) -> None:
    if not isinstance(section, dict):
        problems[path or "policy"] = ["Must be a mapping."]
        return
    for key in section:
        if key not in allowed:
            problems[f"{path}.{key}" if path else str(key)] = [f"Unknown field; use one of: {', '.join(allowed)}."]
