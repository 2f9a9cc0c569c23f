"""The coverage a province reports (制度覆盖率): among projects under construction in a
month, the share with each required system in place (target 100%), the share paid in
full, and the alerts open now.

A pure function of facts gathered by the service: projects of the division, what is
recorded about their money, the workers service's enrolment counts and the open alerts.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from services.accounts.domain import AccountRules, Facts
from shared.calendar import Month
from shared.contract.alerts import SEVERITIES
from shared.divisions import level_of, name_of
from shared.expectations import works_in

# (key, label): the figures in the order a report prints them.
SYSTEMS = (
    ("workers_enrolled", "workers enrolled (实名制)"),
    ("dedicated_account", "dedicated wage account (工资专户)"),
    ("wage_deposit", "wage deposit (工资保证金)"),
    ("paid_through_account", "payroll paid through the account (总包代发)"),
    ("paid_in_full", "payroll paid in full (足额发放)"),
)
PUBLIC_FUNDING_LABEL = "government/SOE-funded paid in full"


def coverage(division: str, month: Month, projects: list[dict], facts: Facts,
             enrolled: dict[str, int] | None, open_alerts: list[dict], rules: AccountRules,
             alerts_complete: bool = True) -> dict:
    """The report for ``division`` (county, city or province) and ``month``.

    ``projects`` are the division's; those working during the month are counted.
    ``enrolled`` maps project code → workers enrolled during the month (None when the
    workers service could not be asked: that figure is then reported as unknown).
    ``alerts_complete`` is False when the alerts service returned only part of the list.
    """
    counted = [p for p in projects if works_in(p, month)]
    checks = _checks(month, facts, enrolled, rules)
    systems = [_figure(key, label, counted, checks[key]) for key, label in SYSTEMS]
    public = [p for p in counted if p["funding"] in rules.public_funding.funding]
    return {
        "division": division, "division_name": name_of(division), "level": level_of(division),
        "month": str(month), "projects_under_construction": len(counted),
        "systems": systems,
        "paid_in_full_public": _figure("paid_in_full_public", PUBLIC_FUNDING_LABEL, public, checks["paid_in_full"]),
        "open_alerts": {**_alert_counts(open_alerts), "complete": alerts_complete},
    }


def project_systems(project: dict, month: Month, facts: Facts, enrolled: dict[str, int] | None,
                    rules: AccountRules) -> dict:
    """One project's row of the report: which required systems it has in place in
    ``month`` (``in_place`` None when unknown), for the console's project page."""
    checks = _checks(month, facts, enrolled, rules)
    return {"project_code": project["project_code"], "month": str(month), "working": works_in(project, month),
            "systems": [{"system": key, "label": label,
                         "in_place": None if checks[key] is None else bool(checks[key](project))}
                        for key, label in SYSTEMS]}


def _checks(month: Month, facts: Facts, enrolled: dict[str, int] | None, rules: AccountRules) -> dict:
    """For each figure, whether one project has it in place (None: unknown)."""
    month_end = month.last_day

    def sheet(p):
        return facts.payroll.get((p["project_code"], str(month)))

    def has_account(p):
        account = facts.accounts.get(p["project_code"])
        return account is not None and account["opened_on"] <= month_end

    def has_deposit(p):
        lodged = sum(d["amount_fen"] for d in facts.deposits.get(p["project_code"], ()) if d["paid_on"] <= month_end)
        return lodged > 0 or rules.deposit_required_fen(p) == 0

    return {
        "workers_enrolled": None if enrolled is None else (lambda p: enrolled.get(p["project_code"], 0) > 0),
        "dedicated_account": has_account,
        "wage_deposit": has_deposit,
        # payroll.paid is the bank's payout result (总包代发), so a sheet paid from a
        # dedicated account on record is a month paid through the account.
        "paid_through_account": lambda p: sheet(p) is not None and p["project_code"] in facts.accounts,
        "paid_in_full": lambda p: sheet(p) is not None and sheet(p)["workers_short"] == 0,
    }


def _figure(key: str, label: str, projects: list[dict], check) -> dict:
    if check is None:
        return {"system": key, "label": label, "projects": None, "of": len(projects), "share": None}
    count = sum(1 for p in projects if check(p))
    share = round(count / len(projects), 4) if projects else None
    return {"system": key, "label": label, "projects": count, "of": len(projects), "share": share}


def _alert_counts(alerts: list[dict]) -> dict:
    """Open alerts by type and colour (all months: the state now, not as of the month)."""
    by_type: dict[str, Counter] = defaultdict(Counter)
    for alert in alerts:
        by_type[alert["type"]][alert["severity"]] += 1
    return {"by_type": {t: {s: counts[s] for s in SEVERITIES if counts[s]} for t, counts in sorted(by_type.items())},
            "total": len(alerts)}
