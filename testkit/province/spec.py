"""What a seeded province looks like: its size, its date, and the violations planted in it.

The seeded month is the latest month whose wages fell due (pay day of the next month)
before ``as_of``. Every project started two months earlier, so three months are owed:
payroll, labour cost and the set-up duties are all checked by the sweep as of ``as_of``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.calendar import Month
from shared.contract.messages import DEFAULT_PAY_DAY
from shared.expectations import last_month_due

# The kinds of violation a project can be given (one each), and what the platform's rules
# make of them (see expected.py).
PAYROLL_MISSING = "payroll_missing"            # no payroll sheet for the seeded month
WORKER_UNPAID = "worker_unpaid"                # one worker who clocked in is left off the sheet
WAGES_SHORT = "wages_short"                    # one line paid less than due
PAYEE_NOT_ENROLLED = "payee_not_enrolled"      # one line pays someone never enrolled
NO_ACCOUNT = "no_account"                      # no dedicated wage account (nor labour cost credited)
NO_ALLOCATION = "no_allocation"                # no labour cost for the seeded month
NO_DEPOSIT = "no_deposit"                      # no wage deposit lodged
DEPOSIT_SHORT = "deposit_short"                # a deposit below the required share
NO_ATTENDANCE = "no_attendance"                # the gate falls silent after the seeded month
UNREGISTERED_CLOCK_IN = "unregistered_clock_in"  # someone never enrolled clocks in (partial receipt)
BELOW_MINIMUM_WAGE = "below_minimum_wage"      # one worker who clocked in all month is paid 1,500 yuan
# Contract 1.1 (every seeded project says 1.1 and carries its terms, each of these takes one away):
LABOUR_COST_SHORT = "labour_cost_short"        # the seeded month's labour cost half the agreed amount
NO_PAYMENT_GUARANTEE = "no_payment_guarantee"  # no 工程款支付担保
NO_CONSTRUCTION_PERMIT = "no_construction_permit"  # no 施工许可证
NO_WAGE_OFFICER = "no_wage_officer"            # no 劳资专管员 (the signboard is up)
VIOLATIONS = (PAYROLL_MISSING, WORKER_UNPAID, WAGES_SHORT, PAYEE_NOT_ENROLLED, NO_ACCOUNT, NO_ALLOCATION,
              NO_DEPOSIT, DEPOSIT_SHORT, NO_ATTENDANCE, UNREGISTERED_CLOCK_IN, BELOW_MINIMUM_WAGE,
              LABOUR_COST_SHORT, NO_PAYMENT_GUARANTEE, NO_CONSTRUCTION_PERMIT, NO_WAGE_OFFICER)

MONTHS_OWED = 3  # the seeded month and the two before it


@dataclass(frozen=True)
class ProvinceSpec:
    as_of: date                      # the sweep date; the seeded month is the latest whose pay day is before it
    counties: int = 4                # real Hunan county division codes, in a fixed order
    projects_per_county: int = 5
    workers_per_project: int = 6
    violation_share: float = 0.2     # share of projects given one violation each
    seed: int = 7                    # same spec -> same province, byte for byte
    every_violation: bool = False    # plant each kind at least once (when there are enough projects)
    violations: tuple[str, ...] = VIOLATIONS   # the kinds to plant

    def __post_init__(self):
        unknown = set(self.violations) - set(VIOLATIONS)
        if unknown:
            raise ValueError(f"Unknown violation kind(s): {', '.join(sorted(unknown))}; use {', '.join(VIOLATIONS)}.")
        if not 0 <= self.violation_share <= 1:
            raise ValueError("violation_share must be between 0 and 1.")
        if self.counties < 1 or self.projects_per_county < 1 or self.workers_per_project < 1:
            raise ValueError("counties, projects_per_county and workers_per_project must be at least 1.")

    @property
    def month(self) -> Month:
        """The seeded month: the latest whose wages fell due before ``as_of``."""
        return last_month_due({"pay_day": DEFAULT_PAY_DAY}, self.as_of)

    @property
    def projects(self) -> int:
        return self.counties * self.projects_per_county

    @property
    def workers(self) -> int:
        return self.projects * self.workers_per_project

    @property
    def violating_projects(self) -> int:
        """How many projects get a violation: the share, rounded (at least one of each
        kind with ``every_violation``, as far as there are projects)."""
        count = round(self.violation_share * self.projects)
        if self.every_violation and self.violations:
            count = max(count, len(self.violations))
        return min(count, self.projects) if self.violations else 0
