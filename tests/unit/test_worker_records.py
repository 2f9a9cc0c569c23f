"""Real-name records: stints on a project, and which clock-ins count."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.workers.domain import (
    AFTER_EXIT,
    BEFORE_ENTRY,
    NO_CONTRACT,
    UNREGISTERED,
    ClockIn,
    RecordChange,
    Refused,
    Stint,
    apply_batch,
    clock_in_problem,
    enrolled_during,
    enrolment_after,
    enrolment_after_exit,
    plan_attendance,
    roster_entry,
    stints_after_entry,
    stints_after_exit,
)
from shared.calendar import SHANGHAI, Month

D = date.fromisoformat
OCT = [Stint(D("2026-10-01"))]
BACK_AGAIN = [Stint(D("2026-08-01"), D("2026-09-15")), Stint(D("2026-11-02"))]


@pytest.mark.parametrize("stints, entry, expected", [
    ([], "2026-10-01", [Stint(D("2026-10-01"))]),
    (OCT, "2026-10-01", OCT),                                                     # re-sent: unchanged
    (OCT, "2026-10-03", [Stint(D("2026-10-03"))]),                                # corrects the open stint
    ([Stint(D("2026-08-01"), D("2026-09-15"))], "2026-11-02", BACK_AGAIN),        # comes back: a new stint
    (BACK_AGAIN, "2026-08-01", BACK_AGAIN),                                       # an old stint re-sent
])
def test_an_enrolment_opens_corrects_or_repeats_a_stint(stints, entry, expected):
    assert stints_after_entry(stints, D(entry)) == expected


@pytest.mark.parametrize("stints, entry, message", [
    ([Stint(D("2026-08-01"), D("2026-09-15"))], "2026-09-01",
     "Must be after the worker's last exit from this project (2026-09-15)."),
    (BACK_AGAIN, "2026-09-10", "Must be after the worker's exit on 2026-09-15 from an earlier stint on this project."),
])
def test_an_entry_inside_an_earlier_stint_is_refused_on_the_entry_date(stints, entry, message):
    assert stints_after_entry(stints, D(entry)) == Refused("entry_date", message)


@pytest.mark.parametrize("stints, exit_date, expected", [
    (OCT, "2026-10-20", [Stint(D("2026-10-01"), D("2026-10-20"))]),
    ([Stint(D("2026-10-01"), D("2026-10-20"))], "2026-10-20", [Stint(D("2026-10-01"), D("2026-10-20"))]),
    ([Stint(D("2026-10-01"), D("2026-10-20"))], "2026-10-25", [Stint(D("2026-10-01"), D("2026-10-25"))]),
    (BACK_AGAIN, "2026-11-30", [BACK_AGAIN[0], Stint(D("2026-11-02"), D("2026-11-30"))]),
    (BACK_AGAIN, "2026-09-20", [Stint(D("2026-08-01"), D("2026-09-20")), BACK_AGAIN[1]]),
])
def test_an_exit_closes_or_corrects_the_latest_stint_begun_by_then(stints, exit_date, expected):
    assert stints_after_exit(stints, D(exit_date)) == expected


def test_an_exit_for_someone_not_enrolled_or_before_the_entry_is_refused():
    assert stints_after_exit([], D("2026-10-20")) == Refused("id_number", "Not enrolled on this project.")
    assert stints_after_exit(OCT, D("2026-09-30")) == Refused(
        "exit_date", "Must not be before the worker's entry date (2026-10-01).")


@pytest.mark.parametrize("day, expected", [
    ("2026-07-31", (BEFORE_ENTRY, Refused("at", "Before the worker's entry date (2026-08-01)."))),
    ("2026-08-01", None), ("2026-09-15", None),
    ("2026-10-01", (AFTER_EXIT, Refused("at", "After the worker's exit date (2026-09-15)."))),
    ("2026-11-02", None), ("2027-03-01", None),
])
def test_a_clock_in_counts_only_within_a_stint(day, expected):
    assert clock_in_problem({"stints": BACK_AGAIN}, D(day)) == expected


def test_a_clock_in_by_someone_never_enrolled_is_refused_on_the_id_number():
    assert clock_in_problem(None, D("2026-10-08")) == (UNREGISTERED, Refused("id_number", "Not enrolled on this project."))


@pytest.mark.parametrize("month, expected", [("2026-07", False), ("2026-09", True), ("2026-10", False),
                                             ("2026-11", True), ("2027-05", True)])
def test_enrolled_during_a_month_means_any_stint_overlaps_it(month, expected):
    assert enrolled_during(BACK_AGAIN, Month.parse(month)) is expected


def test_an_enrolment_keeps_the_details_and_a_batch_sees_its_own_earlier_records():
    record = {"project_code": "P1", "worker": "w1", "id_masked": "430***********0011", "name": "李建国",
              "trade": "rebar", "contract_signed": True, "entry_date": D("2026-10-01")}
    items = [RecordChange(0, "P1", "w1", record),
             RecordChange(1, "P1", "w1", {**record, "entry_date": D("2026-10-02"), "trade": "mason"}),
             RecordChange(2, "P9", "w1", record)]
    outcome = apply_batch(items, {}, {"P9": "Unknown project: register it with project.upsert first."},
                          enrolment_after)
    [saved] = outcome.changed.values()
    assert (saved["trade"], saved["stints"]) == ("mason", [Stint(D("2026-10-02"))])
    assert "entry_date" not in saved
    assert outcome.rejected == [{"index": 2, "errors": {"project_code": [
        "Unknown project: register it with project.upsert first."]}}]
    exits = apply_batch([RecordChange(0, "P1", "w1", D("2026-10-31")), RecordChange(1, "P1", "w2", D("2026-10-31"))],
                        {("P1", "w1"): saved}, {}, enrolment_after_exit)
    assert exits.changed[("P1", "w1")]["stints"] == [Stint(D("2026-10-02"), D("2026-10-31"))]
    assert exits.rejected == [{"index": 1, "errors": {"id_number": ["Not enrolled on this project."]}}]


def clock(index, worker, at, code="P1"):
    return ClockIn(index, code, worker, f"430***********{index:04d}", at)


def test_a_batch_rolls_up_distinct_days_per_project_month_worker_and_sorts_out_the_rest():
    signed = {"stints": OCT, "contract_signed": True}
    unsigned = {"stints": OCT, "contract_signed": False}
    morning = datetime(2026, 10, 8, 7, 30, tzinfo=SHANGHAI)
    clock_ins = [clock(0, "w1", morning), clock(1, "w1", morning + timedelta(hours=10)),
                 clock(2, "w1", datetime(2026, 10, 8, 23, 30, tzinfo=UTC)),   # 9 Oct in Shanghai
                 clock(3, "w2", morning), clock(4, "stranger", morning),
                 clock(5, "w1", datetime(2026, 9, 30, 8, tzinfo=SHANGHAI)), clock(6, "w1", morning, code="P9")]
    plan = plan_attendance(clock_ins, {("P1", "w1"): signed, ("P1", "w2"): unsigned}, {"P9": "Unknown project."})
    assert sorted(plan.rollups) == [("P1", "2026-10", "w1"), ("P1", "2026-10", "w2")]
    assert plan.rollups[("P1", "2026-10", "w1")]["days"] == {"2026-10-08", "2026-10-09"}
    assert len(plan.rollups[("P1", "2026-10", "w1")]["clock_ins"]) == 3
    assert plan.project_months == {("P1", "2026-10")}
    assert plan.days_by_project == {"P1": {D("2026-10-08"), D("2026-10-09")}}
    assert [r["index"] for r in plan.rejected] == [4, 5, 6]
    assert [(i["worker"], i["reason"]) for i in plan.irregular] == [
        ("w2", NO_CONTRACT), ("stranger", UNREGISTERED), ("w1", BEFORE_ENTRY)]
    assert len(plan.regularised) == 3


def test_the_roster_shows_workers_masked_and_who_is_on_site():
    enrolment = {"id_masked": "430***********0011", "name": "李建国", "phone_masked": "139****0001",
                 "employer_uscc": "91430102MA4L000001", "team": "钢筋班", "trade": "rebar",
                 "contract_signed": True, "stints": BACK_AGAIN}
    entry = roster_entry(enrolment, D("2026-10-10"))
    assert (entry["name_masked"], entry["entry_date"], entry["exit_date"]) == ("李**", "2026-11-02", None)
    assert (entry["on_site"], entry["stints"]) == (False, 2)
    assert roster_entry(enrolment, D("2026-11-10"))["on_site"] is True
