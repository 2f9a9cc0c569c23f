"""The complaints service's use cases over fakes: intake reads the project from the
service's own copy of the registry, a change whose follow-up could not go out is kept
pending and relayed later, and bad filters are refused naming the field."""
from __future__ import annotations

import pytest

from services.complaints import domain
from services.complaints.app import CaseFilter, Complaints
from services.complaints.exceptions import InvalidChange
from services.complaints.repository import CaseRepository
from services.complaints.settings import ComplaintSettings
from shared import embedded_store
from shared.contract.alerts import COMPLAINT_FILED
from shared.internal import COMPLAINT_ACCEPTED, COMPLAINT_RECEIVED
from shared.registry import InMemoryRegistryStore, LocalProjectRegistry
from tests.factories import COUNTY, project_facts
from tests.factories import complaint as complaint_payload
from tests.unit.complaint_cases import submission
from tests.unit.fakes import FakeAlerts, FakeEvents, FakeProjectSource, FixedClock

CASE = f"{COUNTY}/TS-2026-0001"


@pytest.fixture
def desk():
    return Desk(project_facts(sector="water"))


class Desk:
    def __init__(self, *projects: dict):
        self.source = FakeProjectSource()
        self.cases = CaseRepository(embedded_store.new_client()["wagewatch_complaints"])
        self.cases.ensure_indexes()
        self.alerts, self.events, self.clock = FakeAlerts(), FakeEvents(), FixedClock("2026-09-30T10:05:00+08:00")
        registry = LocalProjectRegistry(InMemoryRegistryStore(projects), self.source)
        self.app = Complaints(cases=self.cases, registry=registry, alerts=self.alerts, publish=self.events,
                              clock=self.clock, settings=ComplaintSettings.from_config({"PII_HASH_KEY": "unit"}))


def test_a_complaint_naming_a_project_of_the_local_copy_opens_its_case_and_tells_the_desks(desk):
    assert desk.app.file(submission()) == {}
    case = desk.app.get_case(CASE)
    assert (case["project"]["sector"], case["employer_role"]) == ("water", "general_contractor")
    assert desk.source.asked == [], "the project came from the service's own copy"
    assert desk.events.types() == [COMPLAINT_RECEIVED]
    assert [c["type"] for c in desk.alerts.reported] == [COMPLAINT_FILED]
    assert desk.cases.get(CASE)["pending"] == []


def test_a_change_whose_alerts_could_not_be_told_is_kept_and_relayed_later(desk):
    desk.app.file(submission())
    desk.alerts.away = True
    view = desk.app.change(CASE, domain.ACCEPT, {"by": "desk-a"})
    assert view["status"] == domain.ACCEPTED, "the change itself is never refused for its follow-up"
    assert desk.cases.get(CASE)["pending"] == [2]
    desk.alerts.away = False
    desk.app.relay_pending()
    assert desk.cases.get(CASE)["pending"] == [2], "a follow-up may still be under way for 30 seconds"
    desk.clock.advance(seconds=31)
    desk.app.relay_pending()
    assert desk.cases.get(CASE)["pending"] == []
    assert desk.events.types() == [COMPLAINT_RECEIVED, COMPLAINT_ACCEPTED, COMPLAINT_ACCEPTED]   # idempotent again


@pytest.mark.parametrize("call, field", [
    (lambda app: app.figures("", "2026-09-01", "2026-09-30"), "division"),
    (lambda app: app.figures(COUNTY, "2026-09-30", "2026-09-01"), "to"),
    (lambda app: app.list_cases(CaseFilter(status="lost")), "status"),
    (lambda app: app.get_case(CASE, as_of="30/09/2026"), "as_of"),
])
def test_a_bad_question_is_refused_naming_its_field(desk, call, field):
    desk.app.file(submission())
    with pytest.raises(InvalidChange) as refused:
        call(desk.app)
    assert field in refused.value.errors


def test_an_unheeded_order_to_pay_is_raised_by_the_sweep_and_withdrawn_if_the_case_was_resolved_meanwhile(desk):
    from datetime import date

    from shared.sweeps import Isolation

    desk.app.file(submission(complaint_payload(workers_affected=12, amount_claimed=48_000)))
    desk.clock.advance(days=12)                                          # 12 October
    desk.app.change(CASE, domain.ACCEPT, {"by": "desk-a", "on": "2026-10-09"})
    view = desk.app.change(CASE, domain.ORDER, {"by": "desk-a", "deadline": "2026-10-22", "amount": 48_000,
                                                "workers": 12, "months": 1})
    assert (view["order"]["deadline"], view["referral"]["due"]) == ("2026-10-22", False)
    assert "CRIMINAL_REFERRAL_DUE" not in [c["type"] for c in desk.alerts.reported], "not due at the order"

    def sweep(day):
        return [c for c in desk.app.watch(day, Isolation("complaints")) if c["type"] == "CRIMINAL_REFERRAL_DUE"]
    assert sweep(date(2026, 10, 22)) == []
    [due] = sweep(date(2026, 10, 23))
    assert (due["severity"], due["details"]["unpaid_at_deadline"]) == ("red", 48_000)

    desk.clock.advance(days=12)                                          # 24 October: the desk refers it
    desk.app.change(CASE, domain.RESOLVE, {"by": "desk-a", "outcome": "referred_to_police",
                                           "amount_recovered": 0, "workers_paid": 0})
    assert due["fingerprint"] in desk.alerts.cleared_fingerprints(), "the change clears it at once"
    before = len(desk.alerts.cleared)
    desk.app.withdraw_raced({"raised": [{"fingerprint": due["fingerprint"]}]}, [due], date(2026, 10, 24))
    assert desk.alerts.cleared[before:] == [([due["fingerprint"]], "the case changed while the sweep ran")]
    assert sweep(date(2026, 10, 26)) == []
