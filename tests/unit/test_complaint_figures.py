"""The complaint figures equal a hand count on the seeded cases (tests/complaint_seed.py)."""
from __future__ import annotations

from datetime import date

from services.complaints.clocks import ClockLimits, closed_on_time
from services.complaints.figures import figures
from services.complaints.intake import new_case
from shared.workdays import WorkingCalendar
from tests.complaint_seed import SEEDED, seeded_complaint
from tests.unit.complaint_cases import UNIT_PII_KEY, run, submission

CALENDAR, LIMITS = WorkingCalendar(), ClockLimits()


def seeded_cases() -> dict[str, dict]:
    cases = {}
    for county, complaint_id, filed, steps in SEEDED:
        case = new_case(submission(seeded_complaint(county, complaint_id, filed), county),
                        None, pii_key=UNIT_PII_KEY)
        cases[complaint_id] = run(case, *steps)
    return cases


def report(scope, as_of, date_from="2026-01-01", date_to="2026-12-31"):
    return figures(list(seeded_cases().values()), scope, date.fromisoformat(date_from),
                   date.fromisoformat(date_to), date.fromisoformat(as_of), CALENDAR, LIMITS)


def test_the_seeded_cases_are_what_the_hand_count_assumes():
    cases = seeded_cases()
    on_time = {k: closed_on_time(c["history"], date(2026, 11, 20), CALENDAR, LIMITS) for k, c in cases.items()}
    assert on_time == {"A": True, "B": False, "C": None, "D": None, "E": None, "F": True, "G": True,
                       "H": True, "I": True}
    without_extension = [e for e in cases["F"]["history"] if e["action"] != "extend"]
    assert closed_on_time(without_extension, date(2026, 11, 20), CALENDAR, LIMITS) is False, \
        "F is on time only because it was extended"


def test_changsha_2026_figures_equal_the_hand_count():
    # Filed in 2026 and held in Changsha: A B C (芙蓉区), G (雨花区), D E F (长沙县). Not H (株洲), not I (2025).
    # Accepted A B D F G; refused C; closed A B F G, of which B late; open D E, both overdue.
    # Recovered 20,000 + 5,000.50 + 0 + 30,000; workers 4 + 2 + 0 + 6.
    city = report("430100", "2026-11-20")
    assert (city["division"], city["name"], city["as_of"]) == ("430100", "长沙市", "2026-11-20")
    assert city["total"] == {"filed": 7, "accepted": 5, "refused": 1, "closed": 4, "closure_rate": 0.8,
                             "closed_on_time": 3, "on_time_rate": 0.75, "open": 2, "overdue": 2,
                             "amount_recovered": 55000.5, "workers_helped": 12}
    rows = {row["division"]: row for row in city["by_division"]}
    assert sorted(rows) == ["430102", "430111", "430121"]
    assert (rows["430102"]["name"], rows["430102"]["filed"], rows["430102"]["closed"],
            rows["430102"]["amount_recovered"]) == ("芙蓉区", 3, 2, 25000.5)
    assert (rows["430111"]["filed"], rows["430111"]["workers_helped"]) == (1, 6), "G counts where it was handled"
    assert (rows["430121"]["filed"], rows["430121"]["accepted"], rows["430121"]["overdue"],
            rows["430121"]["closure_rate"]) == (3, 2, 2, 0.5)


def test_a_county_report_has_its_own_row_and_a_province_one_row_per_city():
    county = report("430102", "2026-11-20")
    assert [(r["division"], r["filed"]) for r in county["by_division"]] == [("430102", 3)]
    province = report("430000", "2026-11-20")
    assert [(r["division"], r["name"], r["filed"]) for r in province["by_division"]] == [
        ("430100", "长沙市", 7), ("430200", "株洲市", 1)]
    assert (province["total"]["closed"], province["total"]["amount_recovered"]) == (5, 63000.5)


def test_figures_as_of_an_earlier_date_count_the_cases_as_they_stood_then():
    # By 30 June: A B C F filed (D, E, G later); A F closed; B open and not yet late.
    june = report("430100", "2026-06-30")["total"]
    assert (june["filed"], june["accepted"], june["refused"], june["closed"], june["open"], june["overdue"]) == (
        4, 3, 1, 2, 1, 0)
    assert (june["amount_recovered"], june["workers_helped"]) == (20000.0, 4)


def test_a_period_with_no_cases_has_no_rates():
    empty = report("430100", "2026-11-20", "2024-01-01", "2024-12-31")["total"]
    assert (empty["filed"], empty["closure_rate"], empty["on_time_rate"]) == (0, None, None)
