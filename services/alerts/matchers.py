"""Matching alerts by their labels: the one vocabulary routes, desk rules, inhibitions
and silences share.

An alert's labels are the facts a rule reported (type, severity, sector, funding,
project_code, month, division, level, p1). A *desk* (a department's desk at a division)
adds ``department`` and ``desk_division``. A matcher maps a label to the values it
accepts; a division value accepts the division itself and every code within it
(``4301`` style prefixes are not allowed: a matcher names a real code).
"""
from __future__ import annotations

from shared.contract.alerts import DEPARTMENTS, LEVELS, SEVERITIES
from shared.divisions import covers, validate_division

ALERT_LABELS = ("type", "severity", "sector", "funding", "project_code", "month", "division", "level", "p1")
DESK_LABELS = ("department", "desk_division")
SECTORS = ("housing", "municipal", "water", "transport", "railway", "energy", "other")
FUNDING = ("government", "soe", "private")
_DIVISION_LABELS = ("division", "desk_division")
_CHOICES = {"severity": SEVERITIES, "level": LEVELS, "department": tuple(DEPARTMENTS),
            "sector": SECTORS, "funding": FUNDING, "p1": (True, False)}


def labels_of(alert: dict, desk: dict | None = None) -> dict:
    """The labels of an alert (stored document, contract body or condition), and of the
    desk it is being delivered to."""
    labels = {name: alert.get(name) for name in ALERT_LABELS}
    labels["p1"] = bool(labels["p1"])
    labels["level"] = labels["level"] or "county"
    if desk:
        labels["department"], labels["desk_division"] = desk["department"], desk["division"]
    return labels


def normalise(matcher: dict | None) -> dict[str, tuple]:
    """``{"type": "A"}`` and ``{"type": ["A", "B"]}`` both become tuples of values."""
    return {key: tuple(value) if isinstance(value, (list, tuple)) else (value,)
            for key, value in (matcher or {}).items()}


def matches(matcher: dict[str, tuple], labels: dict) -> bool:
    """True when every label the matcher names has one of its values (empty: always)."""
    for key, accepted in matcher.items():
        value = labels.get(key)
        if key in _DIVISION_LABELS:
            if not value or not any(covers(scope, value) for scope in accepted):
                return False
        elif value not in accepted:
            return False
    return True


def matcher_problems(matcher, allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """Field errors of a matcher written in a policy file or a silence, keyed by label."""
    if matcher is None:
        return {}
    if not isinstance(matcher, dict):
        return {"": ["Must be a mapping of label to value(s)."]}
    problems: dict[str, list[str]] = {}
    for key, values in normalise(matcher).items():
        if key not in allowed:
            problems[key] = [f"Unknown label; use one of: {', '.join(allowed)}."]
        elif not values:
            problems[key] = ["Must name at least one value."]
        elif key in _CHOICES:
            wrong = [v for v in values if v not in _CHOICES[key]]
            if wrong:
                problems[key] = [f"Unknown value {wrong[0]!r}; use one of: "
                                 f"{', '.join(str(c) for c in _CHOICES[key])}."]
        elif key in _DIVISION_LABELS:
            for value in values:
                errors = validate_division(str(value))
                if errors:
                    problems[key] = [f"{value!r}: {errors[0]}"]
                    break
    return problems
