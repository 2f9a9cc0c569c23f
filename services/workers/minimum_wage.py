"""The local monthly minimum wage (月最低工资标准) a full month's work must be paid at least.

The minimum wage is set by each province for classes (档) of counties and applies to a
worker who provided normal work in the statutory working time (最低工资规定, 劳社部令第21号,
Arts 3 and 12); the Regulation requires wages paid in full and on time (保障农民工工资支付
条例 Art 3) and the signboard must show the local minimum wage (Art 34). So a payroll line
is held to the county's monthly minimum only when its worker clocked in on most of the
month's working days (chinesecalendar's, with statutory holidays and make-up working days):
``attended_share`` of them, configured. The figures, the county classes and their source
are ``RULES.minimum_wage`` in the config; a county the config does not list is held to the
lowest class, so a missing entry can hide a case but never raise a false one.

Plain Python: no nameko, no pymongo.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache

from shared.calendar import Month
from shared.workdays import WorkingCalendar


@dataclass(frozen=True)
class MonthlyMinimum:
    """What a project-month's payroll lines are held to: the county's monthly minimum (fen)
    and the working days of the month a worker must have clocked in on to be held to it."""

    minimum_fen: int
    working_days: frozenset[str]      # the month's working days, YYYY-MM-DD
    required_days: int                # clock-ins on at least this many of them
    county_class: str

    def applies_to(self, dates: list[str] | tuple[str, ...]) -> int | None:
        """The working days the worker clocked in on when they are enough, else None."""
        worked = len(self.working_days.intersection(dates))
        return worked if worked >= self.required_days else None


# (project code, month) → what the project-month's lines are held to, or None.
MinimumFor = Callable[[str, str], "MonthlyMinimum | None"]


@dataclass(frozen=True)
class MinimumWage:
    monthly_yuan_by_class: dict[str, Decimal] = field(default_factory=dict)
    class_of_county: dict[str, str] = field(default_factory=dict)
    attended_share: Decimal = Decimal("0.8")
    source: str = ""

    @classmethod
    def from_config(cls, config: dict) -> MinimumWage:
        section = (config.get("RULES") or {}).get("minimum_wage") or {}
        classes = {str(k): Decimal(str(v)) for k, v in (section.get("monthly_yuan_by_class") or {}).items()}
        counties = {str(code): str(grade) for grade, codes in (section.get("counties_by_class") or {}).items()
                    for code in codes or ()}
        unknown = sorted(set(counties.values()) - set(classes))
        if unknown:
            raise ValueError(f"RULES.minimum_wage.counties_by_class names classes without a figure: {unknown}")
        share = Decimal(str(section.get("attended_share", "0.8")))
        if not Decimal(0) < share <= Decimal(1):
            raise ValueError("RULES.minimum_wage.attended_share must be above 0 and at most 1.")
        return cls(classes, counties, share, str(section.get("source", "")))

    @property
    def enabled(self) -> bool:
        return bool(self.monthly_yuan_by_class)

    def class_of(self, division: str) -> str:
        """The county's class; a county not listed is held to the lowest figure."""
        listed = self.class_of_county.get(division)
        if listed is not None:
            return listed
        return min(self.monthly_yuan_by_class, key=lambda grade: self.monthly_yuan_by_class[grade])

    def for_month(self, division: str, month: str, calendar: WorkingCalendar) -> MonthlyMinimum | None:
        """What a project in ``division`` owes each full-month worker for ``month``."""
        if not self.enabled:
            return None
        grade = self.class_of(division)
        working = _working_days(calendar, month)
        required = int((self.attended_share * len(working)).to_integral_value(rounding=ROUND_CEILING))
        return MonthlyMinimum(int(self.monthly_yuan_by_class[grade] * 100), working, max(required, 1), grade)


@lru_cache(maxsize=512)
def _working_days(calendar: WorkingCalendar, month: str) -> frozenset[str]:
    period = Month.parse(month)
    days = (date.fromordinal(n) for n in range(period.first_day.toordinal(), period.last_day.toordinal() + 1))
    return frozenset(day.isoformat() for day in days if calendar.is_working_day(day))
