"""A complaint's working-day clocks across statutory holidays and make-up working days.

2026: National Day 1-7 October off, with Sunday 20 September and Saturday 10 October as
make-up working days (调休); Mid-Autumn Festival on Friday 25 September.
"""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.complaints import domain
from services.complaints.clocks import ACCEPTANCE, INVESTIGATION, ClockLimits, _WorkingDayIndex, clock_at, closed_on_time
from shared.workdays import WorkingCalendar
from tests.unit.complaint_cases import a_case, change, run

CALENDAR = WorkingCalendar()
# A year chinesecalendar does not know, with a configured holiday and make-up day.
CONFIGURED = WorkingCalendar.from_config({"WORKING_CALENDAR": {"holidays": ["2027-01-01", "2027-02-08"],
                                                               "workdays": ["2027-02-06"]}})
INDEX = _WorkingDayIndex(CONFIGURED)
LIMITS = ClockLimits()
EVE_OF_NATIONAL_DAY = "2026-09-30T10:00:00+08:00"


def clock(case, day):
    return clock_at(case["history"], day, CALENDAR, LIMITS)


def test_acceptance_clock_skips_the_national_day_week_and_counts_the_make_up_saturday():
    case = a_case(filed_at=EVE_OF_NATIONAL_DAY)
    assert clock(case, date(2026, 10, 7)).elapsed == 0                # 1-7 October are holidays
    assert clock(case, date(2026, 10, 9)).elapsed == 2                # Thu 8, Fri 9
    assert clock(case, date(2026, 10, 10)).elapsed == 3               # Sat 10: make-up working day
    assert clock(case, date(2026, 10, 11)).elapsed == 3               # Sun 11: not
    first = clock(case, date(2026, 10, 1))
    assert (first.stage, first.allowed, first.deadline) == (ACCEPTANCE, 5, date(2026, 10, 13))
    assert not clock(case, date(2026, 10, 13)).overdue
    assert clock(case, date(2026, 10, 14)).overdue


def test_a_make_up_sunday_counts_and_the_mid_autumn_holiday_does_not():
    case = a_case(filed_at="2026-09-18T16:00:00+08:00")            # a Friday
    # Sun 20 (make-up), Mon 21, Tue 22, Wed 23, Thu 24; Fri 25 is Mid-Autumn.
    assert clock(case, date(2026, 9, 18)).deadline == date(2026, 9, 24)
    assert clock(case, date(2026, 9, 27)).elapsed == 5 and not clock(case, date(2026, 9, 27)).overdue
    assert clock(case, date(2026, 9, 28)).overdue


def test_waiting_pauses_the_clock_and_resuming_continues_where_it_stopped():
    case = a_case(filed_at=EVE_OF_NATIONAL_DAY)
    waiting = change(case, domain.SUSPEND, date(2026, 10, 9), reason="补正材料 awaiting the pay slips")
    paused = clock(waiting, date(2026, 10, 14))
    assert (paused.elapsed, paused.running, paused.deadline) == (2, False, None)
    resumed = change(waiting, domain.RESUME, date(2026, 10, 16))
    # Two working days used before the pause; three more after 16 October: 19, 20, 21.
    assert clock(resumed, date(2026, 10, 16)).deadline == date(2026, 10, 21)
    assert clock(resumed, date(2026, 10, 21)).elapsed == 5


def test_the_investigation_clock_runs_60_working_days_from_acceptance_and_90_once_extended():
    accepted = change(a_case(filed_at=EVE_OF_NATIONAL_DAY), domain.ACCEPT, date(2026, 10, 9))
    investigation = clock(accepted, date(2026, 10, 9))
    # After 9 Oct: October 16 working days (incl. Sat 10), November 21, December 23.
    assert (investigation.stage, investigation.allowed, investigation.deadline) == (
        INVESTIGATION, 60, date(2026, 12, 31))
    extended = change(accepted, domain.EXTEND, date(2026, 12, 1), reason="经负责人批准 approved by the director")
    longer = clock(extended, date(2026, 12, 1))
    assert longer.allowed == 90 and longer.deadline > date(2027, 1, 31)
    assert longer.estimated, "2027's holidays are not published in this chinesecalendar: flagged"


def test_a_transfer_gives_the_new_desk_a_fresh_acceptance_clock():
    case = a_case(filed_at=EVE_OF_NATIONAL_DAY)
    moved = change(case, domain.TRANSFER, date(2026, 10, 13), to_division="430121", reason="项目在长沙县")
    fresh = clock(moved, date(2026, 10, 13))
    assert (fresh.stage, fresh.elapsed, fresh.started_on) == (ACCEPTANCE, 0, date(2026, 10, 13))
    assert fresh.deadline == date(2026, 10, 20)


def test_a_transfer_after_acceptance_needs_acceptance_again_at_the_new_desk():
    case = run(a_case(filed_at=EVE_OF_NATIONAL_DAY),
               (domain.ACCEPT, date(2026, 10, 9), {}),
               (domain.TRANSFER, date(2026, 10, 20), {"to_department": "housing", "reason": "项目款拖欠"}))
    assert clock(case, date(2026, 10, 21)).stage == ACCEPTANCE


def test_reopening_resumes_the_investigation_clock_without_the_days_it_was_closed():
    case = run(a_case(filed_at=EVE_OF_NATIONAL_DAY),
               (domain.ACCEPT, date(2026, 10, 8), {}),
               (domain.RESOLVE, date(2026, 10, 9),
                {"outcome": "paid_in_full", "amount_recovered": 15600, "workers_paid": 3}),
               (domain.CLOSE, date(2026, 10, 12), {}))
    assert clock(case, date(2026, 10, 20)) is None
    reopened = change(case, domain.REOPEN, date(2026, 10, 19), reason="复查 the payment bounced")
    # Thu 9, Sat 10, Mon 12 before closing; Tue 20 after reopening on the 19th.
    assert clock(reopened, date(2026, 10, 20)).elapsed == 4


def test_a_case_closed_within_its_deadline_is_on_time_and_one_closed_after_it_is_not():
    accepted = change(a_case(filed_at=EVE_OF_NATIONAL_DAY), domain.ACCEPT, date(2026, 10, 9))
    resolution = {"outcome": "paid_in_part", "amount_recovered": 8000, "workers_paid": 2}

    def closed_on(day):
        done = run(accepted, (domain.RESOLVE, day, resolution), (domain.CLOSE, day, {}))
        return closed_on_time(done["history"], day, CALENDAR, LIMITS)

    assert closed_on(date(2026, 12, 31)) is True       # the 60th working day
    assert closed_on(date(2027, 1, 4)) is False
    assert closed_on_time(accepted["history"], date(2026, 12, 31), CALENDAR, LIMITS) is None


def test_a_refused_case_has_no_running_clock():
    refused = change(a_case(filed_at=EVE_OF_NATIONAL_DAY), domain.REFUSE, date(2026, 10, 8),
                     reason="不属于劳动保障监察范围")
    assert clock(refused, date(2026, 10, 30)) is None
    assert clock(refused, date(2026, 10, 8)) is None and clock(refused, date(2026, 9, 30)).elapsed == 0


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2025, 12, 1), date(2027, 3, 1)), span=st.integers(0, 200), count=st.integers(1, 120))
def test_the_clocks_fast_count_agrees_with_the_working_calendar(start, span, count):
    index = INDEX     # shared: examples also exercise the index growing as it is asked
    end = start + timedelta(days=span)
    assert index.between(start, end) == CONFIGURED.working_days_between(start, end)
    assert index.after(start, count) == CONFIGURED.add_working_days(start, count)
