"""The contract's terms and the site's obligations (contract 1.1): what a project must have in
place besides its wage account, judged from the project's own registration.

- ``PAYMENT_GUARANTEE_MISSING``: the owner provides the contractor with a guarantee of
  payment for the works (工程款支付担保; Regulation Art 24: "建设单位应当向施工单位提供工程款
  支付担保"). Owed while under construction.
- ``NO_CONSTRUCTION_PERMIT``: construction without a permit (施工许可证; 未批先建): the
  construction law's permit before work starts. Owed while under construction.
- ``SITE_OBLIGATION_MISSING``: the general contractor's wage officer (劳资专管员, Art 28) and
  the rights-protection signboard (维权信息告示牌, Art 34), once the start is ``after_days``
  behind (30 by default; a suspension pauses that clock as it does the account's).

A 1.0 message cannot carry these fields, so they are judged only for projects whose last
``project.upsert`` said ``schema_version`` 1.1: a county that has not moved to 1.1 sees no
new alert from them. Accounts sweeps them because it already sweeps every registered
project from its own copy of the registry, which carries these terms.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.contract.alerts import (
    NO_CONSTRUCTION_PERMIT,
    PAYMENT_GUARANTEE_MISSING,
    SEVERITIES,
    SITE_OBLIGATION_MISSING,
    YELLOW,
    fingerprint,
)
from shared.expectations import UNDER_CONSTRUCTION, setup_clock
from shared.internal import project_condition

TYPES = [PAYMENT_GUARANTEE_MISSING, NO_CONSTRUCTION_PERMIT, SITE_OBLIGATION_MISSING]
JUDGED_FROM_VERSION = "1.1"


@dataclass(frozen=True)
class TermsRules:
    """``RULES.project_terms`` in deploy/config.yml."""

    guarantee_severity: str = YELLOW
    permit_severity: str = YELLOW
    site_severity: str = YELLOW
    site_after_days: int = 30

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TermsRules:
        section = (config.get("RULES") or {}).get("project_terms") or {}
        defaults = cls()
        rules = cls(guarantee_severity=section.get("payment_guarantee_severity", defaults.guarantee_severity),
                    permit_severity=section.get("construction_permit_severity", defaults.permit_severity),
                    site_severity=section.get("site_obligation_severity", defaults.site_severity),
                    site_after_days=int(section.get("site_obligation_after_days", defaults.site_after_days)))
        for severity in (rules.guarantee_severity, rules.permit_severity, rules.site_severity):
            if severity not in SEVERITIES:
                raise ValueError(f"RULES.project_terms: unknown severity {severity!r}; use one of {SEVERITIES}.")
        return rules


def judged(project: dict[str, Any]) -> bool:
    """Only projects whose last upsert said 1.1 are judged on these terms."""
    return project.get("schema_version") == JUDGED_FROM_VERSION


def _building(project: dict[str, Any], as_of: date) -> bool:
    ended = project["actual_end_date"]
    return project["status"] == UNDER_CONSTRUCTION and (ended is None or as_of <= ended)


def payment_guarantee_missing(project: dict[str, Any], as_of: date, rules: TermsRules) -> list[dict[str, Any]]:
    if not judged(project) or not _building(project, as_of) or project.get("payment_guarantee"):
        return []
    summary = (f"未提供工程款支付担保 Project {project['project_code']} ({project['name']}) is under "
               f"construction with no payment guarantee from its owner.")
    return [_condition(project, PAYMENT_GUARANTEE_MISSING, rules.guarantee_severity, summary, as_of, {})]


def no_construction_permit(project: dict[str, Any], as_of: date, rules: TermsRules) -> list[dict[str, Any]]:
    if not judged(project) or not _building(project, as_of) or project.get("construction_permit"):
        return []
    summary = (f"未取得施工许可证 Project {project['project_code']} ({project['name']}) is under "
               f"construction without a construction permit (未批先建).")
    return [_condition(project, NO_CONSTRUCTION_PERMIT, rules.permit_severity, summary, as_of, {})]


def site_obligation_missing(project: dict[str, Any], as_of: date, rules: TermsRules) -> list[dict[str, Any]]:
    if not judged(project):
        return []
    missing = [name for name, field in (("wage_officer", "wage_officer"), ("signboard", "signboard_posted_on"))
               if not project.get(field)]
    clock = setup_clock(project, project["start_date"], rules.site_after_days, as_of) if missing else None
    if clock is None or (as_of - clock).days <= rules.site_after_days:
        return []
    words = {"wage_officer": "no wage officer (劳资专管员)", "signboard": "no signboard (维权信息告示牌)"}
    days = (as_of - clock).days
    summary = (f"现场管理制度未落实 Project {project['project_code']} ({project['name']}) has "
               f"{' and '.join(words[m] for m in missing)} {days} days after {clock.isoformat()}.")
    return [_condition(project, SITE_OBLIGATION_MISSING, rules.site_severity, summary, as_of,
                       {"missing": missing, "days_since_start": days, "due_within_days": rules.site_after_days})]


RULES = (payment_guarantee_missing, no_construction_permit, site_obligation_missing)


def evaluate(project: dict[str, Any], as_of: date, rules: TermsRules) -> list[dict[str, Any]]:
    return [condition for rule in RULES for condition in rule(project, as_of, rules)]


def _condition(project: dict[str, Any], alert_type: str, severity: str, summary: str, as_of: date,
               details: dict[str, Any]) -> dict[str, Any]:
    return project_condition(project, alert_type, fingerprint(alert_type, project["project_code"]), severity,
                             summary, details={**details, "as_of": as_of.isoformat(), "project_name": project["name"]})
