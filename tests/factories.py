"""Factories for contract payloads: valid by default, ``**overrides`` for the case at hand."""
from __future__ import annotations

import copy
import uuid
from datetime import date

from shared.contract.client import envelope
from shared.synthetic import BIRTHPLACES, credit_code, resident_id

COUNTY = "430102"       # 芙蓉区, Changsha
OTHER_COUNTY = "430121"  # 长沙县


def worker_id(sequence: int = 1) -> str:
    return resident_id(BIRTHPLACES[sequence % 2], date(1978, 1 + sequence % 12, 1 + sequence % 28), sequence)


def project(**overrides) -> dict:
    county = overrides.get("division", COUNTY)
    data = {
        "project_code": f"{county}-2026-0001",
        "name": "湘江防洪堤加固工程",
        "division": county,
        "sector": "water",
        "funding": "government",
        "owner": {"name": "长沙市水利建设投资有限公司", "uscc": credit_code(county, 11)},
        "general_contractor": {"name": "湖南水电建设集团有限公司", "uscc": credit_code(county, 12)},
        "contract_amount": 48_000_000.00,
        "start_date": "2026-08-01",
        "planned_end_date": "2027-12-31",
        "status": "under_construction",
    }
    data.update(overrides)
    return data


def payroll(month: str = "2026-08", workers: int = 2, **overrides) -> dict:
    data = {
        "project_code": f"{COUNTY}-2026-0001",
        "month": month,
        "paid_on": f"{month}-28",
        "lines": [{"id_number": worker_id(i), "amount_due": 7200.00, "amount_paid": 7200.00}
                  for i in range(1, workers + 1)],
    }
    data.update(overrides)
    return data


def account_opened(**overrides) -> dict:
    data = {"project_code": f"{COUNTY}-2026-0001", "bank": "长沙银行芙蓉支行", "account_no": "6217003810012345678",
            "opened_on": "2026-08-05"}
    data.update(overrides)
    return data


def allocation(month: str = "2026-08", amount: float = 20_000.00, **overrides) -> dict:
    data = {"project_code": f"{COUNTY}-2026-0001", "month": month, "amount": amount, "received_on": f"{month}-25"}
    data.update(overrides)
    return data


def deposit(amount: float = 960_000.00, **overrides) -> dict:
    """By default 2% of the default project's contract amount: all that is owed."""
    data = {"project_code": f"{COUNTY}-2026-0001", "amount": amount, "paid_on": "2026-08-10",
            "form": "bank_guarantee"}
    data.update(overrides)
    return data


def money_in_place(months: list[str], county: str = COUNTY, **overrides) -> list[dict]:
    """Messages that put a project's dedicated account, deposit and monthly labour cost in
    place, so that only what a test is about raises an alert."""
    return ([message("account.opened", account_opened(**overrides), county),
             message("deposit.paid", deposit(**overrides), county)]
            + [message("allocation.received", allocation(m, **overrides), county) for m in months])


def message(message_type: str, payload: dict, county: str = COUNTY, message_id: str | None = None,
            **overrides) -> dict:
    env = envelope(message_id or f"{county}-{uuid.uuid4().hex[:16]}", message_type, county,
                   copy.deepcopy(payload))
    env.update(overrides)
    return env
