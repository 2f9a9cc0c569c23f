"""A service's local copy of the project registry: newer versions only, idempotent, read
through to the projects service only for unknown codes and, once, to fill an empty copy."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from shared.internal import ProjectEvent
from shared.registry import InMemoryRegistryStore, LocalProjectRegistry, supersedes
from tests.factories import project_facts
from tests.unit.fakes import FakeProjectSource

CODE = "430102-2026-0001"


def event(version: int, **changes) -> ProjectEvent:
    """A project event as its handler loads it."""
    return ProjectEvent.load({"project": project_facts(version, **changes), "changed": sorted(changes)})


def registry(*stored: dict, source: FakeProjectSource | None = None, backfilled: bool = True):
    return LocalProjectRegistry(InMemoryRegistryStore(stored, backfilled), source or FakeProjectSource())


def test_only_a_newer_version_supersedes():
    assert supersedes({"version": 2}, None)
    assert supersedes({"version": 3}, {"version": 2})
    assert not supersedes({"version": 2}, {"version": 2})
    assert not supersedes({"version": 1}, {"version": 2})


def test_an_event_keeps_the_projects_facts_loaded_as_dates_and_money():
    local = registry()
    assert local.apply_event(event(1)) is True
    kept = local.get(CODE)
    assert kept["start_date"] == date(2026, 8, 1) and kept["contract_amount"] == Decimal("48000000.00")
    assert kept["version"] == 1


def test_a_stale_event_does_not_overwrite_a_newer_version():
    local = registry()
    local.apply_event(event(2, status="suspended"))
    assert local.apply_event(event(1)) is False   # project_registered arriving after project_changed
    assert (local.get(CODE)["status"], local.get(CODE)["version"]) == ("suspended", 2)


def test_a_redelivered_event_changes_nothing():
    local = registry()
    local.apply_event(event(2, status="suspended"))
    assert local.apply_event(event(2, status="suspended")) is False
    assert local.store.all() == [project_facts(2, status="suspended")]


def test_a_malformed_event_is_refused_with_its_field_named():
    with pytest.raises(ValidationError) as refused:
        ProjectEvent.load({"project": {"project_code": CODE}, "changed": []})   # at the handler's edge
    assert "version" in refused.value.messages["project"]


def test_known_projects_are_read_without_asking_the_projects_service():
    source = FakeProjectSource(project_facts(1))
    local = registry(project_facts(1), source=source)
    assert local.get_many([CODE])[CODE]["project_code"] == CODE and local.all()[0]["version"] == 1
    assert source.asked == []


def test_an_unknown_code_is_asked_about_once_and_kept():
    """A payroll may arrive just after its project.upsert, before project_registered."""
    source = FakeProjectSource(project_facts(1))
    local = registry(source=source)
    assert local.get(CODE)["project_code"] == CODE
    assert local.get(CODE)["project_code"] == CODE
    assert source.asked == [[CODE]]


def test_a_code_nobody_registered_is_asked_about_every_time():
    source = FakeProjectSource()
    local = registry(source=source)
    assert local.get("NOPE") is None and local.get("NOPE") is None
    assert source.asked == [["NOPE"], ["NOPE"]]


def test_a_fresh_copy_is_filled_once_from_the_projects_service():
    source = FakeProjectSource(project_facts(1), project_facts(1, project_code="430102-2026-0002"))
    local = registry(source=source, backfilled=False)
    assert [p["project_code"] for p in local.all()] == [CODE, "430102-2026-0002"] and source.asked == [None]
    assert len(local.all()) == 2 and source.asked == [None]


def test_the_backfill_keeps_a_newer_version_heard_from_an_event():
    source = FakeProjectSource(project_facts(1))
    local = registry(project_facts(3, status="completed"), source=source, backfilled=False)
    assert local.backfill() == 0
    assert local.get(CODE)["status"] == "completed"
