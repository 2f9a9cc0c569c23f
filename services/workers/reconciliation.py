"""Attendance against payroll (考勤与工资发放比对), per project-month.

Why here and not in the payroll service: the real-name records are the evidence of who
worked (Art 28), and the subcontractor's monthly attendance is what the payroll sheet is
prepared from (Art 31). The question is "was everyone who worked paid?", so it starts
from attendance and asks the payroll service only for the month's lines (one RPC for
many project-months). WAGES_SHORT needs only the lines, but it is judged in the same
pass over the same lines, after the same due date, so that a desk gets one coherent
picture of a project-month.

Two steps, both pure:
1. :func:`findings` compares a project-month's attended workers, its payroll lines and
   its roster. They depend on the data only, so they are stored and recomputed only when
   attendance, enrolment or payroll changes.
2. :func:`conditions` turns stored findings into alert conditions as of a date: nothing
   before the month's due date (the project's pay day of month M+1).

WORKER_UNPAID is one alert per worker-month, not one per project-month listing workers:
- each unpaid worker is a wage debt owed to one person, handled and closed on its own; a
  late line for that worker resolves exactly that alert, so a desk sees back pay arrive
  worker by worker, where a project-month list would sit unchanged until the last one;
- DOMAIN's dedup key is (rule, project, subject, month), and the subject is the worker;
  per worker-month, the months one worker stays unpaid (the criminal threshold counts
  them) are separate alerts under the same worker reference;
- the project-level view is HEADCOUNT_MISMATCH (counts, red from 10% unpaid, P1 for a
  group), so a desk that wants one line per project has it without losing the cases.
The fingerprint names the worker by a short keyed-hash reference, never by ID number.

BELOW_MINIMUM_WAGE (orange) is judged here too: it is the one rule that needs both a
worker's attendance (did they work most of the month's working days?) and their payroll
line (what were they paid?), and this is where the two meet. A paid line below the
county's monthly minimum wage, for a worker who clocked in on most working days
(``minimum_wage.py``), is one alert per worker-month, like WORKER_UNPAID.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.workers.domain import enrolled_during
from services.workers.minimum_wage import MinimumFor, MinimumWage, MonthlyMinimum
from shared.calendar import Month
from shared.contract.alerts import (
    BELOW_MINIMUM_WAGE,
    HEADCOUNT_MISMATCH,
    ORANGE,
    PAYEE_NOT_ENROLLED,
    RED,
    WAGES_SHORT,
    WORKER_UNPAID,
    YELLOW,
    fingerprint,
)
from shared.contract.fields import from_fen
from shared.expectations import due_date
from shared.funding import PublicFunding
from shared.internal import project_condition
from shared.pii import mask_name
from shared.workdays import WorkingCalendar

RECONCILED_TYPES = (WORKER_UNPAID, WAGES_SHORT, HEADCOUNT_MISMATCH, PAYEE_NOT_ENROLLED, BELOW_MINIMUM_WAGE)


@dataclass(frozen=True)
class ReconciliationRules:
    headcount_red_share: float = 0.10     # red when this share of attended workers is unpaid
    group_arrears_workers: int = 10       # P1 (群体性欠薪) from this many unpaid workers
    short_red_from_month_offset: int = 2  # WAGES_SHORT red from the 1st of month M + this
    recheck_months: int = 1               # recent months recomputed on every sweep anyway
    public_funding: PublicFunding = PublicFunding()  # arrears one colour higher on public projects
    minimum_wage: MinimumWage = field(default_factory=MinimumWage)   # BELOW_MINIMUM_WAGE; none configured: off
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)   # paydays moved before holidays

    @classmethod
    def from_config(cls, config: dict) -> ReconciliationRules:
        rules = (config.get("RULES") or {}).get("attendance_vs_payroll") or {}
        return cls(headcount_red_share=float(rules.get("headcount_red_share", 0.10)),
                   group_arrears_workers=int(rules.get("group_arrears_workers", 10)),
                   short_red_from_month_offset=int(rules.get("short_red_from_month_offset", 2)),
                   recheck_months=int(rules.get("recheck_months", 1)),
                   public_funding=PublicFunding.from_config(config),
                   minimum_wage=MinimumWage.from_config(config),
                   calendar=WorkingCalendar.from_config(config))


def worker_ref(worker: str) -> str:
    """The public reference of a worker in fingerprints and alerts: a prefix of the keyed
    hash. Stable across projects and months, meaningless without the key."""
    return worker[:12]


def findings(attended: dict[str, dict], lines: dict[str, dict] | None, enrolled: dict[str, str],
             minimum: MonthlyMinimum | None = None) -> dict:
    """Compare one project-month.

    ``attended``: worker → {id_masked, days, dates?} (``dates``: the days clocked in on);
    ``lines``: worker → {id_masked, amount_due_fen, amount_paid_fen}, None when no payroll
    was recorded; ``enrolled``: worker → masked name, for everyone enrolled at any time in
    the month; ``minimum``: the county's monthly minimum wage for the month, None when not
    judged.
    """
    lines = lines or {}
    paid = {w for w, line in lines.items() if line["amount_paid_fen"] > 0}
    unpaid = [{"worker_ref": worker_ref(w), "id_masked": a["id_masked"], "name_masked": enrolled.get(w),
               "days": a["days"]} for w, a in attended.items() if w not in paid]
    short = [{"worker_ref": worker_ref(w), "id_masked": line["id_masked"],
              "amount_due_fen": line["amount_due_fen"], "amount_paid_fen": line["amount_paid_fen"]}
             for w, line in lines.items() if 0 < line["amount_paid_fen"] < line["amount_due_fen"]]
    strangers = [{"worker_ref": worker_ref(w), "id_masked": line["id_masked"]}
                 for w, line in lines.items() if w not in enrolled]
    by_id = lambda rows: sorted(rows, key=lambda r: (r["id_masked"], r["worker_ref"]))  # noqa: E731
    found = {"attended": len(attended), "paid": len(paid), "has_payroll": bool(lines),
             "unpaid": by_id(unpaid), "short": by_id(short), "not_enrolled": by_id(strangers)}
    if minimum is not None:
        found["below_minimum"] = by_id(below_minimum(attended, lines, minimum))
    return found


def below_minimum(attended: dict[str, dict], lines: dict[str, dict], minimum: MonthlyMinimum) -> list[dict]:
    """Paid lines below the monthly minimum wage of workers who clocked in on most of the
    month's working days (an unpaid worker is WORKER_UNPAID's, not this rule's)."""
    rows = []
    for worker, line in lines.items():
        paid = line["amount_paid_fen"]
        if worker not in attended or not 0 < paid < minimum.minimum_fen:
            continue
        worked = minimum.applies_to(attended[worker].get("dates") or ())
        if worked is not None:
            rows.append({"worker_ref": worker_ref(worker), "id_masked": line["id_masked"], "amount_paid_fen": paid,
                         "minimum_fen": minimum.minimum_fen, "county_class": minimum.county_class,
                         "working_days_attended": worked, "working_days": len(minimum.working_days)})
    return rows


def has_discrepancy(found: dict) -> bool:
    return bool(found["unpaid"] or found["short"] or found["not_enrolled"] or found["paid"] < found["attended"]
                or found.get("below_minimum"))


def fingerprints_of(project_code: str, month: str, found: dict) -> set[str]:
    """Every fingerprint a project-month's findings stand for, whatever the date."""
    prints = {fingerprint(WORKER_UNPAID, project_code, month, u["worker_ref"]) for u in found["unpaid"]}
    prints |= {fingerprint(WAGES_SHORT, project_code, month, s["worker_ref"]) for s in found["short"]}
    if found["paid"] < found["attended"]:
        prints.add(fingerprint(HEADCOUNT_MISMATCH, project_code, month))
    if found["not_enrolled"]:
        prints.add(fingerprint(PAYEE_NOT_ENROLLED, project_code, month))
    prints |= {fingerprint(BELOW_MINIMUM_WAGE, project_code, month, b["worker_ref"])
               for b in found.get("below_minimum", ())}
    return prints


def conditions(project: dict, month: str, found: dict, as_of: date, rules: ReconciliationRules) -> list[dict]:
    """The alert conditions of one project-month's findings as of a date (none before the
    month's wages fall due)."""
    due = due_date(Month.parse(month), project["pay_day"], rules.calendar)
    if as_of <= due:
        return []
    context = {"due_date": due.isoformat(), "as_of": as_of.isoformat(), "project_name": project["name"]}
    return [*(_unpaid(project, month, u, found, context) for u in found["unpaid"]),
            *(_short(project, month, s, as_of, rules, context) for s in found["short"]),
            *_headcount(project, month, found, rules, context),
            *_strangers(project, month, found, context),
            *(_below_minimum(project, month, b, rules, context) for b in found.get("below_minimum", ()))]


def _unpaid(project, month, unpaid, found, context) -> dict:
    who = f"{unpaid['name_masked'] or '?'} ({unpaid['id_masked']})"
    why = "has no paid line in its payroll" if found["has_payroll"] else "no payroll was recorded"
    summary = (f"欠薪 Worker {who} clocked in on {unpaid['days']} day(s) of {month} on project "
               f"{project['project_code']} ({project['name']}) and {why}; wages were due by {context['due_date']}.")
    return project_condition(project, WORKER_UNPAID,
                             fingerprint(WORKER_UNPAID, project["project_code"], month, unpaid["worker_ref"]),
                             RED, summary, month=month, details={**context, **unpaid})


def _short(project, month, short, as_of, rules, context) -> dict:
    red = as_of >= Month.parse(month).shift(rules.short_red_from_month_offset).first_day
    due, paid = from_fen(short["amount_due_fen"]), from_fen(short["amount_paid_fen"])
    summary = (f"工资少发 Worker {short['id_masked']} was paid {paid} of {due} yuan due for {month} "
               f"on project {project['project_code']} ({project['name']}).")
    colour = rules.public_funding.severity(WAGES_SHORT, project["funding"], RED if red else ORANGE)
    return project_condition(project, WAGES_SHORT,
                             fingerprint(WAGES_SHORT, project["project_code"], month, short["worker_ref"]),
                             colour, summary, month=month,
                             details={**context, **short, "shortfall_fen": short["amount_due_fen"] - short["amount_paid_fen"]})


def _below_minimum(project, month, row, rules, context) -> dict:
    paid, minimum = from_fen(row["amount_paid_fen"]), from_fen(row["minimum_fen"])
    summary = (f"低于最低工资 Worker {row['id_masked']} clocked in on {row['working_days_attended']} of "
               f"{row['working_days']} working days in {month} on project {project['project_code']} "
               f"({project['name']}) and was paid {paid:,.2f} yuan, below the monthly minimum wage of "
               f"{minimum:,.2f} (class {row['county_class']} county).")
    return project_condition(project, BELOW_MINIMUM_WAGE,
                             fingerprint(BELOW_MINIMUM_WAGE, project["project_code"], month, row["worker_ref"]),
                             ORANGE, summary, month=month,
                             details={**context, **row, "shortfall_fen": row["minimum_fen"] - row["amount_paid_fen"],
                                      "source": rules.minimum_wage.source})


def _headcount(project, month, found, rules, context) -> list[dict]:
    attended, paid, unpaid = found["attended"], found["paid"], len(found["unpaid"])
    if paid >= attended:
        return []
    red = unpaid >= rules.headcount_red_share * attended
    summary = (f"人数不符 {paid} worker(s) paid for {month} against {attended} who clocked in on project "
               f"{project['project_code']} ({project['name']}); {unpaid} attended worker(s) unpaid.")
    details = {**context, "attended": attended, "paid": paid, "unpaid": unpaid}
    return [project_condition(project, HEADCOUNT_MISMATCH, fingerprint(HEADCOUNT_MISMATCH, project["project_code"], month),
                              RED if red else YELLOW, summary, month=month, details=details,
                              p1=unpaid >= rules.group_arrears_workers)]


def _strangers(project, month, found, context) -> list[dict]:
    strangers = found["not_enrolled"]
    if not strangers:
        return []
    summary = (f"代领风险 {len(strangers)} payroll line(s) for {month} on project {project['project_code']} "
               f"({project['name']}) pay people not enrolled on the project that month.")
    return [project_condition(project, PAYEE_NOT_ENROLLED, fingerprint(PAYEE_NOT_ENROLLED, project["project_code"], month),
                              YELLOW, summary, month=month, details={**context, "payees": strangers})]


def enrolled_names(enrolments: list[dict], month: str) -> dict[str, str]:
    """worker → masked name, for everyone enrolled at any time in the month."""
    period = Month.parse(month)
    return {e["worker"]: mask_name(e["name"]) for e in enrolments if enrolled_during(e["stints"], period)}


def reconcile_months(months: list[dict], attended: dict[str, dict], lines: dict[str, dict],
                     enrolments: dict[str, list[dict]], minimum_for: MinimumFor = lambda code, month: None) -> list[dict]:
    """Fresh findings for project-months (``{_id, project_code, month, changes,
    findings?, stale?}``): each result says what to store, which fingerprints its new
    findings no longer stand for (data that cleared them), and whether storing is needed
    at all (``unchanged``: not marked and found as stored). ``minimum_for(code, month)``
    is the project-month's MonthlyMinimum, or None."""
    results = []
    for month in months:
        key, code = month["_id"], month["project_code"]
        found = findings(attended.get(key, {}), lines.get(key), enrolled_names(enrolments.get(code, []), month["month"]),
                         minimum_for(code, month["month"]))
        before = fingerprints_of(code, month["month"], month["findings"]) if month.get("findings") else set()
        results.append({"key": key, "changes": month["changes"], "findings": found,
                        "flagged": has_discrepancy(found),
                        "cleared": before - fingerprints_of(code, month["month"], found),
                        "unchanged": month.get("stale") is False and month.get("findings") == found})
    return results


def month_summary(project_code: str, month: str, rows: list[dict], names: dict[str, str],
                  stored: dict | None) -> dict:
    """A month's attendance on a project as operators see it (masked), with the latest
    reconciliation against payroll when there is one."""
    found = (stored or {}).get("findings")
    unpaid = {u["worker_ref"] for u in found["unpaid"]} if found else set()
    workers = [{"worker_ref": worker_ref(r["worker"]), "id_masked": r["id_masked"],
                "name_masked": names.get(r["worker"]), "days": len(r["days"]),
                "first_day": min(r["days"]), "last_day": max(r["days"]),
                "unpaid": (worker_ref(r["worker"]) in unpaid) if found else None} for r in rows]
    workers.sort(key=lambda w: (w["id_masked"], w["worker_ref"]))
    reconciliation = None
    if found:
        reconciliation = {"current": not (stored or {}).get("stale", False), "attended": found["attended"],
                          "paid": found["paid"], "unpaid": len(found["unpaid"]), "short": len(found["short"]),
                          "not_enrolled": len(found["not_enrolled"]), "has_payroll": found["has_payroll"]}
    return {"project_code": project_code, "month": month, "attended": len(workers),
            "worker_days": sum(w["days"] for w in workers), "workers": workers, "reconciliation": reconciliation}
