"""Benchmark (prints figures, asserts only results): the complaint sweep's rules and the
figures over a province's worth of open cases. Run with ``-s`` to see the figures."""
from __future__ import annotations

import time
from collections import Counter
from datetime import date

from services.complaints import domain
from services.complaints.clocks import clock_at
from services.complaints.figures import figures
from services.complaints.rules import ComplaintRules, overdue_condition
from shared.workdays import WorkingCalendar
from tests.unit.complaint_cases import a_case, change

RULES, CALENDAR = ComplaintRules(), WorkingCalendar()
AS_OF = date(2026, 10, 14)
PER_COHORT = 5_000


def cohorts() -> list[dict]:
    """Four cohorts whose state on 14 October 2026 is known by hand (see the test)."""
    templates = [a_case(filed_at="2026-09-30T09:00:00+08:00"),      # 6 of 5 working days: red, city
                 a_case(filed_at="2026-10-09T09:00:00+08:00"),      # 10, 12, 13, 14 → 4 of 5: orange
                 a_case(filed_at="2026-10-13T09:00:00+08:00"),      # 1 of 5: nothing
                 change(a_case(filed_at="2026-09-30T09:00:00+08:00"), domain.ACCEPT, date(2026, 10, 9))]  # 4 of 60
    return [{**template, "_id": f"430102/B-{n}-{i}"} for n, template in enumerate(templates) for i in range(PER_COHORT)]


def test_the_sweep_rules_and_figures_over_20000_open_cases():
    cases = cohorts()
    started = time.perf_counter()
    found = [c for c in (overdue_condition(case, clock_at(case["history"], AS_OF, CALENDAR, RULES.limits), RULES)
                         for case in cases) if c]
    swept = time.perf_counter() - started
    started = time.perf_counter()
    report = figures(cases, "430100", date(2026, 1, 1), date(2026, 12, 31), AS_OF, CALENDAR, RULES.limits)
    counted = time.perf_counter() - started
    print(f"\ncomplaint sweep rules: {len(cases)} open cases in {swept:.2f}s ({swept / len(cases) * 1e6:.0f} µs a case); "
          f"figures over them in {counted:.2f}s")
    assert Counter((c["severity"], c["level"]) for c in found) == {("red", "city"): PER_COHORT,
                                                                    ("orange", "county"): PER_COHORT}
    assert (report["total"]["filed"], report["total"]["overdue"], report["total"]["accepted"]) == (
        4 * PER_COHORT, PER_COHORT, PER_COHORT)
