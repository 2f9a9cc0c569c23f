"""What a complaint case tells the desks: the alert conditions of complaints, and the
thresholds behind them (``RULES.complaints`` in the config; DOMAIN.md's defaults).

- ``COMPLAINT_FILED`` (orange): while the case is open, to hrss of the division that holds
  it (and the project's sector department, by the routing table). Closing or refusing the
  case resolves it. The amount claimed never makes it red: a claim is not an offence.
- ``COMPLAINT_OVERDUE``: orange at 80% of the running clock, red once it is overdue and
  then seen by the city (督办), and by the province some working days later.
- ``GROUP_ARREARS`` (red, p1, 群体性欠薪): complaints for 10 or more workers on one project
  in one month, while any of them is open.
- ``REPEAT_DEFAULTER`` (red): one employer (by credit code) named in 3 or more complaints
  within 30 days, while any of those is open.
- ``CRIMINAL_REFERRAL_DUE`` (red, to hrss; contract 1.1): the case's order to pay (责令支付)
  passed its deadline with wages still unpaid, and what remained unpaid meets the
  provincial threshold of 拒不支付劳动报酬罪 (Criminal Law Art 276-1; 法释〔2013〕3号 Arts 3-4):
  one worker unpaid for ``one_worker_months`` or more with ``one_worker_yuan`` or more, or
  ``many_workers`` or more workers with ``many_workers_yuan`` or more in total. Raised on the
  sweep (and at once when a change shows it), while the case is being handled; it resolves
  once the desk resolves the case (referred to the police, or another outcome it answers
  for) or closes it. Payment after the deadline does not clear it: the offence was complete
  at the deadline, and paying before prosecution is for the police and court to weigh
  (法释〔2013〕3号 Art 6).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal

from services.complaints.clocks import ACCEPTANCE, INVESTIGATION, Clock, ClockLimits
from services.complaints.domain import ACCEPTED, INVESTIGATING, RECEIVED, REFUSED, WAITING, Order, is_open, order_of
from shared.contract.alerts import (
    COMPLAINT_FILED,
    COMPLAINT_OVERDUE,
    CRIMINAL_REFERRAL_DUE,
    GROUP_ARREARS,
    ORANGE,
    RED,
    REPEAT_DEFAULTER,
    fingerprint,
)
from shared.contract.fields import from_fen
from shared.divisions import CITY, COUNTY, PROVINCE, city_of

# A referral is due while the case is being handled; a resolved case carries the desk's
# decision (referred to the police, or an outcome it answers for), a closed one is done.
REFERRAL_WATCHED = (RECEIVED, ACCEPTED, INVESTIGATING, WAITING)


@dataclass(frozen=True)
class ReferralThreshold:
    """The provincial threshold of the crime of refusing to pay wages (拒不支付劳动报酬罪,
    Criminal Law Art 276-1). 法释〔2013〕3号 Art 3 sets the national ranges (one worker
    unpaid for three months or more with 5,000-20,000 yuan; ten or more workers with
    30,000-100,000 yuan in total) and each province picks its figures within them; the
    defaults are Hunan's as the domain notes give them (``RULES.complaints.referral``)."""

    one_worker_yuan: Decimal = Decimal(6000)
    one_worker_months: int = 3
    many_workers: int = 10
    many_workers_yuan: Decimal = Decimal(40000)
    source: str = ""

    def reason(self, order: Order) -> str | None:
        """Why the unheeded order meets the threshold, or None. Judged on what remained
        unpaid at the deadline: for one worker, the desk's figure of the most one worker is
        owed (else the average, which at least one worker's share reaches)."""
        outstanding = from_fen(order.outstanding_at_deadline_fen)
        if order.workers >= self.many_workers and outstanding >= self.many_workers_yuan:
            return (f"{order.workers} workers, {outstanding:,.2f} yuan unpaid: at or above "
                    f"{self.many_workers_yuan:,.2f} yuan for {self.many_workers} or more workers")
        one = from_fen(order.one_worker_fen)
        if order.months >= self.one_worker_months and one >= self.one_worker_yuan:
            return (f"one worker unpaid for {order.months} months and {one:,.2f} yuan: at or above "
                    f"{self.one_worker_yuan:,.2f} yuan for {self.one_worker_months} months or more")
        return None


@dataclass(frozen=True)
class ComplaintRules:
    limits: ClockLimits = field(default_factory=ClockLimits)
    warn_at: Decimal = Decimal("0.8")          # orange at this share of a deadline
    city_after_overdue_days: int = 0           # working days overdue before the city sees it
    province_after_overdue_days: int = 10      # ... and the province
    related_within_days: int = 30
    group_arrears_workers: int = 10
    repeat_defaulter_complaints: int = 3
    repeat_defaulter_within_days: int = 30
    referral: ReferralThreshold = field(default_factory=ReferralThreshold)

    @classmethod
    def from_config(cls, config: dict) -> ComplaintRules:
        section = (config.get("RULES") or {}).get("complaints") or {}
        referral = section.get("referral") or {}
        default, limits = cls(), ClockLimits()
        number = lambda key, fallback, kind=int: kind(str(section.get(key, fallback)))  # noqa: E731
        return cls(
            limits=ClockLimits(number("accept_within_working_days", limits.accept_days),
                               number("close_within_working_days", limits.close_days),
                               number("extension_working_days", limits.extension_days)),
            warn_at=number("warn_at", default.warn_at, Decimal),
            city_after_overdue_days=number("city_after_overdue_working_days", default.city_after_overdue_days),
            province_after_overdue_days=number("province_after_overdue_working_days",
                                               default.province_after_overdue_days),
            related_within_days=number("related_within_days", default.related_within_days),
            group_arrears_workers=number("group_arrears_workers", default.group_arrears_workers),
            repeat_defaulter_complaints=number("repeat_defaulter_complaints", default.repeat_defaulter_complaints),
            repeat_defaulter_within_days=number("repeat_defaulter_within_days",
                                                default.repeat_defaulter_within_days),
            referral=ReferralThreshold(
                Decimal(str(referral.get("one_worker_yuan", default.referral.one_worker_yuan))),
                int(referral.get("one_worker_months", default.referral.one_worker_months)),
                int(referral.get("many_workers", default.referral.many_workers)),
                Decimal(str(referral.get("many_workers_yuan", default.referral.many_workers_yuan))),
                str(referral.get("source", ""))),
        )

    def warn_from(self, allowed: int) -> int:
        """The working day of a clock from which it shows orange (4 of 5, 48 of 60)."""
        return int((self.warn_at * allowed).to_integral_value(rounding=ROUND_CEILING))


# ---- the fingerprints: one open alert per rule and subject -------------------------------

def filed_fingerprint(case_id: str, division: str) -> str:
    return fingerprint(COMPLAINT_FILED, case_id, division)


def overdue_fingerprint(case_id: str, stage: str, division: str) -> str:
    return fingerprint(COMPLAINT_OVERDUE, case_id, stage, division)


def referral_fingerprint(case_id: str, division: str) -> str:
    return fingerprint(CRIMINAL_REFERRAL_DUE, case_id, division)


def group_fingerprint(case: dict) -> str:
    return fingerprint(GROUP_ARREARS, case.get("project_code") or case["_id"], case["month"])


def repeat_fingerprint(employer_uscc: str) -> str:
    return fingerprint(REPEAT_DEFAULTER, employer_uscc)


# ---- conditions ------------------------------------------------------------------------

def _base(case: dict, alert_type: str, fp: str, severity: str) -> dict:
    project = case.get("project") or {}
    return {"type": alert_type, "fingerprint": fp, "severity": severity, "division": case["division"],
            "sector": project.get("sector"), "funding": project.get("funding"),
            "project_code": case.get("project_code"), "month": case["month"], "p1": False, "level": COUNTY}


def _subject(case: dict) -> str:
    project = case.get("project") or {}
    on = f" on {case['project_code']} ({project['name']})" if project else (
        f" on {case['project_code']} (not registered)" if case.get("project_code") else "")
    return (f"{case['workers_affected']} worker(s) claim {from_fen(case['amount_claimed_fen'])} yuan "
            f"from {case['employer']['name']}{on}")


def filed_condition(case: dict, clock: Clock | None) -> dict:
    """The desk's notice of a new (or reopened, or transferred-in) case."""
    due = f"; accept or refuse by {clock.deadline.isoformat()}" if clock and clock.deadline else ""
    details = {"case_id": case["_id"], "complaint_id": case["complaint_id"], "channel": case["channel"],
               "received_by": case["county"], "filed_on": case["filed_on"], "status": case["status"],
               "employer": case["employer"], "complainant": shown_complainant(case["complainant"]),
               "workers_affected": case["workers_affected"],
               "amount_claimed": float(from_fen(case["amount_claimed_fen"])),
               "related": case.get("related", [])}
    if clock:
        details["clock"] = clock.as_dict()
    return {**_base(case, COMPLAINT_FILED, filed_fingerprint(case["_id"], case["division"]), ORANGE),
            "summary": f"欠薪投诉 Complaint {case['_id']}: {_subject(case)}{due}.", "details": details}


def overdue_condition(case: dict, clock: Clock | None, rules: ComplaintRules) -> dict | None:
    """Orange from 80% of the clock; red once overdue, escalated to the city and then
    the province as it stays overdue. None when the clock is comfortable (or stopped)."""
    if clock is None or clock.elapsed < rules.warn_from(clock.allowed):
        return None
    severity, level = ORANGE, COUNTY
    if clock.overdue:
        beyond = clock.elapsed - clock.allowed - 1   # 0 on the first working day overdue
        severity = RED
        level = (PROVINCE if beyond >= rules.province_after_overdue_days
                 else CITY if beyond >= rules.city_after_overdue_days else COUNTY)
    fp = overdue_fingerprint(case["_id"], clock.stage, case["division"])
    return {**_base(case, COMPLAINT_OVERDUE, fp, severity), "level": level,
            "summary": _overdue_summary(case, clock),
            "details": {"case_id": case["_id"], "status": case["status"], "department": case["department"],
                        "clock": clock.as_dict()}}


_LATE = {ACCEPTANCE: ("投诉超期未受理", "was not accepted or refused in time"),
         INVESTIGATION: ("投诉超期未办结", "was not closed in time")}
_TO_DO = {ACCEPTANCE: "accept or refuse it", INVESTIGATION: "close it"}


def _overdue_summary(case: dict, clock: Clock) -> str:
    due = clock.deadline.isoformat() if clock.deadline else "paused"
    if clock.overdue:
        chinese, english = _LATE[clock.stage]
        return (f"{chinese} Complaint {case['_id']} {english}: {clock.elapsed} working days against "
                f"{clock.allowed} allowed (due {due}).")
    return (f"临近期限 Complaint {case['_id']}: {clock.remaining} of {clock.allowed} working days left "
            f"to {_TO_DO[clock.stage]} (due {due}).")


def referral_condition(case: dict, day: date, rules: ComplaintRules) -> dict | None:
    """移送公安: the order to pay went unheeded and the amounts meet the threshold, as of
    ``day`` (the day after the deadline at the earliest). None otherwise."""
    order = order_of(case)
    if order is None or case["status"] not in REFERRAL_WATCHED or day <= order.deadline:
        return None
    reason = rules.referral.reason(order)
    if reason is None:
        return None
    unpaid = from_fen(order.outstanding_at_deadline_fen)
    condition = _base(case, CRIMINAL_REFERRAL_DUE, referral_fingerprint(case["_id"], case["division"]), RED)
    condition["summary"] = (
        f"涉嫌拒不支付劳动报酬罪，应移送公安 Referral to the police due: complaint {case['_id']}: the order to pay "
        f"of {order.ordered_on.isoformat()} was due by {order.deadline.isoformat()} and {unpaid:,.2f} yuan of "
        f"{from_fen(order.amount_fen):,.2f} remained unpaid ({reason}).")
    condition["details"] = {
        "case_id": case["_id"], "as_of": day.isoformat(), "status": case["status"],
        "order": {"ordered_on": order.ordered_on.isoformat(), "by": order.by, "deadline": order.deadline.isoformat(),
                  "amount": float(from_fen(order.amount_fen)), "workers": order.workers, "months": order.months,
                  "largest_one_worker": (float(from_fen(order.largest_one_worker_fen))
                                         if order.largest_one_worker_fen else None),
                  "paid_by_deadline": float(from_fen(order.paid_by_deadline_fen)),
                  "paid": float(from_fen(order.paid_fen))},
        "unpaid_at_deadline": float(unpaid), "reason": reason, "threshold_source": rules.referral.source}
    return condition


def group_arrears(case: dict, same_project_month: list[dict], rules: ComplaintRules) -> dict | None:
    """群体性欠薪: complaints for ``group_arrears_workers`` or more workers on one project in
    one month (one complaint, or several together), while any of them is open. Refused
    complaints do not count. Without a project, a single complaint can still be one."""
    cases = [c for c in (same_project_month if case.get("project_code") else [case]) if c["status"] != REFUSED]
    workers = sum(c["workers_affected"] for c in cases)
    if workers < rules.group_arrears_workers or not any(is_open(c) for c in cases):
        return None
    latest = max(cases, key=lambda c: (c["filed_on"], c["_id"]))
    project = latest.get("project") or {}
    condition = _base(latest, GROUP_ARREARS, group_fingerprint(case), RED)
    condition.update(division=project.get("division") or latest["division"], p1=True)
    where = f"project {case['project_code']}" if case.get("project_code") else f"complaint {case['_id']}"
    condition["summary"] = (f"群体性欠薪 Group arrears: {workers} workers in {len(cases)} complaint(s) "
                            f"on {where} in {case['month']}.")
    condition["details"] = {"workers": workers, "case_ids": sorted(c["_id"] for c in cases),
                            "amount_claimed": float(from_fen(sum(c["amount_claimed_fen"] for c in cases)))}
    return condition


def repeat_defaulter(employer_cases: list[dict], rules: ComplaintRules) -> dict | None:
    """One employer named in ``repeat_defaulter_complaints`` or more complaints filed within
    ``repeat_defaulter_within_days`` days, while any of those is open. Seen by the county
    of the latest one, and by the city or province when the complaints span counties."""
    window = _repeat_window(employer_cases, rules)
    if not window or not any(is_open(c) for c in window):
        return None
    latest = window[-1]
    uscc = latest["employer_uscc"]
    condition = _base(latest, REPEAT_DEFAULTER, repeat_fingerprint(uscc), RED)
    condition.update(month=None, level=_spanned_level({c["division"] for c in window}))
    condition["summary"] = (f"多次被投诉 Repeat defaulter: {latest['employer']['name']} ({uscc}) is named in "
                            f"{len(window)} complaints filed from {window[0]['filed_on']} to {latest['filed_on']}.")
    condition["details"] = {"employer": latest["employer"], "case_ids": [c["_id"] for c in window],
                            "divisions": sorted({c["division"] for c in window})}
    return condition


def _repeat_window(cases: list[dict], rules: ComplaintRules) -> list[dict]:
    """Every complaint that belongs to some run of enough complaints within the days."""
    counted = sorted((c for c in cases if c["status"] != REFUSED), key=lambda c: (c["filed_on"], c["_id"]))
    days = [date.fromisoformat(c["filed_on"]) for c in counted]
    chosen: set[int] = set()
    first = 0
    for last in range(len(counted)):
        while (days[last] - days[first]).days > rules.repeat_defaulter_within_days:
            first += 1
        if last - first + 1 >= rules.repeat_defaulter_complaints:
            chosen.update(range(first, last + 1))
    return [counted[i] for i in sorted(chosen)]


def _spanned_level(divisions: set[str]) -> str:
    if len(divisions) == 1:
        return COUNTY
    return CITY if len({city_of(d) for d in divisions}) == 1 else PROVINCE


def shown_complainant(complainant: dict) -> dict:
    """The complainant as a desk may see them: masked forms only, no hashes."""
    return {key: complainant[key] for key in ("name", "phone", "id_number") if complainant.get(key)}


# ---- what a case's current state asks of the alerts service ---------------------------

def alerts_for(case: dict, clock: Clock | None, same_project_month: list[dict], same_employer: list[dict],
               rules: ComplaintRules, day: date) -> tuple[list[dict], list[str]]:
    """After any change, as of ``day``: the conditions to report (raised if new, else
    kept) and the fingerprints to clear. ``same_project_month`` and ``same_employer`` are
    the stored cases the risk rules weigh (this one included)."""
    report = [filed_condition(case, clock)] if is_open(case) else []
    referral = referral_condition(case, day, rules)
    if referral:
        report.append(referral)
    stale = stale_fingerprints(case, clock, referral_due=referral is not None)
    risks = [(group_fingerprint(case), group_arrears(case, same_project_month, rules))]
    if case.get("employer_uscc"):
        risks.append((repeat_fingerprint(case["employer_uscc"]), repeat_defaulter(same_employer, rules)))
    for fp, condition in risks:
        if condition:
            report.append(condition)
        else:
            stale.append(fp)
    return report, stale


def stale_fingerprints(case: dict, clock: Clock | None, referral_due: bool = False) -> list[str]:
    """The case's filed, overdue and referral alerts that no longer apply: all of them once
    it is closed or refused, else those of the divisions it left, of the clock not running
    and the referral unless ``referral_due``."""
    keep = set()
    if is_open(case):
        keep.add(filed_fingerprint(case["_id"], case["division"]))
        if clock is not None:
            keep.add(overdue_fingerprint(case["_id"], clock.stage, case["division"]))
        if referral_due:
            keep.add(referral_fingerprint(case["_id"], case["division"]))
    every = [filed_fingerprint(case["_id"], d) for d in case["divisions"]]
    every += [referral_fingerprint(case["_id"], d) for d in case["divisions"]]
    every += [overdue_fingerprint(case["_id"], stage, d) for d in case["divisions"]
              for stage in (ACCEPTANCE, INVESTIGATION)]
    return [fp for fp in every if fp not in keep]
