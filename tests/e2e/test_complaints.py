"""Complaints through the public contract, and the desk's commands as operators run them."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shared.contract.alerts import AlertSchema
from tests.factories import COUNTY, complaint, message, project
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
CASE = f"{COUNTY}/TS-2026-0001"
PHONE = complaint()["complainant"]["phone"]
WAGEWATCH = str(Path(sys.executable).parent / "wagewatch")


def publish_and_confirm(county, receipts, *envelopes, status="accepted"):
    before = len(receipts.messages)
    for env in envelopes:
        county.publish(env)
    answered = receipts.wait_for(before + len(envelopes))[before:]
    assert [r["body"]["status"] for r in answered] == [status] * len(envelopes), answered
    return answered


def test_a_complaint_reaches_its_county_hrss_desk_masked_and_escalates_to_the_city_when_left(
        platform, county, listen, config):
    hrss = listen("alerts", department="hrss", division=COUNTY)
    city = listen("alerts", department="hrss", division="430100")
    receipts = listen("receipts", COUNTY)
    publish_and_confirm(county, receipts, message("project.upsert", project(sector="water")),
                        message("complaint.filed", complaint()))      # filed 30 Sep, to accept by 13 Oct

    [filed] = hrss.wait_for(1)
    assert filed["routing_key"] == f"alert.hrss.{COUNTY}.orange"
    alert = filed["body"]
    assert AlertSchema().validate(alert) == {}
    assert (alert["type"], alert["level"], alert["project_code"]) == ("COMPLAINT_FILED", "county", f"{COUNTY}-2026-0001")
    assert alert["details"]["complainant"]["phone"] == "139****5678"
    assert PHONE not in json.dumps(alert, ensure_ascii=False)

    outcomes = {o["source"]: o for o in run_sweep(config, "2026-10-14")}
    assert [a["type"] for a in outcomes["complaints"]["raised"]] == ["COMPLAINT_OVERDUE"]
    [overdue] = city.wait_for(1)
    assert overdue["routing_key"] == "alert.hrss.430100.red"
    assert (overdue["body"]["type"], overdue["body"]["level"], overdue["body"]["division"]) == (
        "COMPLAINT_OVERDUE", "city", "430100")
    assert PHONE not in json.dumps(overdue["body"], ensure_ascii=False)


def test_the_same_complaint_sent_again_opens_no_second_case(platform, county, listen):
    hrss = listen("alerts", department="hrss", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    first = message("complaint.filed", complaint())
    publish_and_confirm(county, receipts, first)
    publish_and_confirm(county, receipts, first, status="duplicate")                   # same message_id
    publish_and_confirm(county, receipts, message("complaint.filed", complaint()))     # new message_id
    assert len(hrss.wait_for(2, timeout=3)) == 1


def test_a_complaint_with_a_bad_phone_is_rejected_naming_the_field(platform, county, listen):
    receipts = listen("receipts", COUNTY)
    bad = complaint(complainant={"name": "李四", "phone": "12345"})
    [receipt] = publish_and_confirm(county, receipts, message("complaint.filed", bad), status="rejected")
    assert receipt["body"]["errors"] == {"payload.complainant.phone": ["Must be an 11-digit mainland mobile number."]}


def wagewatch(config, *args):
    env = {**os.environ, "AMQP_URI": config["AMQP_URI"], "PII_HASH_KEY": "cli-test-key",
           "WAGEWATCH_OPERATOR": "芙蓉区劳动监察 王"}
    return subprocess.run([WAGEWATCH, *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_desk_works_a_case_and_reads_the_figures_from_the_command_line(platform, county, listen, config):
    publish_and_confirm(county, listen("receipts", COUNTY), message("complaint.filed", complaint()))

    listing = wagewatch(config, "complaints", "list", "--division", "430100")
    assert listing.returncode == 0, listing.stderr
    assert re.search(rf"{CASE}\s+2026-09-30\s+received\s+hrss@{COUNTY}", listing.stdout)

    refused = wagewatch(config, "complaints", "close", CASE)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (f"error: Cannot close case {CASE}: it is received; close applies only to a "
                                      "case that is resolved.")

    accepted = wagewatch(config, "complaints", "accept", CASE, "--on", "2026-10-09")
    assert accepted.returncode == 0, accepted.stderr
    assert f"accept: case {CASE} is now accepted at hrss@{COUNTY}" in accepted.stdout
    resolved = wagewatch(config, "complaints", "resolve", CASE, "--on", "2026-10-20", "--outcome", "paid_in_full",
                         "--recovered", "15600.50", "--workers-paid", "3")
    assert resolved.returncode == 0, resolved.stderr
    assert wagewatch(config, "complaints", "close", CASE, "--on", "2026-10-21").returncode == 0

    shown = wagewatch(config, "complaints", "show", CASE)
    assert "complainant 张** 139****5678" in shown.stdout and PHONE not in shown.stdout
    assert re.search(r"2\. 2026-10-09 accept\s+received → accepted\s+by 芙蓉区劳动监察 王", shown.stdout)

    table = wagewatch(config, "report", "complaints", "--division", "430100", "--from", "2026-01-01",
                      "--to", "2026-12-31", "--as-of", "2026-11-20")
    assert table.returncode == 0, table.stderr
    assert "Complaints filed 2026-01-01 to 2026-12-31 in 430100 长沙市, as they stood on 2026-11-20" in table.stdout
    assert re.search(r"430102\s+芙蓉区\s+1\s+1\s+0\s+1\s+100\.0%\s+100\.0%\s+0\s+0\s+15,600\.50\s+3", table.stdout)
    figures = json.loads(wagewatch(config, "report", "complaints", "--division", "430100", "--from", "2026-01-01",
                                   "--to", "2026-12-31", "--json").stdout)
    assert (figures["total"]["closed"], figures["total"]["amount_recovered"]) == (1, 15600.5)


def test_the_commands_say_so_when_the_platform_is_not_running(config):
    result = wagewatch(config, "complaints", "list")
    assert result.returncode == 1
    assert "the complaints service is not running on this broker" in result.stderr


def first_of_type(listener, alert_type, timeout=30.0):
    for count in range(1, 50):
        found = [m for m in listener.wait_for(count, timeout=timeout) if m["body"]["type"] == alert_type]
        if found:
            return found[0]
    raise AssertionError(f"no {alert_type} on the desk")


def test_an_order_to_pay_left_unpaid_past_its_deadline_raises_the_referral_to_hrss(platform, county, listen, config):
    """Contract 1.1: CRIMINAL_REFERRAL_DUE, red, to hrss, once an order to pay recorded on the
    case (责令支付) passed its deadline unpaid at the provincial threshold; never at filing."""
    hrss = listen("alerts", department="hrss", division=COUNTY)
    water = listen("alerts", department="water", division=COUNTY)
    receipts = listen("receipts", COUNTY)
    publish_and_confirm(county, receipts, message("project.upsert", project(sector="water")),
                        message("complaint.filed", complaint(workers_affected=12, amount_claimed=90_000)))
    filed = first_of_type(hrss, "COMPLAINT_FILED")
    assert filed["routing_key"] == f"alert.hrss.{COUNTY}.orange", "a claim alone is never red"

    assert wagewatch(config, "complaints", "accept", CASE, "--on", "2026-10-09").returncode == 0
    ordered = wagewatch(config, "complaints", "order", CASE, "--on", "2026-10-12", "--deadline", "2026-10-22",
                        "--amount", "48000", "--workers", "12", "--months", "2")
    assert ordered.returncode == 0, ordered.stderr
    paid = wagewatch(config, "complaints", "paid", CASE, "--on", "2026-10-20", "--paid", "8000")
    assert paid.returncode == 0, paid.stderr                              # 40,000 still unpaid: at the threshold

    # Recorded today, long after the deadline: the change itself shows the referral due.
    referral = first_of_type(hrss, "CRIMINAL_REFERRAL_DUE")
    assert referral["routing_key"] == f"alert.hrss.{COUNTY}.red"
    outcomes = {o["source"]: o for o in run_sweep(config, "2026-10-22")}     # the deadline day: not yet due
    assert "CRIMINAL_REFERRAL_DUE" in [a["type"] for a in outcomes["complaints"]["resolved"]]
    outcomes = {o["source"]: o for o in run_sweep(config, "2026-10-23")}
    assert "CRIMINAL_REFERRAL_DUE" in [a["type"] for a in outcomes["complaints"]["raised"]]
    referrals = [m for m in hrss.drain(1.0) if m["body"]["type"] == "CRIMINAL_REFERRAL_DUE"]
    assert [m["body"]["status"] for m in referrals][-2:] == ["resolved", "firing"]
    body = referrals[-1]["body"]
    assert AlertSchema().validate(body) == {}
    assert (body["details"]["unpaid_at_deadline"], body["details"]["order"]["deadline"]) == (40000, "2026-10-22")
    assert PHONE not in json.dumps(body, ensure_ascii=False)
    assert "CRIMINAL_REFERRAL_DUE" not in [m["body"]["type"] for m in water.drain(0.5)]

    shown = wagewatch(config, "complaints", "show", CASE, "--as-of", "2026-10-23")
    assert "referral    DUE: 12 workers, 40,000.00 yuan unpaid" in shown.stdout, shown.stdout
