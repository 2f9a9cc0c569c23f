"""The complaints service with the registry and the alerts service, in real containers on
the real RabbitMQ: intake, the desk's changes, events, alerts, the sweep and the figures."""
from __future__ import annotations

import pytest
from nameko.events import event_handler
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from services.alerts.service import AlertsService
from services.complaints.exceptions import CaseNotFound, InvalidChange, InvalidTransition
from services.complaints.service import ComplaintsService
from services.projects.service import ProjectsService
from shared import internal
from shared.calendar import now_iso
from shared.contract.client import alerts_listener
from shared.contract.messages import ComplaintSchema, ProjectSchema
from shared.errors import RecordRefused
from shared.storage import database_for
from testkit.synthetic import credit_code
from tests.complaint_seed import SEEDED, seeded_complaint
from tests.factories import COUNTY, complaint, project

CASE = f"{COUNTY}/TS-2026-0001"
PHONE = "13912345678"


class ComplaintWatcher:
    """Stands in for any service that listens to complaint events."""

    name = "complaint_watcher"
    seen: list = []

    @event_handler("complaints", internal.COMPLAINT_RECEIVED)
    def on_received(self, body):
        self.seen.append((internal.COMPLAINT_RECEIVED, body))

    @event_handler("complaints", internal.COMPLAINT_ACCEPTED)
    def on_accepted(self, body):
        self.seen.append((internal.COMPLAINT_ACCEPTED, body))

    @event_handler("complaints", internal.COMPLAINT_CLOSED)
    def on_closed(self, body):
        self.seen.append((internal.COMPLAINT_CLOSED, body))


@pytest.fixture
def services(runner_factory, config):
    runner = runner_factory(config, ProjectsService, AlertsService, ComplaintsService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    with entrypoint_hook(containers["projects"], "register_project") as register:
        register({"county": COUNTY, "message_id": "p", "type": "project.upsert",
                  "payload": ProjectSchema().load(project(sector="water"))})
    return containers


@pytest.fixture
def desks(config):
    """hrss and water desks of the county, hrss of the city and of the province."""
    opened = {name: alerts_listener(config["AMQP_URI"], department=dept, division=division)
              for name, (dept, division) in {"hrss": ("hrss", COUNTY), "water": ("water", COUNTY),
                                              "city": ("hrss", "430100"), "province": ("hrss", "430000")}.items()}
    yield opened
    for listener in opened.values():
        listener.close()


def file(services, payload=None, county=COUNTY, message_id="m-1"):
    with entrypoint_hook(services["complaints"], "file_complaint") as hook:
        return hook({"county": county, "message_id": message_id, "type": "complaint.filed",
                     "sent_at": None, "received_at": now_iso(),
                     "payload": ComplaintSchema().load(payload or complaint())})


def call(services, method, *args, **kwargs):
    with entrypoint_hook(services["complaints"], method) as hook:
        return hook(*args, **kwargs)


def bodies(listener, count):
    return [m["body"] for m in listener.wait_for(count)]


class TestIntake:
    def test_a_complaint_reaches_the_county_hrss_and_water_desks_at_once_with_the_phone_masked(self, services, desks):
        assert file(services) == {}
        [hrss] = bodies(desks["hrss"], 1)
        [water] = bodies(desks["water"], 1)
        assert (hrss["type"], hrss["status"], hrss["severity"], hrss["level"]) == (
            "COMPLAINT_FILED", "firing", "orange", "county")
        assert water["alert_id"] == hrss["alert_id"]
        assert hrss["details"]["complainant"] == {"name": "张**", "phone": "139****5678",
                                                  "id_number": hrss["details"]["complainant"]["id_number"]}
        assert PHONE not in str(hrss) and "张三丰" not in str(hrss)

    def test_the_case_links_the_project_and_the_employers_part_in_it(self, services):
        file(services)
        case = call(services, "get_case", CASE)
        assert (case["project"]["name"], case["project"]["sector"]) == ("湘江防洪堤加固工程", "water")
        assert case["employer_role"] == "general_contractor"
        assert case["complainant"]["phone"] == "139****5678" and PHONE not in str(case)

    def test_a_complaint_received_by_another_county_reaches_the_desk_of_its_division(self, services, desks, config):
        receiver = alerts_listener(config["AMQP_URI"], department="hrss", division="430121")
        assert file(services, county="430121") == {}                  # 长沙县 received it for 芙蓉区
        [alert] = bodies(desks["hrss"], 1)
        assert (alert["division"], alert["details"]["received_by"]) == (COUNTY, "430121")
        assert receiver.drain(0.5) == []
        receiver.close()
        case = call(services, "get_case", "430121/TS-2026-0001")
        assert [(e["action"], e["by"]) for e in case["history"]] == [
            ("file", "county system 430121 (hotline)"), ("transfer", "platform")]

    def test_an_unregistered_project_does_not_turn_the_complaint_away(self, services, desks):
        assert file(services, complaint(project_code="NOT-REGISTERED")) == {}
        case = call(services, "get_case", CASE)
        assert (case["project_code"], case["project"], case["employer_role"]) == ("NOT-REGISTERED", None, None)
        assert bodies(desks["hrss"], 1)[0]["type"] == "COMPLAINT_FILED"

    def test_the_same_complaint_sent_again_under_a_new_message_id_opens_no_second_case(self, services, desks):
        file(services, message_id="m-1")
        assert file(services, complaint(workers_affected=99), message_id="m-2") == {}
        assert [c["case_id"] for c in call(services, "list_cases", division=COUNTY)] == [CASE]
        assert call(services, "get_case", CASE)["workers_affected"] == 3, "the first version stands"
        assert len(desks["hrss"].wait_for(2, timeout=2)) == 1, "and no second alert"

    def test_a_complaint_filed_after_it_was_received_is_refused(self, services):
        with pytest.raises(RecordRefused) as refused:
            file(services, complaint(filed_at="2099-01-01T09:00:00+08:00"))
        assert list(refused.value.errors) == ["filed_at"]

    def test_complaints_on_one_project_within_30_days_are_related_both_ways(self, services):
        file(services, complaint(complaint_id="A", filed_at="2026-09-01T09:00:00+08:00"), message_id="a")
        file(services, complaint(complaint_id="B", filed_at="2026-09-25T09:00:00+08:00"), message_id="b")
        file(services, complaint(complaint_id="C", filed_at="2026-11-20T09:00:00+08:00"), message_id="c")
        assert call(services, "get_case", f"{COUNTY}/A")["related"] == [f"{COUNTY}/B"]
        assert call(services, "get_case", f"{COUNTY}/B")["related"] == [f"{COUNTY}/A"]
        assert call(services, "get_case", f"{COUNTY}/C")["related"] == []

    def test_a_desk_finds_a_complainants_cases_by_phone_or_id_number_without_either_being_stored(
            self, services):
        file(services)
        id_number = complaint()["complainant"]["id_number"]
        for known in (PHONE, id_number, id_number.lower()):
            assert [c["case_id"] for c in call(services, "list_cases", complainant=known)] == [CASE]
        assert call(services, "list_cases", complainant="13900000000") == []

    def test_the_stored_case_holds_no_full_phone_id_number_or_name(self, services, config):
        file(services)
        stored = str(list(database_for(config["MONGO_URI"], "complaints")["cases"].find()))
        assert PHONE not in stored and complaint()["complainant"]["id_number"] not in stored
        assert "张三丰" not in stored


class TestLifecycle:
    def test_each_change_is_recorded_and_published_as_a_past_tense_event(self, services, container_factory, config):
        ComplaintWatcher.seen = []
        watcher = container_factory(ComplaintWatcher, config)
        watcher.start()
        with entrypoint_waiter(watcher, "on_received"):
            file(services)
        with entrypoint_waiter(watcher, "on_accepted"):
            accepted = call(services, "accept", CASE, by="芙蓉区劳动监察 王", on="2026-10-08")
        assert accepted["status"] == "accepted" and accepted["clock"]["stage"] == "investigation"
        call(services, "investigate", CASE, by="王", on="2026-10-09")
        call(services, "resolve", CASE, by="王", on="2026-10-20", outcome="paid_in_full",
             amount_recovered=15600, workers_paid=3)
        with entrypoint_waiter(watcher, "on_closed"):
            closed = call(services, "close", CASE, by="王", on="2026-10-21")
        assert [e["action"] for e in closed["history"]] == ["file", "accept", "investigate", "resolve", "close"]
        assert closed["resolution"] == {"outcome": "paid_in_full", "workers_paid": 3, "amount_recovered": 15600.0}
        names = [name for name, _ in ComplaintWatcher.seen]
        assert names == ["complaint_received", "complaint_accepted", "complaint_closed"]
        received, accepted_event, closed_event = (body for _, body in ComplaintWatcher.seen)
        assert internal.ComplaintEventSchema().validate(accepted_event) == {}
        assert (accepted_event["change"]["by"], accepted_event["change"]["on"]) == ("芙蓉区劳动监察 王", "2026-10-08")
        assert (closed_event["status"], closed_event["change"]["from_status"]) == ("closed", "resolved")
        assert "complainant" not in str(received) and PHONE not in str(ComplaintWatcher.seen)

    def test_an_invalid_change_is_refused_with_a_precise_error_and_changes_nothing(self, services):
        file(services)
        with pytest.raises(InvalidTransition, match=r"Cannot close case 430102/TS-2026-0001: it is received"):
            call(services, "close", CASE, by="王")
        with pytest.raises(InvalidChange) as wrong:
            call(services, "resolve", CASE, by="王", outcome="settled", amount_recovered=-1, workers_paid=1)
        assert set(wrong.value.errors) == {"outcome", "amount_recovered"}
        with pytest.raises(CaseNotFound):
            call(services, "accept", "430102/NOPE", by="王")
        assert [e["action"] for e in call(services, "get_case", CASE)["history"]] == ["file"]

    def test_closing_resolves_the_filed_alert_and_reopening_raises_it_again(self, services, desks):
        file(services)
        for change, kwargs in (("accept", {}), ("resolve", {"outcome": "paid_in_full", "amount_recovered": 15600,
                                                             "workers_paid": 3}), ("close", {})):
            call(services, change, CASE, by="王", on="2026-10-09", **kwargs)
        firing, resolved = bodies(desks["hrss"], 2)
        assert (resolved["status"], resolved["alert_id"]) == ("resolved", firing["alert_id"])
        call(services, "reopen", CASE, by="王", reason="复查 the payment bounced")
        assert [b["status"] for b in bodies(desks["hrss"], 3)] == ["firing", "resolved", "firing"]

    def test_a_transfer_hands_the_alert_to_the_new_countys_desk(self, services, desks, config):
        other = alerts_listener(config["AMQP_URI"], department="hrss", division="430121")
        file(services)
        moved = call(services, "transfer", CASE, by="王", to_division="430121", reason="项目在长沙县")
        assert (moved["division"], moved["status"]) == ("430121", "received")
        [there] = [m["body"] for m in other.wait_for(1)]
        other.close()
        assert (there["type"], there["division"], there["status"]) == ("COMPLAINT_FILED", "430121", "firing")
        assert [b["status"] for b in bodies(desks["hrss"], 2)] == ["firing", "resolved"]


class TestClocksAndRisks:
    def test_an_unhandled_complaint_escalates_to_the_city_after_its_deadline_and_clears_when_accepted(
            self, services, desks):
        file(services)                                              # filed 30 Sep, due 13 Oct
        assert call(services, "sweep", "2026-10-12")["raised"][0]["severity"] == "orange"
        outcome = call(services, "sweep", "2026-10-14")
        assert [(a["type"], a["severity"]) for a in outcome["raised"]] == [("COMPLAINT_OVERDUE", "red")]
        [city] = bodies(desks["city"], 1)
        assert (city["division"], city["level"], city["severity"]) == ("430100", "city", "red")
        assert city["details"]["clock"]["deadline"] == "2026-10-13"
        assert desks["province"].drain(0.5) == [], "the province is not told yet"
        call(services, "accept", CASE, by="王", on="2026-10-15")
        assert [b["status"] for b in bodies(desks["city"], 2)] == ["firing", "resolved"]

    def test_ten_workers_on_one_project_raise_a_p1_group_alert_at_once(self, services, desks):
        file(services, complaint(complaint_id="A", workers_affected=6), message_id="a")
        file(services, complaint(complaint_id="B", workers_affected=4), message_id="b")
        group = [b for b in bodies(desks["hrss"], 3) if b["type"] == "GROUP_ARREARS"]
        assert [(g["severity"], g["p1"], g["details"]["workers"]) for g in group] == [("red", True, 10)]
        assert any(b["type"] == "GROUP_ARREARS" for b in bodies(desks["water"], 3))

    def test_an_employer_in_three_complaints_within_30_days_raises_red_and_clears_when_they_close(
            self, services, desks):
        employer = {"name": "某建筑劳务有限公司", "uscc": credit_code(COUNTY, 77)}
        for number, day in ((1, "01"), (2, "10"), (3, "20")):
            file(services, complaint(complaint_id=f"E{number}", employer=employer, project_code=f"P{number}",
                                     filed_at=f"2026-10-{day}T09:00:00+08:00"), message_id=f"e{number}")
        repeat = [b for b in bodies(desks["hrss"], 4) if b["type"] == "REPEAT_DEFAULTER"]
        assert [(r["severity"], r["status"]) for r in repeat] == [("red", "firing")]
        for number in (1, 2, 3):
            call(services, "refuse", f"{COUNTY}/E{number}", by="王", reason="重复投诉")
        cleared = [b for b in bodies(desks["hrss"], 8) if b["type"] == "REPEAT_DEFAULTER"]
        assert [r["status"] for r in cleared] == ["firing", "resolved"]

    def test_a_claim_alone_is_never_red_and_an_unheeded_order_to_pay_is_referred(self, services, desks):
        file(services, complaint(workers_affected=1, amount_claimed=6500))          # filed 30 Sep
        [filed] = bodies(desks["hrss"], 1)
        assert (filed["type"], filed["severity"]) == ("COMPLAINT_FILED", "orange")
        call(services, "accept", CASE, by="王", on="2026-10-09")
        case = call(services, "order_payment", CASE, by="王", on="2026-10-12", deadline="2026-10-22", amount=6500,
                    workers=1, months=3)
        assert (case["order"]["deadline"], case["referral"]["due"]) == ("2026-10-22", True)   # as of today
        [referral] = [b for b in bodies(desks["hrss"], 2) if b["type"] == "CRIMINAL_REFERRAL_DUE"]
        assert (referral["severity"], referral["status"], referral["department"]) == ("red", "firing", "hrss")
        water = [m["body"]["type"] for m in desks["water"].drain(0.5)]
        assert "COMPLAINT_FILED" in water and "CRIMINAL_REFERRAL_DUE" not in water, "hrss alone is told"
        outcome = call(services, "sweep", "2026-10-22")                         # the deadline day: not yet
        assert [a["type"] for a in outcome["resolved"]] == ["CRIMINAL_REFERRAL_DUE"]
        outcome = call(services, "sweep", "2026-10-23")
        assert [(a["type"], a["severity"]) for a in outcome["raised"]] == [("CRIMINAL_REFERRAL_DUE", "red")]
        call(services, "resolve", CASE, by="王", outcome="referred_to_police", amount_recovered=0, workers_paid=0)
        statuses = [b["status"] for b in bodies(desks["hrss"], 5) if b["type"] == "CRIMINAL_REFERRAL_DUE"]
        assert statuses == ["firing", "resolved", "firing", "resolved"]


def test_a_followup_the_alerts_service_missed_is_relayed_later(runner_factory, container_factory, config, desks):
    runner = runner_factory(config, ProjectsService, ComplaintsService)
    runner.start()
    containers = {c.service_name: c for c in runner.containers}
    assert file(containers) == {}, "the case is stored even though alerts is not running"
    cases = database_for(config["MONGO_URI"], "complaints")["cases"]
    assert cases.find_one({"_id": CASE})["pending"] == [1]
    container_factory(AlertsService, config).start()
    cases.update_one({"_id": CASE}, {"$set": {"updated_at": "2026-01-01T00:00:00+08:00"}})
    with entrypoint_hook(containers["complaints"], "relay_pending") as relay:
        relay()
    assert bodies(desks["hrss"], 1)[0]["type"] == "COMPLAINT_FILED"
    assert cases.find_one({"_id": CASE})["pending"] == []


def test_the_figures_equal_the_hand_count_on_the_seeded_cases(services):
    for county, complaint_id, filed, steps in SEEDED:
        assert file(services, seeded_complaint(county, complaint_id, filed), county=county,
                    message_id=complaint_id) == {}
        for action, on, params in steps:
            call(services, action, f"{county}/{complaint_id}", by="seed", on=on.isoformat(), **params)
    city = call(services, "figures", "430100", "2026-01-01", "2026-12-31", as_of="2026-11-20")
    # Hand count in tests/unit/test_complaint_figures.py: 7 filed, 5 accepted, 1 refused, 4 closed (3 on
    # time), 2 open and overdue, 55,000.50 yuan recovered for 12 workers.
    assert city["total"] == {"filed": 7, "accepted": 5, "refused": 1, "closed": 4, "closure_rate": 0.8,
                             "closed_on_time": 3, "on_time_rate": 0.75, "open": 2, "overdue": 2,
                             "amount_recovered": 55000.5, "workers_helped": 12}
    with pytest.raises(InvalidChange, match="division: Unknown administrative division code"):
        call(services, "figures", "439999", "2026-01-01", "2026-12-31")
