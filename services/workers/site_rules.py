"""Site rules on the gate records: a site with nobody clocking in, and clock-ins by people
without registration or a labour contract. Both are current-state warnings per project
(no month in the fingerprint): they resolve when the site's records are back in order.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from services.workers.domain import AFTER_EXIT, BEFORE_ENTRY, NO_CONTRACT, UNREGISTERED
from shared.contract.alerts import ATTENDANCE_UNREGISTERED, NO_ATTENDANCE, RED, YELLOW, fingerprint
from shared.internal import project_condition

SITE_TYPES = (NO_ATTENDANCE, ATTENDANCE_UNREGISTERED)
_REASONS = {UNREGISTERED: "not enrolled", BEFORE_ENTRY: "before entry", AFTER_EXIT: "after exit",
            NO_CONTRACT: "no labour contract"}


@dataclass(frozen=True)
class SiteRules:
    no_attendance_yellow_days: int = 7    # days without any clock-in on a site under construction
    no_attendance_red_days: int = 15
    unregistered_window_days: int = 30    # irregular clock-ins counted over this many days

    @classmethod
    def from_config(cls, config: dict) -> SiteRules:
        rules = config.get("RULES") or {}
        quiet = rules.get("no_attendance") or {}
        irregular = rules.get("attendance_unregistered") or {}
        return cls(no_attendance_yellow_days=int(quiet.get("yellow_days", 7)),
                   no_attendance_red_days=int(quiet.get("red_days", 15)),
                   unregistered_window_days=int(irregular.get("window_days", 30)))

    def window_start(self, as_of: date) -> date:
        return as_of - timedelta(days=self.unregistered_window_days - 1)


def no_attendance(projects: list[dict], last_days: dict[str, date], as_of: date, rules: SiteRules) -> list[dict]:
    """NO_ATTENDANCE for each project under construction whose gate has been silent for
    ``yellow_days`` (red at ``red_days``), counted from its last clock-in or, if it never
    had one, from its start. A suspended project (an approved stoppage) is not watched."""
    found = []
    for project in projects:
        if project["status"] != "under_construction" or project["start_date"] > as_of:
            continue
        last = last_days.get(project["project_code"])
        since = max(d for d in (last, project["start_date"] - timedelta(days=1)) if d is not None)
        silent = (as_of - since).days
        if silent >= rules.no_attendance_yellow_days:
            found.append(_quiet(project, last, silent, as_of, rules))
    return found


def silences_broken(previous: dict[str, date], days_by_project: dict[str, set[date]], today: date,
                    rules: SiteRules) -> list[str]:
    """NO_ATTENDANCE fingerprints that new clock-ins clear at once: projects whose gate had
    been silent long enough for the alert (as of today) and now has a clock-in recent
    enough that the rule cannot hold."""
    def quiet_today(day: date | None) -> bool:
        return day is None or (today - day).days >= rules.no_attendance_yellow_days
    return [fingerprint(NO_ATTENDANCE, code) for code, days in sorted(days_by_project.items())
            if quiet_today(previous.get(code)) and not quiet_today(max(days))]


def _quiet(project: dict, last: date | None, silent: int, as_of: date, rules: SiteRules) -> dict:
    severity = RED if silent >= rules.no_attendance_red_days else YELLOW
    seen = f"since its last clock-in on {last.isoformat()}" if last else "since it started (none ever)"
    summary = (f"无考勤 No clock-ins for {silent} day(s) on project {project['project_code']} "
               f"({project['name']}), under construction, {seen}.")
    details = {"as_of": as_of.isoformat(), "days_without_clock_ins": silent, "project_name": project["name"],
               "last_clock_in_day": last.isoformat() if last else None}
    return project_condition(project, NO_ATTENDANCE, fingerprint(NO_ATTENDANCE, project["project_code"]),
                             severity, summary, details=details)


def attendance_unregistered(projects: dict[str, dict], irregular: list[dict], as_of: date,
                            rules: SiteRules) -> list[dict]:
    """ATTENDANCE_UNREGISTERED (yellow, to the industry regulator) for each project with
    clock-ins in the window by people not enrolled then or without a labour contract.
    ``irregular`` holds the window's irregular clock-ins grouped by project and reason:
    ``{project_code, reason, clock_ins, workers, id_masked}``."""
    by_project: dict[str, list[dict]] = defaultdict(list)
    for group in irregular:
        by_project[group["project_code"]].append(group)
    return [_irregular(projects[code], groups, as_of, rules)
            for code, groups in sorted(by_project.items()) if code in projects]


def _irregular(project: dict, groups: list[dict], as_of: date, rules: SiteRules) -> dict:
    by_reason = {_REASONS[g["reason"]]: len(g["workers"]) for g in sorted(groups, key=lambda g: _REASONS[g["reason"]])}
    clock_ins = sum(g["clock_ins"] for g in groups)
    persons = len({w for g in groups for w in g["workers"]})
    counts = ", ".join(f"{n} {reason}" for reason, n in by_reason.items())
    summary = (f"未实名考勤 {clock_ins} clock-in(s) by {persons} person(s) without registration or contract "
               f"in the {rules.unregistered_window_days} days to {as_of.isoformat()} on project "
               f"{project['project_code']} ({project['name']}): {counts}.")
    details = {"as_of": as_of.isoformat(), "window_start": rules.window_start(as_of).isoformat(),
               "clock_ins": clock_ins, "persons": persons, "persons_by_reason": by_reason,
               "id_masked": sorted({m for g in groups for m in g["id_masked"]})[:50]}
    return project_condition(project, ATTENDANCE_UNREGISTERED,
                             fingerprint(ATTENDANCE_UNREGISTERED, project["project_code"]),
                             YELLOW, summary, details=details)
