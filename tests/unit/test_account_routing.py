"""The shipped routing for the payroll-account alerts (deploy/alert-policy.yml), as DOMAIN.md
assigns them: set-up and funding rules to the regulator with HRSS copied, money at risk
to HRSS with the regulator copied, arrears on public projects also to development."""
from __future__ import annotations

import pytest

from services.alerts.policy import AlertPolicy
from wagewatch.config import load_config

TABLE = AlertPolicy.from_config(load_config()).routing


@pytest.mark.parametrize("alert_type, sector, funding, departments", [
    ("ACCOUNT_NOT_OPENED", "water", "private", ["water", "hrss"]),
    ("ACCOUNT_NOT_OPENED", "housing", "government", ["housing", "hrss"]),        # not an arrears alert
    ("LABOUR_COST_NOT_ALLOCATED", "transport", "private", ["transport", "hrss"]),
    ("LABOUR_COST_NOT_ALLOCATED", "municipal", "government", ["housing", "hrss", "development", "finance"]),
    ("DEPOSIT_MISSING", "water", "soe", ["hrss", "water"]),
    ("DEPOSIT_MISSING", "energy", "private", ["hrss", "development"]),
    ("BALANCE_LOW", "railway", "private", ["hrss", "transport"]),
    ("BALANCE_LOW", "water", "soe", ["hrss", "water", "development", "soe"]),
    ("PAYROLL_MISSING", "water", "government", ["water", "development"]),
    ("PAYROLL_MISSING", "energy", "soe", ["development", "soe"]),               # its sector's desk already
    # Contract 1.1's default desks: finance for a government project's labour cost (Art 44),
    # soe for the arrears of SOE-funded projects, development for construction without a permit.
    ("LABOUR_COST_SHORT", "water", "private", ["water", "hrss"]),
    ("LABOUR_COST_SHORT", "housing", "government", ["housing", "hrss", "finance"]),
    ("LABOUR_COST_SHORT", "transport", "soe", ["transport", "hrss", "soe"]),
    ("LABOUR_COST_NOT_ALLOCATED", "water", "soe", ["water", "hrss", "development", "soe"]),
    ("WORKER_UNPAID", "housing", "soe", ["hrss", "housing", "development", "soe"]),
    ("WORKER_UNPAID", "housing", "government", ["hrss", "housing", "development"]),
    ("PAYMENT_GUARANTEE_MISSING", "water", "government", ["water"]),
    ("NO_CONSTRUCTION_PERMIT", "housing", "private", ["housing", "development"]),
    ("NO_CONSTRUCTION_PERMIT", "energy", "soe", ["development"]),
    ("SITE_OBLIGATION_MISSING", "railway", "soe", ["transport"]),
])
def test_payroll_account_alerts_reach_the_desks_domain_md_names(alert_type, sector, funding, departments):
    assert TABLE.departments(alert_type, sector, funding) == departments
