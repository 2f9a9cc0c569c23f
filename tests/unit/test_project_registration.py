"""A county registers and changes its projects (services/projects/app.py, with fakes)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.projects.app import register_project
from shared.contract.messages import ProjectSchema
from shared.errors import RecordRefused
from shared.internal import PROJECT_CHANGED, PROJECT_REGISTERED, Submission
from tests.factories import COUNTY, OTHER_COUNTY, project
from tests.unit.fakes import FakeEvents, FakeProjects


def submit(repository, dispatch, payload, county=COUNTY):
    register_project(Submission(county=county, message_id="m", type="project.upsert", sent_at="", received_at="",
                                payload=ProjectSchema().load(payload)), repository=repository, dispatch=dispatch)


def test_a_new_project_is_version_1_and_a_change_announces_version_2_with_what_changed():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit(repository, dispatch, project())
    submit(repository, dispatch, project(status="suspended"))
    (first, registered), (second, changed) = dispatch.sent
    assert (first, registered["project"]["version"]) == (PROJECT_REGISTERED, 1)
    assert (second, changed["project"]["version"], changed["changed"]) == (PROJECT_CHANGED, 2, ["status"])
    assert changed["project"]["pay_day"] == 15


def test_a_replayed_upsert_changes_nothing_but_repeats_its_event_identically():
    """A crash between the store and the dispatch redelivers the request: the replay must
    announce exactly what the first delivery would have (not "nothing changed")."""
    repository, dispatch = FakeProjects(), FakeEvents()
    submit(repository, dispatch, project())
    submit(repository, dispatch, project())
    (_, first), (event, replay) = dispatch.sent
    assert event == PROJECT_REGISTERED and replay == first and first["project"]["version"] == 1
    assert "status" in first["changed"] and repository.get(project()["project_code"])["version"] == 1


def test_another_county_cannot_replace_a_project_and_is_told_which_field():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit(repository, dispatch, project())
    with pytest.raises(RecordRefused) as refused:
        submit(repository, dispatch, project(division=OTHER_COUNTY, project_code=project()["project_code"]),
               county=OTHER_COUNTY)
    assert refused.value.errors == {"project_code": [
        "Already registered by another county; project codes are unique province-wide."]}
    assert repository.get(project()["project_code"])["division"] == COUNTY and len(dispatch.sent) == 1


# ---- contract 1.1 ---------------------------------------------------------------------------

TERMS = {"contract_signed_on": "2026-07-10", "labour_cost": {"monthly_amount": 200000.00},
         "payment_guarantee": {"form": "bank_guarantee", "amount": 4800000.00, "issued_on": "2026-07-15"},
         "construction_permit": {"number": "430102202607200101", "issued_on": "2026-07-20"},
         "wage_officer": {"name": "王建国", "phone": "13812345678"}, "signboard_posted_on": "2026-08-03"}


def submit_as(repository, dispatch, payload, version, received_at="2026-11-23T09:00:00+08:00"):
    register_project(Submission(county=COUNTY, message_id="m", type="project.upsert", sent_at="", schema_version=version,
                                received_at=received_at, payload=ProjectSchema().load(payload)),
                     repository=repository, dispatch=dispatch)


def test_a_1_1_upsert_carries_its_terms_and_version_on_the_event_with_the_officer_masked():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit_as(repository, dispatch, project(**TERMS), "1.1")
    (_, event), = dispatch.sent
    facts = event["project"]
    assert facts["schema_version"] == "1.1" and facts["contract_signed_on"] == "2026-07-10"
    assert facts["labour_cost_monthly"] == Decimal("200000.00") and facts["signboard_posted_on"] == "2026-08-03"
    assert facts["payment_guarantee"] == {"form": "bank_guarantee", "amount": "4800000.00", "issued_on": "2026-07-15"}
    assert facts["construction_permit"] == {"number": "430102202607200101", "issued_on": "2026-07-20"}
    assert facts["wage_officer"] == {"name_masked": "王**", "phone_masked": "138****5678"}
    stored = repository.get(project()["project_code"])
    assert stored["wage_officer"] == {"name": "王建国", "phone_masked": "138****5678"}   # no full phone kept
    assert "13812345678" not in repr(stored) and "13812345678" not in repr(dispatch.sent)


def test_the_version_of_the_last_upsert_is_remembered_and_its_change_announced():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit_as(repository, dispatch, project(**TERMS), "1.1")
    submit_as(repository, dispatch, project(), "1")
    (_, changed) = dispatch.sent[-1]
    assert changed["project"]["schema_version"] == "1" and "schema_version" in changed["changed"]
    assert changed["project"]["payment_guarantee"] is None   # a 1.0 upsert replaces the project's data


def test_a_1_0_suspension_without_its_day_suspends_from_the_day_received_and_a_resend_keeps_that_day():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit_as(repository, dispatch, project(), "1")
    submit_as(repository, dispatch, project(status="suspended"), "1", received_at="2026-11-23T23:30:00+08:00")
    assert dispatch.sent[-1][1]["project"]["suspended_on"] == "2026-11-23"
    submit_as(repository, dispatch, project(status="suspended"), "1", received_at="2026-11-30T09:00:00+08:00")
    assert dispatch.sent[-1][1]["project"]["suspended_on"] == "2026-11-23" and dispatch.sent[-1][1]["project"]["version"] == 2
    submit_as(repository, dispatch, project(status="suspended", suspended_on="2026-11-02"), "1.1")
    assert dispatch.sent[-1][1]["project"]["suspended_on"] == "2026-11-02"


def test_the_received_day_is_shanghais():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit_as(repository, dispatch, project(status="suspended"), "1", received_at="2026-11-23T16:30:00+00:00")
    assert dispatch.sent[-1][1]["project"]["suspended_on"] == "2026-11-24"


def test_an_earlier_suspension_is_remembered_when_a_later_upsert_no_longer_states_it():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit_as(repository, dispatch, project(status="suspended", suspended_on="2026-09-01"), "1.1")
    submit_as(repository, dispatch, project(suspended_on="2026-09-01", resumed_on="2026-09-20"), "1.1")
    assert dispatch.sent[-1][1]["project"]["suspensions"] == []          # the same suspension, now ended
    submit_as(repository, dispatch, project(status="suspended", suspended_on="2026-11-01",
                                            resumed_on="2026-09-20"), "1.1")
    facts = dispatch.sent[-1][1]["project"]
    assert facts["suspensions"] == [{"from": "2026-09-01", "to": "2026-09-20"}]
    assert "suspensions" in dispatch.sent[-1][1]["changed"]


def test_a_1_0_county_resumes_by_sending_under_construction_on_the_day_received():
    repository, dispatch = FakeProjects(), FakeEvents()
    submit_as(repository, dispatch, project(status="suspended"), "1", received_at="2026-09-01T10:00:00+08:00")
    submit_as(repository, dispatch, project(), "1", received_at="2026-10-08T10:00:00+08:00")
    facts = dispatch.sent[-1][1]["project"]
    assert facts["suspended_on"] is None and facts["suspensions"] == [{"from": "2026-09-01", "to": "2026-10-08"}]
    submit_as(repository, dispatch, project(), "1", received_at="2026-10-09T10:00:00+08:00")   # a re-send
    assert dispatch.sent[-1][1]["project"]["suspensions"] == [{"from": "2026-09-01", "to": "2026-10-08"}]
