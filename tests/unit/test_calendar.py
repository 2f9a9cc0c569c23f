from __future__ import annotations

from datetime import UTC, date, datetime

from shared.calendar import Month, months_between, now_iso, today


def test_months_shift_across_years_and_clamp_days():
    assert Month.parse("2026-11").shift(2) == Month(2027, 1)
    assert Month.parse("2026-01").shift(-1) == Month(2025, 12)
    assert Month(2026, 2).day(30) == date(2026, 2, 28)
    assert [str(m) for m in months_between(Month(2026, 11), Month(2027, 1))] == ["2026-11", "2026-12", "2027-01"]
    assert months_between(Month(2026, 3), Month(2026, 2)) == []


def test_dates_are_asia_shanghai():
    late_evening_utc = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)
    assert today(late_evening_utc) == date(2026, 11, 24)
    assert now_iso(late_evening_utc) == "2026-11-24T02:30:00+08:00"
