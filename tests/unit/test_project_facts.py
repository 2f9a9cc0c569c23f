"""Monitors read the registry's projects as the projects service sends them: the quick
conversion of the usual shape loads exactly what ProjectFactsSchema loads, and any other
shape goes through the schema (and its errors)."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from marshmallow import ValidationError

from services.projects.domain import project_record
from services.projects.views import facts
from shared.contract.messages import ProjectSchema
from shared.internal import ProjectFactsSchema
from shared.projects import load_facts
from testkit.province import ProvinceSpec, generate
from testkit.province.generator import Province

SCHEMA = ProjectFactsSchema()


def schema_loads(project: dict) -> dict:
    """What the schema (derived from ``ProjectFacts``) loads, as the facts dict monitors read."""
    return asdict(SCHEMA.load(project))


def sent(province: Province, index: int, **changes) -> dict:
    """A project as ``projects.list_projects`` sends it (through JSON)."""
    import json

    env = next(e for e in province.messages() if e["type"] == "project.upsert"
               and e["payload"]["project_code"] == province.projects[index].code)
    record = project_record(ProjectSchema().load(env["payload"]), env["county"])
    return {**json.loads(json.dumps(facts({**record, "version": 1}), default=str)), **changes}


@pytest.fixture(scope="module")
def province():
    return generate(ProvinceSpec(as_of=date(2026, 11, 23), counties=2, projects_per_county=10))


def test_projects_as_sent_load_exactly_as_the_schema_loads_them(province):
    for index in range(len(province.projects)):
        project = sent(province, index)
        assert load_facts(project) == schema_loads(project)
    ended = sent(province, 0, actual_end_date="2027-01-31", status="completed")
    assert load_facts(ended) == schema_loads(ended)
    assert load_facts(ended)["actual_end_date"] == date(2027, 1, 31)


@pytest.mark.parametrize("changes", [
    {"extra": "ignored"}, {"pay_day": "15"}, {"contract_amount": 1200.5}, {"owner": None},
    {"start_date": "20260801"}, {"actual_end_date": None},
])
def test_any_other_shape_loads_through_the_schema(province, changes):
    project = sent(province, 1, **changes)
    assert load_facts(project) == schema_loads(project)


@pytest.mark.parametrize("changes", [{"contract_amount": "NaN"}, {"start_date": "2026-13-01"}, {"name": 7},
                                     {"version": True}])
def test_a_malformed_project_is_refused_as_the_schema_refuses_it(province, changes):
    with pytest.raises(ValidationError):
        load_facts(sent(province, 2, **changes))


def test_stored_projects_are_sent_exactly_as_the_schema_dumps_them(province):
    for index in range(len(province.projects)):
        record = schema_loads(sent(province, index))
        for variant in (record, {**record, "changed": ["status"], "actual_end_date": date(2027, 1, 31)},
                        {**record, "owner": None}):
            assert facts(variant) == SCHEMA.dump(variant)
            assert list(facts(variant)) == list(SCHEMA.dump(variant))
    odd = {k: v for k, v in schema_loads(sent(province, 0)).items() if k != "general_contractor"}
    assert facts(odd) == SCHEMA.dump(odd)


def test_the_quick_paths_take_the_usual_shape_contract_1_1_terms_included(province):
    """A sweep of 20,000 projects depends on it: the usual shape, now with 1.1's terms and
    dates, is converted directly both ways, not through marshmallow."""
    from services.projects.views import _dumped_directly
    from shared.projects import _loaded_as_sent

    project = sent(province, 0, schema_version="1.1", suspended_on="2026-10-01", resumed_on="2026-10-20")
    assert project["wage_officer"]["phone_masked"].count("*") == 4 and project["labour_cost_monthly"]
    loaded = _loaded_as_sent(project)
    assert loaded is not None and loaded == schema_loads(project)
    assert loaded["suspended_on"] == date(2026, 10, 1) and loaded["contract_signed_on"] < loaded["start_date"]
    assert _dumped_directly(loaded) == SCHEMA.dump(SCHEMA.load(project))
