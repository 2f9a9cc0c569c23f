"""What every monitoring service's sweep shares (plain Python; the nameko side is
``shared/nameko/sweeps.py``).

- :class:`SweepLog`: a service's record of its real sweeps, in its own database. ``claim``
  lets exactly one of several instances run the daily sweep; ``latest_as_of`` is the date
  of the last real sweep, which a later real sweep may not go back before by accident
  (:func:`backwards_refusal`).
- :class:`Isolation`: one project (or case) whose records a rule cannot compute with is
  logged, counted, reported and skipped; every other one is swept (隔离).
- :func:`fold_flood`: a rule raises at most ``limit`` alerts for one project in one sweep;
  the rest become one summary alert (限流).
"""
from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.contract.alerts import BLUE, LEVELS, RULE_FAILED, fingerprint, severity_rank

LATEST = "latest"
DEFAULT_FLOOD_LIMIT = 50
log = logging.getLogger(__name__)
_S = TypeVar("_S")


class SweepRefused(Exception):
    """A real sweep that would move the service's sweep date backwards (travels over RPC)."""


class SweepLog:
    def __init__(self, database: Database[dict[str, Any]]) -> None:
        self.claims = database["sweeps"]
        self.latest = database["sweep_latest"]

    def claim(self, day: str) -> bool:
        """True for exactly one caller per day: the instance that runs that day's sweep."""
        try:
            self.claims.insert_one({"_id": day})
        except DuplicateKeyError:
            return False
        return True

    def record(self, as_of: str, at: str) -> None:
        """Remember the latest real sweep (what-if sweeps are not recorded)."""
        self.latest.update_one({"_id": LATEST}, {"$set": {"as_of": as_of, "at": at}}, upsert=True)

    def latest_as_of(self) -> str | None:
        doc = self.latest.find_one({"_id": LATEST})
        return doc["as_of"] if doc else None


def backwards_refusal(latest: str | None, as_of: str, force: bool) -> str | None:
    """Why a real sweep as of ``as_of`` may not run, or None. A real sweep older than the
    last real one would resolve what the later one raised although nothing was paid."""
    if force or latest is None or as_of >= latest:
        return None
    return (f"a real sweep as of {as_of} is older than the last real sweep ({latest}): it would "
            f"resolve alerts that sweep raised. Sweep as a what-if, or force it if you mean it.")


@dataclass(frozen=True)
class SweepSettings:
    """``RULES.flood_guard`` in ``deploy/config.yml``."""

    flood_limit: int = DEFAULT_FLOOD_LIMIT   # alerts one rule may raise for one project in one sweep

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SweepSettings:
        guard = (config.get("RULES") or {}).get("flood_guard") or {}
        return cls(flood_limit=max(1, int(guard.get("max_alerts_per_rule_and_project", DEFAULT_FLOOD_LIMIT))))


@dataclass(frozen=True)
class Failure:
    """A subject (project or case) a rule could not evaluate. No value from the records is
    kept: only the exception's type and where in the rules it was raised."""

    subject: str
    division: str
    project_code: str | None
    error: str
    where: str

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "division": self.division, "project_code": self.project_code,
                "error": self.error, "where": self.where}


def project_subject(project: dict[str, Any]) -> tuple[str, str, str]:
    """How a project that a rule could not evaluate is named: (subject, division, project)."""
    return project["project_code"], project["division"], project["project_code"]


class Isolation:
    """Runs a rule subject by subject: a subject that raises is recorded and skipped."""

    def __init__(self, source: str):
        self.source = source
        self.failures: dict[str, Failure] = {}

    def each(self, subjects: Iterable[_S], evaluate: Callable[[_S], Iterable[dict[str, Any]]],
             describe: Callable[[_S], tuple[str, str, str | None]]) -> list[dict[str, Any]]:
        """``evaluate(subject)`` for each subject, concatenated; ``describe(subject)`` gives
        ``(subject id, division, project code)`` of one that failed."""
        found: list[dict[str, Any]] = []
        for subject in subjects:
            try:
                found.extend(evaluate(subject))
            except Exception as exc:  # noqa: BLE001 - one county's record must not stop the province
                self.fail(*describe(subject), exc)
        return found

    def fail(self, subject: str, division: str, project_code: str | None, exc: Exception) -> None:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        failure = Failure(subject, division, project_code, type(exc).__name__,
                          f"{Path(frame.filename).name}:{frame.lineno} {frame.name}")
        self.failures.setdefault(subject, failure)
        # The exception's message may quote a record's values: only its type is logged.
        log.error("%s sweep: skipped %s (%s in %s); it is reported as %s", self.source, subject,
                  failure.error, failure.where, RULE_FAILED)

    def unevaluated(self) -> list[str]:
        """The subjects whose open alerts must be left as they are (not known to clear)."""
        return sorted(self.failures)

    def conditions(self, as_of: str) -> list[dict[str, Any]]:
        """One RULE_FAILED condition per failed subject, for the platform team."""
        return [failure_condition(self.source, f, as_of) for f in self.failures.values()]


def failure_fingerprint(source: str, subject: str) -> str:
    """``RULE_FAILED:<source>:<subject>``: each monitor resolves only its own."""
    return fingerprint(RULE_FAILED, source, subject)


def failure_condition(source: str, failure: Failure, as_of: str) -> dict[str, Any]:
    """Blue (data quality) to labour inspection, up to the province's desk (the platform
    team): the subject is not monitored by this sweep until its records are corrected."""
    return {"type": RULE_FAILED, "fingerprint": failure_fingerprint(source, failure.subject), "severity": BLUE,
            "division": failure.division, "sector": None, "funding": None, "project_code": failure.project_code,
            "month": None, "level": "province",
            "summary": (f"规则无法计算 The {source} sweep could not evaluate {failure.subject}: a value in its "
                        f"records is outside what the rules can compute with ({failure.error}). It is skipped "
                        f"until the record is corrected; every other project is swept."),
            "details": {"source": source, "subject": failure.subject, "error": failure.error,
                        "where": failure.where, "as_of": as_of}}


def fold_flood(conditions: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most ``limit`` conditions per rule and project: beyond it, the ``limit - 1`` most
    recent and one summary of the rest. Conditions without a project are never folded."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for condition in conditions:
        groups.setdefault((condition["type"], condition.get("project_code")), []).append(condition)
    folded: list[dict[str, Any]] = []
    for (_type, code), group in groups.items():
        if code is None or len(group) <= limit:
            folded.extend(group)
            continue
        ordered = sorted(group, key=lambda c: (c.get("month") or "", c["fingerprint"]), reverse=True)
        folded.extend(ordered[:limit - 1])
        folded.append(_summary(ordered[limit - 1:], limit))
    return folded


def flood_fingerprint(alert_type: str, project_code: str) -> str:
    return fingerprint(alert_type, project_code, "more")


def _summary(rest: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """One alert for the folded conditions: the latest one's facts, the worst colour, and
    ``details.folded`` saying how many there were and which months."""
    latest, kind, code = rest[0], rest[0]["type"], rest[0]["project_code"]
    months = sorted(c["month"] for c in rest if c.get("month"))
    span = f", months {months[0]} to {months[-1]}" if months else ""
    return {**latest, "fingerprint": flood_fingerprint(kind, code), "month": None,
            "severity": max((c["severity"] for c in rest), key=severity_rank),
            "level": max((c.get("level") or LEVELS[0] for c in rest), key=LEVELS.index),
            "p1": any(c.get("p1") for c in rest),
            "summary": (f"限流 {len(rest)} more {kind} condition(s) on project {code}{span}, beyond the "
                        f"{limit} alerts one rule raises for one project: check the project's records "
                        f"(its dates may be wrong)."),
            "details": {**(latest.get("details") or {}),
                        "folded": {"conditions": len(rest), "first_month": months[0] if months else None,
                                   "last_month": months[-1] if months else None, "limit": limit}}}
