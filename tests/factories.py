"""Factories for contract payloads: valid by default, ``**overrides`` for the case at hand."""
from __future__ import annotations

import copy
import uuid
from datetime import date

from shared.contract.client import envelope
from shared.synthetic import BIRTHPLACES, credit_code, phone, resident_id

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


def complaint(**overrides) -> dict:
    """A complaint.filed payload: three workers of the factory project claim 15,600 yuan."""
    data = {
        "complaint_id": "TS-2026-0001",
        "channel": "hotline",
        "filed_at": "2026-09-30T10:00:00+08:00",
        "division": COUNTY,
        "project_code": f"{COUNTY}-2026-0001",
        "employer": {"name": "湖南水电建设集团有限公司", "uscc": credit_code(COUNTY, 12)},
        "complainant": {"name": "张三丰", "phone": "13912345678", "id_number": worker_id(7)},
        "workers_affected": 3,
        "amount_claimed": 15_600.00,
        "description": "八月、九月工资未发，班组长电话13912345678，身份证号" + worker_id(7) + "。",
    }
    data.update(overrides)
    return data


def enrolment(sequence: int = 1, **overrides) -> dict:
    """A worker.enrol record for ``worker_id(sequence)``."""
    data = {
        "project_code": f"{COUNTY}-2026-0001",
        "id_number": worker_id(sequence),
        "name": "李建国",
        "phone": phone(sequence),
        "employer_uscc": credit_code(COUNTY, 31),
        "team": "钢筋班",
        "trade": "rebar",
        "contract_signed": True,
        "entry_date": "2026-10-01",
    }
    data.update(overrides)
    return data


def clock_in(sequence: int = 1, at: str = "2026-10-08T07:31:00+08:00", **overrides) -> dict:
    """An attendance.batch record: ``worker_id(sequence)`` at the gate."""
    data = {"project_code": f"{COUNTY}-2026-0001", "id_number": worker_id(sequence), "at": at}
    data.update(overrides)
    return data


def month_of_clock_ins(sequences, month: str = "2026-10", days=range(1, 23)) -> list[dict]:
    """Morning and evening clock-ins on the given days of a month, for each worker."""
    return [clock_in(s, at=f"{month}-{day:02d}T{hour}+08:00")
            for s in sequences for day in days for hour in ("07:30:00", "17:45:00")]


def project_facts(version: int = 1, **overrides) -> dict:
    """A project as the projects service sends it in its events and RPC answers (JSON)."""
    import json

    from services.projects.domain import project_record
    from services.projects.views import facts
    from shared.contract.messages import ProjectSchema

    payload = project(**overrides)
    record = project_record(ProjectSchema().load(payload), payload["division"])
    return json.loads(json.dumps(facts({**record, "version": version}), default=str))


# An alert policy for the lifecycle tests (unit and integration): red repeats until
# acknowledged and inhibits a yellow twin; acknowledgement within 1 (red) or 3 (orange)
# working days.
LIFECYCLE_POLICY = """
notifications:
  - group_by: [project_code]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: {red: 3s, yellow: never}
inhibitions:
  - source: {severity: red}
    target: {severity: yellow}
    equal: [project_code, type]
acknowledgement:
  within_working_days: {red: 1, orange: 3}
"""


def alert_condition(month="2026-10", severity="red", project="P1", alert_type="PAYROLL_MISSING", **overrides):
    """A monitoring condition as a sweep reports it to the alerts service (water desk, 芙蓉区)."""
    return {"type": alert_type, "fingerprint": f"{alert_type}:{project}:{month}", "severity": severity,
            "division": "430102", "sector": "water", "funding": "private", "project_code": project,
            "month": month, "summary": f"no payroll for {month}", "details": {}, **overrides}
