"""Months, dates and the platform's clock zone.

Dates are Asia/Shanghai unless a message says otherwise. Domain code never reads the
clock: callers pass ``as_of`` explicitly, and only entrypoints call :func:`today`.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``YYYY-MM`` on the wire and in storage."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.fullmatch(text or "")   # fullmatch: "$" alone lets "2026-10\n" in
        if not match:
            raise ValueError(f"Not a month in YYYY-MM form: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def day(self, number: int) -> date:
        """The given day of this month, clamped to the month's last day."""
        return date(self.year, self.month, min(number, self.last_day.day))


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive (empty when last < first)."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [first.shift(i) for i in range(max(count, 0))]


def today(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai (entrypoints only; domain code takes ``as_of``)."""
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


def now_iso(now: datetime | None = None) -> str:
    """An ISO 8601 timestamp with the +08:00 offset, to the second."""
    moment = (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    return moment.replace(microsecond=0).isoformat()

