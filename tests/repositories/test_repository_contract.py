"""Every repository's verbs against a store: what each promises its service, whatever
the store (the embedded one, nx-27017, a real MongoDB: ``MONGO_TEST_URI``).

One suite for every backend, as an event store's recorder suite is run against each of
its databases. A test that nx-27017 answers wrongly carries ``diverges_on_wire`` with
what it does instead; tests/wire runs the others there."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.accounts.repository import AccountsRepository
from services.alerts.repository import AlertRepository
from services.complaints.repository import CaseRepository
from services.console.repository import ConsoleRepository
from services.ingress.domain import Delivery, Envelope
from services.ingress.repository import IngressRepository
from services.payroll.repository import PayrollRepository
from services.projects.repository import ProjectRepository
from services.workers.domain import AttendancePlan, Stint
from services.workers.repository import WorkersRepository
from shared.calendar import Month
from shared.sealing import Sealer
from shared.sweeps import SweepLog
from tests.conftest import TEST_QUARANTINE_KEY


def diverges_on_wire(what_it_does: str):
    return pytest.mark.diverges_on_wire(what_it_does)


def made(repository_cls, database, service: str, *args):
    repository = repository_cls(database(service), *args)
    repository.ensure_indexes()
    return repository


# ---- projects ------------------------------------------------------------------------

def a_project(code="430102-2026-0001", division="430102", **overrides):
    return {"project_code": code, "name": "堤防", "division": division, "sector": "water", "funding": "government",
            "contract_amount": Decimal("48000000.00"), "start_date": date(2026, 8, 1),
            "planned_end_date": date(2027, 12, 31), "actual_end_date": None, "status": "under_construction",
            **overrides}


def test_projects_are_saved_by_code_read_back_whole_and_replaced_by_a_new_version(database):
    projects = made(ProjectRepository, database, "projects")
    projects.save(a_project(), 1, ["status"])
    projects.save(a_project(status="suspended"), 2, ["status"])
    projects.save(a_project(status="suspended"), 2, ["status"])       # a replay changes nothing
    got = projects.get("430102-2026-0001")
    assert (got["status"], got["version"], got["changed"]) == ("suspended", 2, ["status"])
    assert (got["contract_amount"], got["start_date"], got["actual_end_date"]) == \
        (Decimal("48000000.00"), date(2026, 8, 1), None)
    assert projects.get("nope") is None


def test_projects_are_listed_by_division_prefix_and_fetched_many_at_once(database):
    projects = made(ProjectRepository, database, "projects")
    for code, division in [("430102-A", "430102"), ("430121-B", "430121"), ("430202-C", "430202")]:
        projects.save(a_project(code, division), 1, [])
    assert [p["project_code"] for p in projects.all("430100")] == ["430102-A", "430121-B"]
    assert [p["project_code"] for p in projects.all()] == ["430102-A", "430121-B", "430202-C"]
    assert sorted(projects.get_many(["430102-A", "430202-C", "missing"])) == ["430102-A", "430202-C"]


# ---- ingress -------------------------------------------------------------------------

def ingress(database):
    return made(IngressRepository, database, "ingress", Sealer(TEST_QUARANTINE_KEY), b"contract-key")


@diverges_on_wire("a boolean written with $set reads back as 1")
def test_a_message_id_is_recorded_once_per_county_and_its_receipt_marked_sent(database):
    log = ingress(database)
    envelope = Envelope("m-1", "project.upsert", "430102", "2026-11-01T08:00:00+08:00", {})
    assert log.record(envelope, {"status": "accepted"}) is True
    assert log.record(envelope, {"status": "accepted"}) is False
    assert log.record(Envelope("m-1", "project.upsert", "430121", None, {}), {"status": "accepted"}) is True
    assert log.find("430102", "m-1")["receipt_sent"] is False
    log.mark_receipt_sent("430102", "m-1")
    assert log.find("430102", "m-1")["receipt_sent"] is True
    assert log.find("430121", "m-1")["receipt_sent"] is False


def test_failures_are_counted_per_delivered_body_and_forgotten(database):
    log = ingress(database)
    delivery, other = Delivery(b"{}", "county.430102.project.upsert"), Delivery(b"[]", "county.430102.project.upsert")
    assert [log.count_failure(delivery) for _ in range(3)] == [1, 2, 3]
    assert log.count_failure(other) == 1
    log.forget_failures(delivery)
    assert log.count_failure(delivery) == 1


def test_quarantine_keeps_one_sealed_record_per_body_counting_deliveries(database):
    log = ingress(database)
    delivery = Delivery(b"not json 430102197801010011", "county.430102.project.upsert")
    receipt = {"message_id": None, "received_at": "2026-11-01T08:00:00+08:00", "status": "rejected"}
    key = log.quarantine(delivery, receipt, "not JSON")
    assert log.quarantine(delivery, receipt, "not JSON") == key
    later = Delivery(b"{}", "county.430121.project.upsert")
    log.quarantine(later, {**receipt, "received_at": "2026-11-02T08:00:00+08:00"}, "invalid")
    listed = log.quarantined_messages()
    assert [(m["county"], m["deliveries"]) for m in listed] == [("430121", 1), ("430102", 2)]
    assert all("body_sealed" not in m for m in listed)
    assert [m["county"] for m in log.quarantined_messages("430102")] == ["430102"]
    sealed = log.sealed_body(key)["body_sealed"]
    assert b"430102197801010011" not in str(sealed).encode()
    assert Sealer(TEST_QUARANTINE_KEY).open(sealed) == delivery.body


# ---- payroll -------------------------------------------------------------------------

def line(due, paid):
    return {"id_masked": "430***********0011", "amount_due_fen": due, "amount_paid_fen": paid}


def test_payroll_messages_merge_into_one_sheet_per_project_month_by_worker(database):
    payroll = made(PayrollRepository, database, "payroll")
    payroll.record("P1", "2026-09", "430102", "m-1", {"w1": line(100, 100), "w2": line(100, 90)})
    payroll.record("P1", "2026-09", "430102", "m-2", {"w2": line(100, 100)})
    payroll.record("P1", "2026-09", "430102", "m-2", {"w2": line(100, 100)})   # a replay
    payroll.record("P1", "2026-10", "430102", "m-3", {"w1": line(100, 100)})
    sheet = payroll.get("P1", "2026-09")
    assert sorted(sheet["message_ids"]) == ["m-1", "m-2"] and sheet["county"] == "430102"
    assert sheet["lines"]["w2"]["amount_paid_fen"] == 100
    assert [s["month"] for s in payroll.project_months("P1")] == ["2026-09", "2026-10"]
    assert payroll.paid_months() == {("P1", "2026-09"), ("P1", "2026-10")}
    assert payroll.paid_months(["P2"]) == set()
    assert set(payroll.lines_of(["P1:2026-09", "P9:2026-09"])["P1:2026-09"]) == {"w1", "w2"}


@diverges_on_wire("$objectToArray/$filter/$size over a sheet's lines answer 0 workers and 0 fen")
def test_payroll_totals_per_month_and_paid_to_date(database):
    payroll = made(PayrollRepository, database, "payroll")
    payroll.record("P1", "2026-09", "430102", "m-1", {"w1": line(100, 100), "w2": line(100, 60)})
    payroll.record("P1", "2026-10", "430102", "m-2", {"w1": line(200, 200)})
    payroll.record("P2", "2026-09", "430102", "m-3", {"w9": line(50, 50)})
    totals = {(r["project_code"], r["month"]): r for r in payroll.month_totals(["2026-09"])}
    assert sorted(totals) == [("P1", "2026-09"), ("P2", "2026-09")]
    assert {k: totals[("P1", "2026-09")][k] for k in ("workers", "workers_short", "amount_due_fen",
                                                      "amount_paid_fen")} == \
        {"workers": 2, "workers_short": 1, "amount_due_fen": 200, "amount_paid_fen": 160}
    assert len(payroll.month_totals(None, ["P1"])) == 2
    assert payroll.paid_to_date() == {"P1": 360, "P2": 50}


# ---- sweeps (every monitor's log) ----------------------------------------------------

def test_a_day_is_claimed_by_one_caller_and_the_latest_sweep_remembered(database):
    sweeps = SweepLog(database("payroll"))
    assert [sweeps.claim("2026-11-20"), sweeps.claim("2026-11-20"), sweeps.claim("2026-11-21")] == [True, False, True]
    assert sweeps.latest_as_of() is None
    sweeps.record("2026-11-20", "2026-11-20T02:00:00+08:00")
    sweeps.record("2026-10-01", "2026-11-20T03:00:00+08:00")
    assert sweeps.latest_as_of() == "2026-10-01"


# ---- accounts ------------------------------------------------------------------------

@diverges_on_wire("replace_one(upsert) with _id only in the filter stores a document under a new ObjectId")
def test_accounts_allocations_and_deposits_are_kept_by_natural_key(database):
    accounts = made(AccountsRepository, database, "accounts")
    opened = {"bank": "长沙银行", "account_hash": "h", "account_masked": "6217****5678", "opened_on": date(2026, 8, 5)}
    accounts.open_account("P1", opened, "430102", "m-1")
    accounts.open_account("P1", {**opened, "bank": "湖南银行"}, "430102", "m-2")   # a later message replaces it
    accounts.record_allocation("P1", "2026-09", date(2026, 9, 25), 1000, "430102", "m-3")
    accounts.record_allocation("P1", "2026-09", date(2026, 9, 25), 1200, "430102", "m-4")   # a correction
    accounts.record_allocation("P1", "2026-09", date(2026, 9, 28), 300, "430102", "m-5")    # another day adds up
    accounts.record_deposit("P1", "cash", date(2026, 8, 10), 500, "430102", "m-6")
    accounts.record_deposit("P1", "cash", date(2026, 8, 10), 500, "430102", "m-6")
    assert accounts.account("P1") == {"project_code": "P1", "bank": "湖南银行", "account_masked": "6217****5678",
                                      "opened_on": "2026-08-05"}
    assert accounts.account("P2") is None
    facts = accounts.facts()
    assert facts.allocations == {"P1": {"2026-09": 1500}}
    assert facts.deposits == {"P1": [{"paid_on": date(2026, 8, 10), "amount_fen": 500, "form": "cash"}]}
    assert facts.accounts["P1"]["opened_on"] == date(2026, 8, 5)
    assert accounts.facts(["P2"]).allocations == {}


# ---- workers -------------------------------------------------------------------------

def enrolment(code, worker, entry, exit=None):
    return {"project_code": code, "worker": worker, "name": "张*", "id_masked": "430***********0011",
            "stints": [Stint(entry, exit)]}


@diverges_on_wire("a bulk ReplaceOne(upsert) with _id only in the filter is not found by that _id")
def test_enrolments_are_replaced_by_project_and_worker_and_read_many_ways(database):
    workers = made(WorkersRepository, database, "workers")
    workers.save_enrolments([enrolment("P1", "w1", date(2026, 8, 1)), enrolment("P1", "w2", date(2026, 8, 1))])
    workers.save_enrolments([enrolment("P1", "w2", date(2026, 8, 1), date(2026, 9, 30))])
    workers.save_enrolments([enrolment("P2", "w1", date(2026, 10, 1))])
    got = workers.enrolments_by_worker({("P1", "w2"), ("P2", "w1"), ("P3", "w1")})
    assert sorted(got) == [("P1", "w2"), ("P2", "w1")]
    assert got[("P1", "w2")]["stints"] == [Stint(date(2026, 8, 1), date(2026, 9, 30))]
    assert [e["worker"] for e in workers.enrolments_of(["P1"])] == ["w1", "w2"]
    assert sorted((e["project_code"], e["worker"]) for e in workers.enrolled_on(["P1", "P2"])) == \
        [("P1", "w1"), ("P1", "w2"), ("P2", "w1")]


@diverges_on_wire("$elemMatch with an $or inside matches no stint (and bulk ReplaceOne upserts, above)")
def test_enrolment_counts_count_workers_enrolled_at_any_time_in_the_month(database):
    workers = made(WorkersRepository, database, "workers")
    workers.save_enrolments([enrolment("P1", "w1", date(2026, 8, 1)),
                             enrolment("P1", "w2", date(2026, 8, 1), date(2026, 9, 30)),
                             enrolment("P1", "w3", date(2026, 11, 1))])
    assert workers.enrolment_counts(["P1", "P2"], Month.parse("2026-10")) == {"P1": 1, "P2": 0}
    assert workers.enrolment_counts(["P1"], Month.parse("2026-09")) == {"P1": 2}


def a_plan():
    plan = AttendancePlan()
    plan.rollups[("P1", "2026-10", "w1")] = {"id_masked": "m1", "days": {"2026-10-01", "2026-10-02"},
                                             "clock_ins": {"2026-10-01T08:00", "2026-10-02T08:00"}}
    plan.rollups[("P1", "2026-10", "w2")] = {"id_masked": "m2", "days": {"2026-10-02"},
                                             "clock_ins": {"2026-10-02T08:01"}}
    plan.days_by_project["P1"] = {date(2026, 10, 1), date(2026, 10, 2)}
    plan.irregular.append({"key": "P1:w9:2026-10-02T09:00", "project_code": "P1", "worker": "w9",
                           "id_masked": "m9", "day": "2026-10-02", "reason": "not_enrolled"})
    return plan


@diverges_on_wire("a boolean written with $set reads back as 1")
def test_attendance_rolls_up_per_worker_month_and_a_replay_adds_nothing(database):
    workers = made(WorkersRepository, database, "workers")
    workers.store_attendance(a_plan())
    workers.store_attendance(a_plan())
    later = AttendancePlan()
    later.rollups[("P1", "2026-10", "w1")] = {"id_masked": "m1", "days": {"2026-10-03"},
                                              "clock_ins": {"2026-10-03T08:00"}}
    later.days_by_project["P1"] = {date(2026, 10, 3)}
    workers.store_attendance(later)
    assert [(r["worker"], sorted(r["days"])) for r in workers.attendance_of("P1", "2026-10")] == \
        [("w1", ["2026-10-01", "2026-10-02", "2026-10-03"]), ("w2", ["2026-10-02"])]
    assert workers.attended(["P1:2026-10", "P1:2026-11"]) == {
        "P1:2026-10": {"w1": {"id_masked": "m1", "days": 3, "dates": ["2026-10-01", "2026-10-02", "2026-10-03"]},
                       "w2": {"id_masked": "m2", "days": 1, "dates": ["2026-10-02"]}},
        "P1:2026-11": {}}
    assert workers.last_days() == {"P1": date(2026, 10, 3)}
    assert workers.last_days(["P2"]) == {}
    assert (workers.site_activity("P1")["first_day"], workers.site_activity("P1")["last_day"]) == \
        ("2026-10-01", "2026-10-03")
    assert workers.project_month("P1", "2026-10")["stale"] is True


@diverges_on_wire("a $group on a compound key (project_code, reason) answers no groups")
def test_irregular_clock_ins_are_grouped_by_project_and_reason_and_removed_once_regular(database):
    workers = made(WorkersRepository, database, "workers")
    workers.store_attendance(a_plan())
    [group] = workers.irregular_between(date(2026, 10, 1), date(2026, 10, 31))
    assert (group["project_code"], group["reason"], group["clock_ins"], group["workers"]) == \
        ("P1", "not_enrolled", 1, ["w9"])
    regularised = AttendancePlan(regularised=["P1:w9:2026-10-02T09:00"])
    workers.store_attendance(regularised)
    assert workers.irregular_between(date(2026, 10, 1), date(2026, 10, 31)) == []


@diverges_on_wire("$setOnInsert in find_one_and_update(upsert) is not applied")
def test_a_marked_project_month_keeps_its_mark_when_a_sweep_read_older_data(database):
    workers = made(WorkersRepository, database, "workers")
    marked = workers.mark_stale("P1", "2026-09")
    assert (marked["stale"], marked["changes"], marked["has_findings"], marked["project_code"]) == \
        (True, 1, False, "P1")
    workers.mark_stale("P1", "2026-09")                                   # changed again meanwhile
    workers.save_findings([("P1:2026-09", 1, {"unpaid": ["w1"]}, True)])   # a sweep that read change 1
    assert workers.project_month("P1", "2026-09")["stale"] is True
    workers.save_findings([("P1:2026-09", 2, {"unpaid": ["w1"]}, True)])
    assert workers.project_month("P1", "2026-09")["stale"] is False
    assert [(d["project_code"], d["findings"]) for d in workers.reported_findings()] == [("P1", {"unpaid": ["w1"]})]
    assert [d["month"] for d in workers.to_reconcile("2026-11")] == []
    assert [d["month"] for d in workers.to_reconcile("2026-09")] == ["2026-09"]


# ---- complaints ----------------------------------------------------------------------

def a_case(case_id, filed_on, project_code="P1", employer="91430102MA4L000000", **overrides):
    return {"_id": case_id, "version": 1, "status": "received", "division": case_id[:6], "divisions": [case_id[:6]],
            "project_code": project_code, "month": "2026-09", "employer_uscc": employer, "filed_on": filed_on,
            "description": "欠薪", "complainant": {"id_hash": f"id-{case_id}", "phone_hash": f"ph-{case_id}"},
            "history": [], "pending": [], "updated_at": f"{filed_on}T09:00:00+08:00", **overrides}


@diverges_on_wire("$regex against an array field (divisions) matches nothing")
def test_a_complaint_opens_one_case_and_cases_are_found_by_desk_and_subject(database):
    cases = made(CaseRepository, database, "complaints")
    assert cases.insert(a_case("430102/c1", "2026-10-01")) is True
    assert cases.insert(a_case("430102/c1", "2026-10-01")) is False
    cases.insert(a_case("430121/c2", "2026-10-05", project_code="P2", status="closed"))
    assert "description" in cases.get("430102/c1")
    assert [c["_id"] for c in cases.get_many(["430102/c1", "430121/c2"]) if "description" not in c] == \
        ["430102/c1", "430121/c2"]
    assert [c["_id"] for c in cases.find(division="430100")] == ["430121/c2", "430102/c1"]
    assert [c["_id"] for c in cases.find(status="received")] == ["430102/c1"]
    assert [c["_id"] for c in cases.on_project_month("P2", "2026-09")] == ["430121/c2"]
    assert len(cases.of_employer("91430102MA4L000000")) == 2
    assert [c["_id"] for c in cases.open_cases()] == ["430102/c1"]
    assert [c["_id"] for c in cases.filed_within("430121", date(2026, 10, 1), date(2026, 10, 31))] == ["430121/c2"]


@diverges_on_wire("a top-level $or beside a date range and an _id $ne: those two are not applied")
def test_related_cases_share_a_project_or_employer_within_the_window_and_link_both_ways(database):
    cases = made(CaseRepository, database, "complaints")
    cases.insert(a_case("430102/c1", "2026-10-01"))
    cases.insert(a_case("430102/c2", "2026-10-10", project_code="P9"))                  # same employer
    cases.insert(a_case("430102/c3", "2026-12-30"))                                      # too late
    cases.insert(a_case("430102/c4", "2026-10-02", project_code="P8", employer="other"))  # unrelated
    related = cases.related_to("430102/c1", "P1", "91430102MA4L000000", date(2026, 10, 1), 30)
    assert related == ["430102/c2"]
    cases.link(related, "430102/c1")
    cases.link(related, "430102/c1")
    assert cases.get("430102/c1")["related"] == ["430102/c2"] and cases.get("430102/c2")["related"] == ["430102/c1"]
    assert [c["_id"] for c in cases.find(complainant_hash="ph-430102/c2", division="430102")] == ["430102/c2"]


@diverges_on_wire("a path into an array (pending.0) with $exists matches nothing")
def test_a_change_applies_only_on_the_version_it_was_decided_on_and_is_followed_up(database):
    cases = made(CaseRepository, database, "complaints")
    cases.insert(a_case("430102/c1", "2026-10-01"))
    entry = {"seq": 1, "at": "2026-10-02T09:00:00+08:00", "action": "accept"}
    case = cases.get("430102/c1")
    changed = cases.apply(case, {"status": "accepted", "division": "430100"}, entry)
    assert (changed["version"], changed["status"], changed["pending"], changed["divisions"]) == \
        (2, "accepted", [1], ["430102", "430100"])
    assert cases.apply(case, {"status": "refused"}, {**entry, "seq": 2}) is None   # decided on version 1
    assert [c["_id"] for c in cases.with_pending("2026-10-03")] == ["430102/c1"]
    cases.followed_up("430102/c1", [1])
    assert cases.with_pending("2026-10-03") == []


# ---- alerts --------------------------------------------------------------------------

DESK = {"department": "water", "division": "430102"}


def condition(fingerprint="PAYROLL_MISSING:P1:2026-09", severity="yellow", level="county"):
    return {"fingerprint": fingerprint, "type": "PAYROLL_MISSING", "severity": severity, "division": "430102",
            "sector": "water", "funding": "private", "project_code": "P1", "month": "2026-09",
            "summary": "no payroll", "details": {}, "p1": False, "level": level}


def test_an_alert_is_raised_once_escalated_acknowledged_and_resolved_under_guards(database):
    alerts = made(AlertRepository, database, "alerts")
    routes = [DESK]
    first = alerts.raise_new(condition(), routes, "2026-10-16T00:00:00+08:00")
    assert first["status"] == "firing" and alerts.raise_new(condition(), routes, "2026-10-16T00:00:01+08:00") is None
    assert alerts.open_fingerprints(["PAYROLL_MISSING"]) == {first["_id"]}
    assert alerts.open_fingerprints(["PAYROLL_MISSING"], ["P2"]) == set()
    worse = alerts.escalate(first, condition(severity="red"), routes, "2026-11-01T00:00:00+08:00")
    assert (worse["severity"], worse["details"]["previous_severity"]) == ("red", "yellow")
    assert alerts.escalate(first, condition(severity="red"), routes, "2026-11-01T00:00:00+08:00") is None
    assert alerts.acknowledge(first["_id"], {"department": "housing", "division": "430102"}, "x", None,
                              "2026-11-02T00:00:00+08:00") is None          # not that desk's
    acknowledged = alerts.acknowledge(first["_id"], DESK, "cs-water", "on it", "2026-11-02T00:00:00+08:00")
    assert acknowledged["acknowledged_by"] == "cs-water"
    assert alerts.unacknowledged(["red"]) == []
    resolved = alerts.resolve(first["_id"], "payroll arrived", "2026-11-03T00:00:00+08:00")
    assert resolved["status"] == "resolved" and alerts.resolve(first["_id"], "again", "now") is None
    again = alerts.reraise(resolved, condition(), routes, "2026-12-01T00:00:00+08:00")
    assert (again["episode"], again["status"]) == (2, "firing")


def test_only_the_published_revision_is_marked_published(database):
    alerts = made(AlertRepository, database, "alerts")
    first = alerts.raise_new(condition(), [DESK], "2026-10-16T00:00:00+08:00")
    changed = alerts.escalate(first, condition(severity="red"), [DESK], "2026-11-01T00:00:00+08:00")
    alerts.mark_published(first["_id"], first["revision"])            # the older change went out
    assert [a["_id"] for a in alerts.unpublished()] == [first["_id"]]
    alerts.mark_published(first["_id"], changed["revision"])
    assert alerts.unpublished() == []


def test_a_desk_reads_what_reaches_it_and_alerts_are_found_by_project_and_division(database):
    alerts = made(AlertRepository, database, "alerts")
    alerts.raise_new(condition(), [DESK], "2026-10-16T00:00:00+08:00")
    alerts.raise_new(condition("PAYROLL_MISSING:P1:2026-10"), [{"department": "hrss", "division": "430102"}],
                     "2026-11-16T00:00:00+08:00")
    assert [a["_id"] for a in alerts.for_desk(DESK)] == ["PAYROLL_MISSING:P1:2026-09"]
    assert [a["_id"] for a in alerts.for_desk(DESK, status="resolved")] == []
    assert len(alerts.on_projects(["P1"])) == 2 and len(alerts.open_on_projects(["P1", ""])) == 2
    assert [a["_id"] for a in alerts.find(division_prefix="4301")] == \
        ["PAYROLL_MISSING:P1:2026-10", "PAYROLL_MISSING:P1:2026-09"]
    assert alerts.find(types=["WORKER_UNPAID"]) == []


def test_a_desk_sees_resolved_alerts_only_since_a_time(database):
    alerts = made(AlertRepository, database, "alerts")
    old = alerts.raise_new(condition(), [DESK], "2026-10-16T00:00:00+08:00")
    alerts.resolve(old["_id"], "paid", "2026-10-20T00:00:00+08:00")
    alerts.raise_new(condition("PAYROLL_MISSING:P1:2026-10"), [DESK], "2026-11-16T00:00:00+08:00")
    alerts.raise_new(condition("PAYROLL_MISSING:P1:2026-11"), [{"department": "hrss", "division": "430102"}],
                     "2026-12-16T00:00:00+08:00")
    assert [a["_id"] for a in alerts.for_desk(DESK, since="2026-11-01T00:00:00+08:00")] == \
        ["PAYROLL_MISSING:P1:2026-10"]


@diverges_on_wire("{$ne: true} does not match a document without the field")
def test_silences_expire_once_and_their_end_is_noticed_once(database):
    alerts = made(AlertRepository, database, "alerts")
    silence = alerts.add_silence({"matchers": {"project_code": "P1"}, "starts_at": "2026-11-01T00:00:00+08:00",
                                  "ends_at": "2026-11-02T00:00:00+08:00", "created_by": "cs-water"})
    assert [s["_id"] for s in alerts.current_silences("2026-11-01T12:00:00+08:00")] == [silence["_id"]]
    assert alerts.silences_ended_unnoticed("2026-11-01T12:00:00+08:00") == []
    assert [s["_id"] for s in alerts.silences_ended_unnoticed("2026-11-03T00:00:00+08:00")] == [silence["_id"]]
    assert [alerts.mark_end_noticed(silence["_id"]), alerts.mark_end_noticed(silence["_id"])] == [True, False]
    assert alerts.expire_silence(silence["_id"], "cs-water", "2026-11-01T13:00:00+08:00")["expired_by"] == "cs-water"
    assert alerts.expire_silence(silence["_id"], "cs-water", "2026-11-01T13:00:00+08:00") is None
    assert alerts.current_silences("2026-11-01T14:00:00+08:00") == []
    assert alerts.get_silence(silence["_id"])["expired_at"] == "2026-11-01T13:00:00+08:00"


@diverges_on_wire("$setOnInsert of an empty array fails (SQLite cannot bind a list)")
def test_a_notification_group_is_claimed_by_one_instance_and_kept_or_forgotten(database):
    alerts = made(AlertRepository, database, "alerts")
    group = {"_id": "water@430102:P1", "desk": DESK, "rule": "default", "labels": {"project_code": "P1"}}
    alerts.touch_group(group, "2026-11-01T00:00:30+08:00", "2026-11-01T00:00:00+08:00")
    [due] = alerts.due_groups("2026-11-01T00:01:00+08:00")
    assert alerts.due_groups("2026-11-01T00:00:10+08:00") == []
    lease = "2026-11-01T00:06:00+08:00"
    assert alerts.claim_group(due, lease)["due_at"] == lease
    assert alerts.claim_group(due, lease) is None                       # another instance was first
    alerts.finish_group(due, {"notified": ["a1"], "notified_at": "2026-11-01T00:01:00+08:00", "due_at": None}, lease)
    kept = alerts.get_group(group["_id"])
    assert (kept["notified"], kept["dirty"], kept["due_at"]) == (["a1"], False, None)
    alerts.forget_idle_group(group["_id"])
    assert alerts.get_group(group["_id"]) is not None                  # it still has something notified
    alerts.record_notification({"notification_id": "n1", "desk": DESK, "sent_at": "2026-11-01T00:01:00+08:00"})
    alerts.record_notification({"notification_id": "n2", "desk": DESK, "sent_at": "2026-11-01T00:02:00+08:00"})
    assert [n["_id"] for n in alerts.notifications_for(DESK)] == ["n2", "n1"]


# ---- console -------------------------------------------------------------------------

@diverges_on_wire("a boolean written with $set reads back as 1")
def test_operator_accounts_are_unique_and_disabling_one_ends_its_sessions(database):
    console = made(ConsoleRepository, database, "console")
    account = {"username": "cs-water", "password": "hash", "desk": DESK, "disabled": False}
    assert [console.add_account(account), console.add_account(account)] == [True, False]
    assert console.set_password("cs-water", "hash2") and not console.set_password("nobody", "x")
    assert console.account("cs-water")["password"] == "hash2"
    assert [a["_id"] for a in console.all_accounts()] == ["cs-water"]
    assert "password" not in console.all_accounts()[0]
    expires = datetime.now(UTC) + timedelta(hours=8)   # the store's TTL index reads its own clock
    console.open_session("k1", "cs-water", DESK, "2026-11-01T08:00:00+08:00", "2026-11-01T16:00:00+08:00", expires)
    assert console.session("k1")["username"] == "cs-water"
    assert console.disable("cs-water") is True
    assert console.account("cs-water")["disabled"] is True and console.session("k1") is None
    console.open_session("k2", "cs-water", DESK, "a", "b", expires)
    console.close_session("k2")
    assert console.session("k2") is None


@diverges_on_wire("a path into an array (claims.2) is never found, so the guard never stops a claim")
def test_sign_in_claims_admit_at_most_the_limit_in_a_window_and_are_given_back(database):
    console = made(ConsoleRepository, database, "console")
    taken = [console.claim("cs-water@10.0.0.1", f"c{n}", f"2026-11-01T08:00:0{n}", "2026-11-01T07:45:00", 3)
             for n in range(5)]
    assert taken == [True, True, True, False, False]
    assert console.claim("cs-water@10.0.0.2", "d1", "2026-11-01T08:00:05", "2026-11-01T07:45:00", 3) is True
    # Claims older than the window no longer count.
    assert console.claim("cs-water@10.0.0.1", "c5", "2026-11-01T08:20:00", "2026-11-01T08:05:00", 3) is True
    console.release("cs-water@10.0.0.1", "c5")
    assert console.attempts.find_one({"_id": "cs-water@10.0.0.1"}) is None   # nothing left behind
    console.release("cs-water@10.0.0.2", "other")
    assert console.attempts.find_one({"_id": "cs-water@10.0.0.2"}) is not None
    console.clear("cs-water@10.0.0.2")
    assert console.claim("cs-water@10.0.0.2", "d2", "2026-11-01T08:00:06", "2026-11-01T07:45:00", 1) is True
