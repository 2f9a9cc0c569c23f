"""The local project registry's store (shared.registry.RegistryRepository) on the
contract suite's store: the version guard holds in the database, not only in Python."""
from __future__ import annotations

import pytest

from shared.registry import RegistryRepository
from tests.factories import project_facts

CODE = "430102-2026-0001"


@pytest.fixture
def store(database):
    repository = RegistryRepository(database("payroll"))
    repository.ensure_indexes()
    return repository


def test_a_newer_version_replaces_and_an_older_or_equal_one_does_not(store):
    assert store.apply(project_facts(1)) is True
    assert store.apply(project_facts(3, status="completed")) is True
    assert store.apply(project_facts(2, status="suspended")) is False
    assert store.apply(project_facts(3, status="completed")) is False   # a redelivery
    assert store.get_many([CODE, "NOPE"]) == {CODE: project_facts(3, status="completed")}
    assert store.projects.count_documents({}) == 1


def test_every_project_in_code_order(store):
    for code in ("430102-2026-0003", CODE, "430102-2026-0002"):
        store.apply(project_facts(1, project_code=code))
    assert [p["project_code"] for p in store.all()] == [CODE, "430102-2026-0002", "430102-2026-0003"]


def test_the_backfill_is_remembered(store, database):
    assert store.backfilled() is False
    store.mark_backfilled()
    store.mark_backfilled()
    assert store.backfilled() is True
