"""The alerts a seeded province must raise: what each planted violation makes the platform's
rules report after a sweep as of ``as_of``, routed to department desks.

Which alert types a violation causes mirrors the rules (services/*/domain.py,
services/workers/reconciliation.py and site_rules.py); who receives them is not
duplicated here: a routing function is passed in, by default the alert policy's own
routing table (deploy/alert-policy.yml, read by services/alerts/policy.py, which is plain
Python and YAML). A healthy project raises nothing.

Severity, p1 and escalation to the city or province are not part of the expectation:
the default policy routes on type, sector and funding only, and nothing the sweep raises
is overdue for acknowledgement on the day it is raised.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.contract import alerts as a
from testkit.province import spec as kinds

if TYPE_CHECKING:
    from testkit.province.generator import Province, SeedProject

# Violation -> alert types for the seeded month (``per_worker``: once per worker who
# clocked in that month; the sweep finds no one paid for them).
ALERTS_OF: dict[str | None, tuple[str, ...]] = {
    kinds.PAYROLL_MISSING: (a.PAYROLL_MISSING, a.HEADCOUNT_MISMATCH),
    kinds.WORKER_UNPAID: (a.WORKER_UNPAID, a.HEADCOUNT_MISMATCH),
    kinds.WAGES_SHORT: (a.WAGES_SHORT,),
    kinds.PAYEE_NOT_ENROLLED: (a.PAYEE_NOT_ENROLLED,),
    kinds.NO_ACCOUNT: (a.ACCOUNT_NOT_OPENED,),      # LABOUR_COST_NOT_ALLOCATED is held back without an account
    kinds.NO_ALLOCATION: (a.LABOUR_COST_NOT_ALLOCATED,),
    kinds.NO_DEPOSIT: (a.DEPOSIT_MISSING,),
    kinds.DEPOSIT_SHORT: (a.DEPOSIT_MISSING,),
    kinds.NO_ATTENDANCE: (a.NO_ATTENDANCE,),
    kinds.UNREGISTERED_CLOCK_IN: (a.ATTENDANCE_UNREGISTERED,),
    kinds.LABOUR_COST_SHORT: (a.LABOUR_COST_SHORT,),
    kinds.NO_PAYMENT_GUARANTEE: (a.PAYMENT_GUARANTEE_MISSING,),
    kinds.NO_CONSTRUCTION_PERMIT: (a.NO_CONSTRUCTION_PERMIT,),
    kinds.NO_WAGE_OFFICER: (a.SITE_OBLIGATION_MISSING,),
    kinds.BELOW_MINIMUM_WAGE: (a.BELOW_MINIMUM_WAGE,),    # below every class's minimum, in every county
}
Departments = Callable[..., list]   # departments(alert_type, sector, funding) -> [department, ...]


def alert_types(project: SeedProject, workers: int) -> Counter:
    """alert type -> how many alerts of it the project's violation raises."""
    found = Counter(ALERTS_OF.get(project.violation, ()))
    if project.violation == kinds.PAYROLL_MISSING:
        found[a.WORKER_UNPAID] += workers     # everyone who clocked in went unpaid
    return found


def expected_alerts(province: Province, departments: Departments) -> Counter:
    """(department, division, type, project_code) -> count, for the whole province."""
    expected: Counter = Counter()
    for project in province.projects:
        for alert_type, count in alert_types(project, province.spec.workers_per_project).items():
            for department in departments(alert_type, project.sector, project.funding):
                expected[(department, project.county, alert_type, project.code)] += count
    return expected


def default_routing(policy_file=None) -> Departments:
    """The routing table of an alert policy file (default: the one the platform runs with,
    deploy/alert-policy.yml); pass ``policy_path(config)`` for a platform's own."""
    # Imported here: the policy module is plain Python and YAML (no nameko), but only
    # callers that want expectations need it.
    from services.alerts.policy import DEFAULT_POLICY, AlertPolicy

    table = AlertPolicy.from_file(policy_file or DEFAULT_POLICY).routing
    return lambda alert_type, sector, funding: table.departments(alert_type, sector, funding)
