"""Builders for single contract payloads, valid by construction (the load tests use them to
make realistic messages one at a time), and the synthetic identities they carry.

Identity numbers are made from an index, so a province of any size never repeats one and
never needs to remember them: worker ``n`` of the province always has the same ID number.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from shared.calendar import SHANGHAI, Month
from testkit.synthetic import BIRTHPLACES, credit_code, phone, resident_id

# Resident ID numbers: two birthplaces x 1000 sequence numbers per birth date, over birth
# dates from 1960 to 2000 (the years BIRTHPLACES are valid for): ~30 million distinct numbers.
_FIRST_BIRTH = date(1960, 1, 1)
_BIRTH_DAYS = (date(2000, 12, 31) - _FIRST_BIRTH).days + 1   # 14,975 days
_SCATTER = 7919  # a prime not dividing _BIRTH_DAYS: spreads consecutive workers' birth dates
ID_CAPACITY = len(BIRTHPLACES) * 1000 * _BIRTH_DAYS
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "建国军华明强伟平志勇海林春山德福宏文斌涛辉刚超"
TRADES = ("mason", "rebar_worker", "carpenter", "concrete_worker", "scaffolder", "electrician", "welder", "labourer")


def resident_number(n: int) -> str:
    """The ``n``-th synthetic resident ID number (0 <= n < ID_CAPACITY), distinct for each n."""
    if not 0 <= n < ID_CAPACITY:
        raise ValueError(f"Identity index out of range: {n} (capacity {ID_CAPACITY}).")
    birthplace, rest = BIRTHPLACES[n % len(BIRTHPLACES)], n // len(BIRTHPLACES)
    birth = _FIRST_BIRTH + timedelta(days=(rest // 1000) * _SCATTER % _BIRTH_DAYS)
    return resident_id(birthplace, birth, rest % 1000)


def stranger_number(k: int) -> str:
    """The ``k``-th ID number of someone never enrolled anywhere (counted down from the
    top of the index range, so it never meets a worker's)."""
    return resident_number(ID_CAPACITY - 1 - k)


def person_name(n: int) -> str:
    return _SURNAMES[n % len(_SURNAMES)] + _GIVEN[n // len(_SURNAMES) % len(_GIVEN)] + \
        _GIVEN[n // 7 % len(_GIVEN)]


def company_code(division: str, n: int) -> str:
    """A unified social credit code for the ``n``-th company registered in ``division``."""
    return credit_code(division, n)


def yuan(amount) -> float:
    """Money on the wire: a number in yuan with at most 2 decimals."""
    return round(float(amount), 2)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> str:
    """A timestamp on ``day`` in Asia/Shanghai, ISO 8601 with its offset."""
    return datetime.combine(day, time(hour, minute, second), SHANGHAI).isoformat()


def project(code: str, county: str, name: str, sector: str, funding: str, *, owner: dict, contractor: dict,
            contract_amount, start_date: date, planned_end_date: date, status: str = "under_construction",
            pay_day: int | None = None, terms: dict | None = None) -> dict:
    """A project.upsert payload; ``terms``: contract 1.1's fields (project_terms builds them)."""
    payload = {"project_code": code, "name": name, "division": county, "sector": sector, "funding": funding,
               "owner": owner, "general_contractor": contractor, "contract_amount": yuan(contract_amount),
               "start_date": start_date.isoformat(), "planned_end_date": planned_end_date.isoformat(),
               "status": status}
    if pay_day is not None:
        payload["pay_day"] = pay_day
    return {**payload, **(terms or {})}


def project_terms(start_date: date, labour_cost_monthly, contract_amount, officer_name: str, officer_phone: str, *,
                  guarantee: bool = True, permit: str | None = None, officer: bool = True,
                  signboard: bool = True) -> dict:
    """Contract 1.1's terms of a project that has everything in place (unless told)."""
    terms = {"contract_signed_on": (start_date - timedelta(days=20)).isoformat(),
             "labour_cost": {"monthly_amount": yuan(labour_cost_monthly)}}
    if guarantee:
        terms["payment_guarantee"] = {"form": "bank_guarantee", "amount": yuan(contract_amount * 0.1),
                                      "issued_on": (start_date - timedelta(days=15)).isoformat()}
    if permit:
        terms["construction_permit"] = {"number": permit, "issued_on": (start_date - timedelta(days=10)).isoformat()}
    if officer:
        terms["wage_officer"] = {"name": officer_name, "phone": officer_phone}
    if signboard:
        terms["signboard_posted_on"] = (start_date + timedelta(days=3)).isoformat()
    return terms


def party(name: str, uscc: str) -> dict:
    return {"name": name, "uscc": uscc}


def enrolment(project_code: str, id_number: str, name: str, employer_uscc: str, entry_date: date, *,
              trade: str = "mason", team: str | None = None, phone_number: str | None = None,
              contract_signed: bool = True) -> dict:
    record = {"project_code": project_code, "id_number": id_number, "name": name, "employer_uscc": employer_uscc,
              "trade": trade, "contract_signed": contract_signed, "entry_date": entry_date.isoformat()}
    if team:
        record["team"] = team
    if phone_number:
        record["phone"] = phone_number
    return record


def worker_phone(n: int) -> str:
    return phone(n)


def clock_in(project_code: str, id_number: str, moment: str) -> dict:
    return {"project_code": project_code, "id_number": id_number, "at": moment}


def exit_record(project_code: str, id_number: str, exit_date: date) -> dict:
    return {"project_code": project_code, "id_number": id_number, "exit_date": exit_date.isoformat()}


def payroll_line(id_number: str, amount_due, amount_paid=None) -> dict:
    return {"id_number": id_number, "amount_due": yuan(amount_due),
            "amount_paid": yuan(amount_due if amount_paid is None else amount_paid)}


def payroll(project_code: str, month: Month, paid_on: date, lines: list[dict]) -> dict:
    return {"project_code": project_code, "month": str(month), "paid_on": paid_on.isoformat(), "lines": lines}


def account(project_code: str, bank: str, account_no: str, opened_on: date) -> dict:
    return {"project_code": project_code, "bank": bank, "account_no": account_no, "opened_on": opened_on.isoformat()}


def allocation(project_code: str, month: Month, amount, received_on: date) -> dict:
    return {"project_code": project_code, "month": str(month), "amount": yuan(amount),
            "received_on": received_on.isoformat()}


def deposit(project_code: str, amount, paid_on: date, form: str = "bank_guarantee") -> dict:
    return {"project_code": project_code, "amount": yuan(amount), "paid_on": paid_on.isoformat(), "form": form}
