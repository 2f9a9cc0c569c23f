"""The complaint figures a province reports (投诉办理情况), per division and period.

The period selects the complaints *filed* in it (a cohort), and each is counted as it
stood at the end of ``as_of``, in the division that held it then. So a report is
reproducible: the same dates give the same figures whenever it is run.

| figure | counts |
|---|---|
| filed | complaints received (收到投诉) |
| accepted | accepted as a case (立案) |
| refused | refused in writing (不予受理) |
| closed | closed (结案) |
| closure_rate | closed / accepted (办结率) |
| on_time_rate | closed within the investigation deadline / closed |
| open, overdue | not yet closed or refused; of those, past a deadline |
| amount_recovered, workers_helped | wages recovered and workers paid, from closed cases' outcomes |
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from services.complaints.clocks import ClockLimits, clock_at, closed_on_time, entries_until
from services.complaints.domain import ACCEPT, CLOSED, OPEN_STATUSES, REFUSED, RESOLVE
from shared.contract.fields import from_fen
from shared.divisions import PROVINCE, city_of, covers, level_of, name_of
from shared.workdays import WorkingCalendar


@dataclass
class Tally:
    filed: int = 0
    accepted: int = 0
    refused: int = 0
    closed: int = 0
    closed_on_time: int = 0
    open: int = 0
    overdue: int = 0
    amount_recovered_fen: int = 0
    workers_helped: int = 0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict:
        return {
            "filed": self.filed, "accepted": self.accepted, "refused": self.refused, "closed": self.closed,
            "closure_rate": _rate(self.closed, self.accepted), "closed_on_time": self.closed_on_time,
            "on_time_rate": _rate(self.closed_on_time, self.closed), "open": self.open, "overdue": self.overdue,
            "amount_recovered": float(from_fen(self.amount_recovered_fen)), "workers_helped": self.workers_helped,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def count_case(case: dict, as_of: date, calendar: WorkingCalendar, limits: ClockLimits) -> tuple[str, Tally] | None:
    """(the division holding the case as of the date, what it adds); None if not yet filed."""
    entries = entries_until(case["history"], as_of)
    if not entries:
        return None
    status = entries[-1]["to_status"]
    tally = Tally(filed=1, accepted=int(any(e["action"] == ACCEPT for e in entries)),
                  refused=int(status == REFUSED), closed=int(status == CLOSED), open=int(status in OPEN_STATUSES))
    if status == CLOSED:
        tally.closed_on_time = int(bool(closed_on_time(case["history"], as_of, calendar, limits)))
        outcome = [e for e in entries if e["action"] == RESOLVE][-1]["details"]
        tally.amount_recovered_fen = outcome["amount_recovered_fen"]
        tally.workers_helped = outcome["workers_paid"]
    elif status in OPEN_STATUSES:
        clock = clock_at(case["history"], as_of, calendar, limits)
        tally.overdue = int(bool(clock and clock.overdue))
    return entries[-1]["division"], tally


def figures(cases: list[dict], scope: str, date_from: date, date_to: date, as_of: date,
            calendar: WorkingCalendar, limits: ClockLimits) -> dict:
    """The figures for ``scope`` (a county, city or province), with one row per division
    one level down (the counties of a city, the cities of a province)."""
    total = Tally()
    rows: dict[str, Tally] = {}
    for case in cases:
        if not date_from.isoformat() <= case["filed_on"] <= date_to.isoformat():
            continue
        counted = count_case(case, as_of, calendar, limits)
        if counted is None or not covers(scope, counted[0]):
            continue
        division, tally = counted
        total.add(tally)
        rows.setdefault(_row_of(scope, division), Tally()).add(tally)
    return {
        "division": scope, "name": name_of(scope), "from": date_from.isoformat(), "to": date_to.isoformat(),
        "as_of": as_of.isoformat(), "total": total.as_dict(),
        "by_division": [{"division": code, "name": name_of(code), **rows[code].as_dict()} for code in sorted(rows)],
    }


def _row_of(scope: str, division: str) -> str:
    return city_of(division) if level_of(scope) == PROVINCE else division
