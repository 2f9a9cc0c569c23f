"""BELOW_MINIMUM_WAGE (contract 1.1) through the public contract: a worker who clocked in on
every working day of October was paid less than the county's monthly minimum wage."""
from __future__ import annotations

import pytest

from shared.contract.alerts import AlertSchema
from shared.pii import mask_id_number
from tests.factories import COUNTY, enrolment, message, money_in_place, month_of_clock_ins, payroll, project, worker_id
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
CODE = f"{COUNTY}-2026-0001"


def test_a_full_month_paid_below_the_minimum_wage_reaches_hrss_and_the_sector_orange(platform, county, listen, config):
    water = listen("alerts", department="water", division=COUNTY)
    hrss = listen("alerts", department="hrss", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    lines = [{"id_number": worker_id(1), "amount_due": 7200.00, "amount_paid": 7200.00},
             {"id_number": worker_id(2), "amount_due": 1500.00, "amount_paid": 1500.00}]   # 芙蓉区: 1,930 a month
    envelopes = [message("project.upsert", project(sector="water", start_date="2026-10-01")),
                 message("worker.enrol", {"records": [enrolment(1), enrolment(2)]}),
                 message("attendance.batch", {"records": month_of_clock_ins([1, 2], "2026-10", range(1, 32))}),
                 message("attendance.batch", {"records": month_of_clock_ins([1, 2], "2026-11", range(1, 20))}),
                 message("payroll.paid", payroll("2026-10", lines=lines)),
                 *money_in_place(["2026-10", "2026-11"])]
    before = len(receipts.messages)
    for envelope in envelopes:
        county.publish(envelope)
    answered = receipts.wait_for(before + len(envelopes))[before:]
    assert [r["body"]["status"] for r in answered] == ["accepted"] * len(envelopes)

    run_sweep(config, "2026-11-20")

    [alert] = [m["body"] for m in water.wait_for(1)]
    assert AlertSchema().validate(alert) == {}
    assert (alert["type"], alert["severity"], alert["project_code"], alert["month"]) == (
        "BELOW_MINIMUM_WAGE", "orange", CODE, "2026-10")
    details = alert["details"]
    assert (details["amount_paid_fen"], details["minimum_fen"], details["working_days"]) == (150_000, 193_000, 18)
    assert details["id_masked"] == mask_id_number(worker_id(2)) and worker_id(2) not in str(alert)
    assert [m["body"]["type"] for m in hrss.wait_for(1)] == ["BELOW_MINIMUM_WAGE"]
    assert len(water.drain(0.5)) == 1, "nothing about the worker paid 7,200"
