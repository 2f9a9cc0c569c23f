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
    ("LABOUR_COST_NOT_ALLOCATED", "municipal", "government", ["housing", "hrss", "development"]),
    ("DEPOSIT_MISSING", "water", "soe", ["hrss", "water"]),
    ("DEPOSIT_MISSING", "energy", "private", ["hrss", "development"]),
    ("BALANCE_LOW", "railway", "private", ["hrss", "transport"]),
    ("BALANCE_LOW", "water", "soe", ["hrss", "water", "development"]),
    ("PAYROLL_MISSING", "water", "government", ["water", "development"]),
    ("PAYROLL_MISSING", "energy", "soe", ["development"]),                      # its sector's desk already
])
def test_payroll_account_alerts_reach_the_desks_domain_md_names(alert_type, sector, funding, departments):
    assert TABLE.departments(alert_type, sector, funding) == departments
