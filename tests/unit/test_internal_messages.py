"""The typed internal messages (shared/internal.py) read what the producers send and write
it back unchanged, and refuse a malformed body naming the field."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.alerts.domain import routes
from services.alerts.views import view
from services.complaints.views import complaint_event
from services.ingress.domain import Envelope, check_payload
from services.ingress.service import submission
from services.projects.domain import project_record
from services.projects.service import facts
from shared.contract.messages import ProjectSchema
from shared.internal import EVENT_MESSAGES, AlertView, ComplaintEvent, PayrollRecorded, ProjectEvent, Recorded, Submission
from shared.projects import changed_project
from shared.topology_table import SERVICES
from tests.factories import COUNTY, enrolment, payroll, project
from tests.unit.complaint_cases import a_case, change

# Bodies that are another contract's (the public notification) or the alerts service's own
# record (a silence), not typed here yet.
UNTYPED = {"desk_notified", "silences_changed"}


def through_json(body: dict) -> dict:
    return json.loads(json.dumps(body, default=str))


def test_every_event_a_service_emits_has_its_message_type():
    emitted = {event for service in SERVICES for event in service.emits}
    assert emitted - set(EVENT_MESSAGES) == UNTYPED
    assert set(EVENT_MESSAGES) <= emitted


def test_a_project_event_reads_the_facts_the_projects_service_sends_as_python_values():
    record = project_record(ProjectSchema().load(project()), COUNTY)
    sent = through_json({"project": facts({**record, "version": 3}), "changed": ["status"]})
    event = ProjectEvent.load({**sent, "from_a_newer_producer": True})
    assert (event.project.project_code, event.project.version, event.changed) == (
        project()["project_code"], 3, ["status"])
    assert isinstance(event.project.contract_amount, Decimal) and isinstance(event.project.start_date, date)
    assert through_json(event.dump()) == sent


def test_a_malformed_body_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        ProjectEvent.load({"project": {"project_code": "P-1"}, "changed": []})
    assert "name" in refused.value.messages["project"]
    with pytest.raises(ValidationError) as refused:
        PayrollRecorded.load({"month": "2026-10"})
    assert list(refused.value.messages) == ["project_code"]


def test_the_alert_view_is_what_the_alerts_service_sends_on_alert_changed():
    """AlertViewSchema, once dead, now types the body; it must say what ``view`` builds."""
    alert = {"_id": "FP-1", "alert_id": "A-1", "type": "PAYROLL_MISSING", "severity": "orange",
             "status": "open", "division": "430102", "level": "county", "sector": "water",
             "funding": "private", "project_code": "P-1", "month": "2026-10", "summary": "s", "p1": True,
             "raised_at": "2026-11-16T09:00:00+08:00", "routes": routes(["water", "hrss"], "430102")}
    sent = view(alert, {"silenced_by": "S-1", "inhibited_by": None})
    received = AlertView.load(sent)
    assert [desk.department for desk in received.routes] == ["water", "hrss"]
    assert received.dump() == sent


def test_a_complaint_event_reads_what_the_complaints_service_sends():
    case = change(a_case(), "accept", date(2026, 10, 2))
    sent = complaint_event(case, case["history"][-1]).dump()
    received = ComplaintEvent.load(sent)
    assert (received.status, received.change.action, received.change.seq) == ("accepted", "accept", 2)
    assert received.dump() == sent


def test_a_recorded_event_without_a_month_reads_as_none():
    assert Recorded.load({"project_code": "P-1"}) == Recorded(project_code="P-1", month=None)


@pytest.mark.parametrize("message_type, payload, part", [
    ("payroll.paid", payroll(), "payload"),
    ("worker.enrol", {"records": [enrolment(1), enrolment(2)]}, "records"),
])
def test_the_ingress_hands_owners_a_submission_with_a_payload_or_its_records(message_type, payload, part):
    envelope = Envelope("m-1", message_type, COUNTY, "2026-11-01T09:00:00+08:00", payload)
    sent = submission(envelope, check_payload(envelope), "2026-11-01T09:00:01+08:00")
    assert set(sent) == {"county", "message_id", "type", "sent_at", "received_at", "schema_version", part}
    assert Submission.load(sent).dump() == sent


@pytest.mark.parametrize("changed, expected", [(["status"], "P-TYPED"), (["name"], None), ([], None)])
def test_a_project_change_is_about_the_project_only_when_it_can_change_what_it_owes(changed, expected):
    record = project_record(ProjectSchema().load(project(project_code="P-TYPED")), COUNTY)
    body = through_json({"project": facts({**record, "version": 2}), "changed": changed})
    assert changed_project(ProjectEvent.load(body)) == expected


def test_a_malformed_project_change_is_refused_naming_the_field_so_its_handler_parks_it():
    with pytest.raises(ValidationError) as refused:
        ProjectEvent.load({"project": {"project_code": "P-1"}, "changed": ["status"]})
    assert "project" in refused.value.messages
