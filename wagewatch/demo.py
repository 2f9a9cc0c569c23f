"""``wagewatch demo``: a small seeded month pushed through the public contract.

Two counties of Changsha, water and housing projects, each with three enrolled workers
clocking in every day, a dedicated account, monthly labour cost and a wage deposit (but
one project that lodged no deposit), three months of payroll with one month missing on one
(state-owned) project and one worker left unpaid on another, one clock-in by someone never
enrolled, and one bad message. The demo publishes it all as the counties would, runs the
sweep and prints what each department's desk received.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shared.calendar import Month
from shared.contract.alerts import DEPARTMENTS
from shared.contract.client import CountyClient, Listener, envelope, receipts_listener
from shared.contract.messages import DEFAULT_PAY_DAY
from shared.contract.topology import alert_binding, alerts_exchange
from testkit.province import builders as build
from testkit.synthetic import BIRTHPLACES, resident_id

COUNTIES = {"430102": "芙蓉区", "430121": "长沙县"}
#            code,               county,   sector,    funding,      name,      workers paid last month, deposit
PROJECTS = [("430102-DEMO-W01", "430102", "water", "government", "浏阳河堤防加固工程", 3, True),
            ("430102-DEMO-H01", "430102", "housing", "private", "芙蓉区安置房二期", 2, False),
            ("430121-DEMO-H01", "430121", "housing", "soe", "长沙县保障性住房", 0, True),
            ("430121-DEMO-W01", "430121", "water", "government", "长沙县灌区改造", 3, True)]
WORKERS = ("张建军", "李国强", "王小明")
STRANGER_ON = "430121-DEMO-W01"   # someone never enrolled clocks in at this gate
CONTRACT_AMOUNT = 12_500_000.00
MONTHLY_LABOUR_COST = 30_000.00   # covers the 20,400 yuan payroll with some to spare


def demo_month(as_of: date) -> Month:
    """The latest month whose wages were due (default pay day) before ``as_of``."""
    month = Month.of(as_of).shift(-1)
    return month if month.shift(1).day(DEFAULT_PAY_DAY) < as_of else month.shift(-1)


@dataclass
class Scenario:
    month: Month
    messages: list[dict] = field(default_factory=list)
    expected_alerts: list[tuple[str, str, str, str]] = field(default_factory=list)  # dept, division, type, project


def scenario(as_of: date) -> Scenario:
    month = demo_month(as_of)
    plan = Scenario(month)
    for number, (code, county, sector, funding, name, paid_last, lodges_deposit) in enumerate(PROJECTS):
        plan.messages.append(envelope(f"demo-{code}-project", "project.upsert", county,
                                      _project(code, county, sector, funding, name, month, number)))
        plan.messages.extend(_money(code, county, month, number, lodges_deposit))
        if not lodges_deposit:
            plan.expected_alerts += [("hrss", county, "DEPOSIT_MISSING", code), (sector, county, "DEPOSIT_MISSING", code)]
        plan.messages.append(envelope(f"demo-{code}-enrol", "worker.enrol", county,
                                      {"records": _enrolments(code, county, month, number)}))
        plan.messages.append(envelope(f"demo-{code}-gate-{month}", "attendance.batch", county,
                                      {"records": _clock_ins(code, month, as_of, number)}))
        for back in (2, 1, 0):
            paid = month.shift(-back)
            workers = 3 if back else paid_last
            if workers == 0:
                plan.expected_alerts.append((sector, county, "PAYROLL_MISSING", code))
                if funding != "private":
                    plan.expected_alerts.append(("development", county, "PAYROLL_MISSING", code))
                continue
            if workers < 3:
                plan.expected_alerts.append(("hrss", county, "WORKER_UNPAID", code))
            plan.messages.append(envelope(f"demo-{code}-payroll-{paid}", "payroll.paid", county,
                                          _payroll(code, county, paid, number, workers)))
    bad = _project("430121-DEMO-X01", "430121", "water", "private", "校验位错误的项目", month, 9)
    bad["general_contractor"]["uscc"] = bad["general_contractor"]["uscc"][:-1] + "0"  # wrong check character
    plan.messages.append(envelope("demo-430121-bad-check-character", "project.upsert", "430121", bad))
    return plan


def _project(code, county, sector, funding, name, month: Month, number: int) -> dict:
    return build.project(code, county, name, sector, funding,
                         owner=build.party(f"{name}建设单位", build.company_code(county, 100 + number)),
                         contractor=build.party("湘建工程有限公司", build.company_code(county, 200 + number)),
                         contract_amount=CONTRACT_AMOUNT, start_date=month.shift(-2).first_day,
                         planned_end_date=month.shift(12).last_day)


def _worker_id(number: int, i: int) -> str:
    return resident_id(BIRTHPLACES[i % 2], date(1975 + i, 1 + i, 10 + i), number * 10 + i)


def _enrolments(code, county, month: Month, number: int) -> list[dict]:
    return [build.enrolment(code, _worker_id(number, i), WORKERS[i], build.company_code(county, 200 + number),
                            month.shift(-2).first_day, team="土建一班", phone_number=f"1390731{number:02d}{i:02d}")
            for i in range(3)]


def _clock_ins(code, month: Month, as_of: date, number: int) -> list[dict]:
    """Every worker in the morning and the evening, from the month's first day to the day
    before ``as_of``."""
    days = [month.first_day + timedelta(days=n) for n in range((as_of - month.first_day).days)]
    records = [build.clock_in(code, _worker_id(number, i), build.at(day, *hour))
               for day in days for i in range(3) for hour in ((7, 30), (17, 40))]
    if code == STRANGER_ON:
        records.append(build.clock_in(code, _worker_id(99, 0), build.at(days[-1], 7, 35)))
    return records


def _money(code, county, month: Month, number: int, lodges_deposit: bool) -> list[dict]:
    """The dedicated account, a month's labour cost for each month, and the 2% deposit."""
    start = month.shift(-2).first_day
    messages = [envelope(f"demo-{code}-account", "account.opened", county, build.account(
        code, "长沙银行", f"621700380000{number:04d}", start.replace(day=5)))]
    messages += [envelope(f"demo-{code}-labour-{m}", "allocation.received", county, build.allocation(
        code, m, MONTHLY_LABOUR_COST, m.day(25))) for m in (month.shift(-2), month.shift(-1), month)]
    if lodges_deposit:
        messages.append(envelope(f"demo-{code}-deposit", "deposit.paid", county, build.deposit(
            code, CONTRACT_AMOUNT * 0.02, start.replace(day=10))))
    return messages


def _payroll(code, county, month: Month, number: int, workers: int = 3) -> dict:
    lines = [build.payroll_line(_worker_id(number, i), 6800.00) for i in range(workers)]
    return build.payroll(code, month, month.shift(1).day(10), lines)


def run_demo(config: dict, as_of: date, say=print) -> dict:
    """Publish the scenario, sweep, and report what each desk received."""
    from wagewatch.sweep import format_outcome, run_sweep

    started = time.monotonic()
    uri = config["AMQP_URI"]
    plan = scenario(as_of)
    desks = Listener(uri, alerts_exchange, [alert_binding(division=county) for county in COUNTIES])
    receipts = receipts_listener(uri, *COUNTIES)
    say(f"[2/4] listening as the {len(DEPARTMENTS)} department desks of {', '.join(COUNTIES)}, and for receipts")
    client = CountyClient(uri)
    for env in plan.messages:
        client.publish(env)
    client.close()
    answered = receipts.wait_for(len(plan.messages), timeout=60)
    statuses = Counter(r["body"]["status"] for r in answered)
    say(f"[3/4] published {len(plan.messages)} messages for {plan.month}; receipts: "
        + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    for receipt in answered:
        body = receipt["body"]
        if body["status"] == "rejected":
            say(f"      rejected {body['message_id']}: {body['errors']}")
        if body["status"] == "partial":
            say(f"      partial  {body['message_id']}: {body['records']['accepted']} accepted, refused "
                + "; ".join(f"#{r['index']} {r['errors']}" for r in body["records"]["rejected"]))
    outcomes = run_sweep(config, as_of.isoformat(), force=True)   # the scenario's date, even after a daily sweep
    say(f"[4/4] sweep as of {as_of}:\n" + format_outcome(outcomes))
    received: dict[tuple[str, str], list[dict[str, Any]]] = {(dept, county): [] for dept in DEPARTMENTS for county in COUNTIES}
    for message in desks.drain(1.0):
        received[(message["body"]["department"], message["body"]["division"])].append(message["body"])
    desks.close()
    receipts.close()
    _report(received, say)
    elapsed = time.monotonic() - started
    total = sum(len(v) for v in received.values())
    say(f"summary: {len(plan.messages)} messages, {len(answered)} receipts, {total} alert message(s) "
        f"to {sum(1 for v in received.values() if v)} desk(s), in {elapsed:.1f}s")
    return {"receipts": statuses, "received": received, "plan": plan, "elapsed": elapsed}


def _report(received: dict, say) -> None:
    from wagewatch.tail import format_alert

    say("what each department desk received:")
    for (dept, county), alerts in sorted(received.items()):
        label = f"  {dept}@{county} ({DEPARTMENTS[dept].split(' ')[0]}, {COUNTIES[county]})"
        if not alerts:
            say(f"{label}: nothing")
        for alert in alerts:
            say(f"{label}: {format_alert(alert)}")
