"""The internal messages' schemas are derived from their dataclasses
(marshmallow-dataclass): the bodies on the wire are the ones the hand-written schemas
wrote before, key for key, and bodies of the old shape (fields missing that have a
default, fields added by a newer producer) still load."""
from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.alerts.domain import routes
from services.alerts.views import view
from shared.internal import (
    AlertView,
    ComplaintEvent,
    Condition,
    ConditionsCleared,
    Desk,
    PayrollLineFacts,
    PayrollRecorded,
    ProjectEvent,
    Recorded,
)

# Each body exactly as it travels today (as the hand-written schemas, or ``view``, wrote it,
# keys in that order); compared as JSON text.
WIRE = [
    (ProjectEvent,
     {'project': {'project_code': 'P-1',
                  'name': '长沙一号',
                  'division': '430102',
                  'sector': 'housing',
                  'funding': 'soe',
                  'status': 'under_construction',
                  'contract_amount': '12000000.50',
                  'start_date': '2026-03-01',
                  'planned_end_date': '2027-06-30',
                  'actual_end_date': None,
                  'pay_day': 15,
                  'version': 3,
                  'owner': {'name': '甲', 'uscc': 'X'},
                  'general_contractor': None,
                  # contract 1.1's project terms, and the suspensions the registry remembers
                  'schema_version': '1.1',
                  'contract_signed_on': '2026-02-10',
                  'suspended_on': '2026-09-01',
                  'resumed_on': '2026-10-01',
                  'labour_cost_monthly': '200000.00',
                  'payment_guarantee': {'form': 'guarantor', 'amount': '100000.00', 'issued_on': '2026-02-20'},
                  'construction_permit': None,
                  'wage_officer': {'name_masked': '王**', 'phone_masked': '138****5678'},
                  'signboard_posted_on': '2026-03-04',
                  'suspensions': [{'from': '2026-05-01', 'to': '2026-06-01'}]},
      'changed': ['status']}),
    (Condition,
     {'type': 'PAYROLL_MISSING',
      'fingerprint': 'PAYROLL_MISSING:P-1:2026-10',
      'severity': 'red',
      'division': '430102',
      'sector': 'housing',
      'funding': 'soe',
      'project_code': 'P-1',
      'month': '2026-10',
      'summary': 's',
      'details': {'month': '2026-10'},
      'p1': False,
      'level': 'county'}),
    (ConditionsCleared,
     {'fingerprints': ['A', 'B'], 'reason': 'payroll arrived'}),
    (PayrollRecorded,
     {'project_code': 'P-1', 'month': '2026-10', 'workers': 4}),
    (Recorded,   # account_recorded, deposit_recorded: no month, as accounts has always sent them
     {'project_code': 'P-1'}),
    (Recorded,   # allocation_recorded
     {'project_code': 'P-1', 'month': '2026-09'}),
    (PayrollLineFacts,
     {'id_masked': '430***1234', 'amount_due_fen': 100, 'amount_paid_fen': 90}),
    (ComplaintEvent,
     {'case_id': '430102/C-1',
      'county': '430102',
      'complaint_id': 'C-1',
      'division': '430102',
      'department': 'hrss',
      'status': 'accepted',
      'filed_on': '2026-10-01',
      'month': '2026-10',
      'project_code': 'P-1',
      'employer_uscc': None,
      'workers_affected': 3,
      'change': {'seq': 2,
                 'action': 'accept',
                 'from_status': 'received',
                 'to_status': 'accepted',
                 'by': 'desk',
                 'at': '2026-10-02T09:00:00+08:00',
                 'on': '2026-10-02',
                 'details': {}}}),
    (AlertView,
     {'alert_id': 'A-1',
      'type': 'PAYROLL_MISSING',
      'severity': 'orange',
      'status': 'firing',
      'division': '430102',
      'level': 'city',
      'sector': 'water',
      'funding': 'private',
      'project_code': 'P-1',
      'month': '2026-10',
      'summary': 's',
      'p1': True,
      'raised_at': '2026-11-16T09:00:00+08:00',
      'updated_at': '2026-11-16T09:00:00+08:00',
      'acknowledged_by': '张三',
      'acknowledged_at': 't',
      'resolved_at': None,
      'resolved_by': None,
      'outcome': None,
      'resolution': None,
      'fingerprint': 'FP-1',
      'routes': [{'department': 'water', 'division': '430102', 'level': 'county'},
                 {'department': 'hrss', 'division': '430102', 'level': 'county'},
                 {'department': 'water', 'division': '430100', 'level': 'city'},
                 {'department': 'hrss', 'division': '430100', 'level': 'city'}],
      'silenced_by': 'S-1',
      'inhibited_by': None}),
]


def as_text(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, default=str)


@pytest.mark.parametrize("message, body", WIRE, ids=[f"{m.__name__}-{n}" for n, (m, _) in enumerate(WIRE)])
def test_a_body_loads_and_dumps_back_byte_for_byte(message, body):
    assert as_text(message.load(body).dump()) == as_text(body)


@pytest.mark.parametrize("message, body", WIRE, ids=[f"{m.__name__}-{n}" for n, (m, _) in enumerate(WIRE)])
def test_fields_a_newer_producer_adds_are_ignored_at_every_level(message, body):
    newer = {**body, "added_later": 1}
    for name, value in body.items():
        if isinstance(value, dict) and name != "details" and value:
            newer[name] = {**value, "added_later": 2}
    assert as_text(message.load(newer).dump()) == as_text(body)


def test_an_old_project_event_without_the_optional_facts_loads_with_them_empty():
    body = copy.deepcopy(dict((m.__name__, b) for m, b in WIRE)["ProjectEvent"])
    for name in ("actual_end_date", "owner", "general_contractor"):
        del body["project"][name]
    facts = ProjectEvent.load(body).project
    assert (facts.actual_end_date, facts.owner, facts.general_contractor) == (None, None, None)
    assert facts.contract_amount == Decimal("12000000.50") and facts.start_date == date(2026, 3, 1)


@pytest.mark.parametrize("message, body, expected", [
    (Condition, {"type": "T", "fingerprint": "T:P", "severity": "red", "division": "430102", "summary": "s"},
     Condition(type="T", fingerprint="T:P", severity="red", division="430102", summary="s")),
    (PayrollRecorded, {"project_code": "P-1", "month": "2026-10"},
     PayrollRecorded(project_code="P-1", month="2026-10", workers=0)),
    (Recorded, {"project_code": "P-1"}, Recorded(project_code="P-1", month=None)),
    (Desk, {"department": "water", "division": "430102"}, Desk(department="water", division="430102", level=None)),
])
def test_an_old_shape_without_the_defaulted_fields_loads_with_their_defaults(message, body, expected):
    assert message.load(body) == expected


def test_a_condition_defaults_to_the_county_level_and_refuses_an_unknown_one():
    condition = Condition.load({"type": "T", "fingerprint": "T:P", "severity": "red", "division": "1", "summary": "s"})
    assert (condition.level, condition.details, condition.p1) == ("county", {}, False)
    with pytest.raises(ValidationError) as refused:
        Condition.load({**condition.dump(), "level": "galaxy"})
    assert list(refused.value.messages) == ["level"]


@pytest.mark.parametrize("message, body, field", [
    (ConditionsCleared, {"fingerprints": "A", "reason": "r"}, "fingerprints"),
    (PayrollLineFacts, {"id_masked": "x", "amount_due_fen": "lots", "amount_paid_fen": 1}, "amount_due_fen"),
    (ComplaintEvent, {"case_id": "c"}, "change"),
    (AlertView, {"alert_id": "a"}, "routes"),
])
def test_a_wrong_or_missing_field_is_named(message, body, field):
    with pytest.raises(ValidationError) as refused:
        message.load(body)
    assert field in refused.value.messages


def test_the_alert_changed_body_is_the_view_the_alerts_service_has_always_sent():
    alert = {"_id": "FP-1", "alert_id": "A-1", "type": "PAYROLL_MISSING", "severity": "orange",
             "status": "firing", "division": "430102", "level": "city", "sector": "water",
             "funding": "private", "project_code": "P-1", "month": "2026-10", "summary": "s", "p1": True,
             "raised_at": "2026-11-16T09:00:00+08:00", "routes": routes(["water", "hrss"], "430102", "city"),
             "acknowledged_by": "张三", "acknowledged_at": "t", "details": {"x": 1}, "unpublished": True}
    sent = view(alert, {"silenced_by": "S-1", "inhibited_by": None})
    assert as_text(sent) == as_text(dict((m.__name__, b) for m, b in WIRE)["AlertView"])
    assert as_text(AlertView.load(sent).dump()) == as_text(sent)
