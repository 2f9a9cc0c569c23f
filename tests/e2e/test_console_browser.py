"""An operator in a real headless Chromium (Debian's package, driven by Playwright):
signs in to the 芙蓉区 water desk, sees a new alert arrive live, acknowledges it, opens
its project, and never sees another county's or department's alerts. Prints how long the alert took from
being routed on ``wagewatch.alerts`` to being shown in the page."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.console.accounts import hash_password
from tests.factories import COUNTY, OTHER_COUNTY, message, payroll, project
from wagewatch.platform import console_url

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).parent / "browser" / "drive_console.py"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output"
PASSWORD = "芙蓉区水利值班-2026"


def condition(project_code, division=COUNTY, sector="water", severity="red"):
    return {"type": "PAYROLL_MISSING", "fingerprint": f"PAYROLL_MISSING:{project_code}:2026-10",
            "severity": severity, "division": division, "sector": sector, "funding": "government",
            "project_code": project_code, "month": "2026-10", "summary": f"{project_code} 2026年10月工资支付表缺失"}


def read_line(process, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            return process.stdout.readline()
        if process.poll() is not None:
            break
    raise AssertionError(f"the browser driver said nothing: {process.stderr.read() if process.poll() is not None else ''}")


def seed_project_with_august_paid(county, listen):
    """Through the public contract, as the county's system would."""
    receipts = listen("receipts", COUNTY)
    county.publish(message("project.upsert", project()))
    county.publish(message("payroll.paid", payroll("2026-08")))
    assert [r["body"]["status"] for r in receipts.wait_for(2)] == ["accepted", "accepted"]
    return project()["project_code"]


def test_an_operator_sees_a_new_alert_live_acknowledges_it_and_sees_nothing_else(platform, config, county, listen):
    assert CHROMIUM.exists(), "Debian's chromium is missing: run deploy/ensure-chromium.sh (CI does)"
    with ClusterRpcProxy(config) as cluster:
        assert "account" in cluster.console.add_account("fr-water", hash_password(PASSWORD), "water", COUNTY,
                                                        "芙蓉区水利局值班员")
    mine = condition(seed_project_with_august_paid(county, listen))
    SCREENSHOTS.mkdir(exist_ok=True)
    screenshot, project_shot = SCREENSHOTS / "console-acknowledged.png", SCREENSHOTS / "console-project.png"
    driver = subprocess.Popen(
        [sys.executable, str(DRIVER), "--url", console_url(config), "--username", "fr-water", "--password", PASSWORD,
         "--fingerprint", mine["fingerprint"], "--screenshot", str(screenshot),
         "--project-screenshot", str(project_shot)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"})
    try:
        assert read_line(driver).strip() == "READY"
        desk = listen("alerts", department="water", division=COUNTY)
        with ClusterRpcProxy(config) as cluster:
            cluster.alerts.report("test", [condition(f"{OTHER_COUNTY}-W1", division=OTHER_COUNTY),
                                           condition(f"{COUNTY}-H1", sector="housing")])
            cluster.alerts.report("test", [mine])
        [routed] = desk.wait_for(1)
        routed_at_ms = routed["received"] * 1000   # when the desk's own AMQP queue delivered it
        line = read_line(driver)
    finally:
        driver.wait(60)
    assert line.startswith("RESULT "), line + driver.stderr.read()
    result = json.loads(line[len("RESULT "):])
    assert routed["body"]["fingerprint"] == mine["fingerprint"]
    assert result["rows"] == [mine["fingerprint"]], "only the desk's own alert is on the page"
    assert f"{OTHER_COUNTY}-W1" not in result["page_text"] and f"{COUNTY}-H1" not in result["page_text"]
    assert result["status"].startswith("已签收（fr-water）")
    assert "水利" in result["desk"] and "芙蓉区" in result["desk"]
    assert "2026-08：2 人，应发 14400 元，实发 14400 元" in result["project"]
    # Coverage from the accounts service: the seeded project has no account, deposit or workers.
    assert "农民工工资专用账户：未落实" in result["project"] and "工资保证金：未落实" in result["project"]
    assert screenshot.stat().st_size > 10_000 and project_shot.stat().st_size > 10_000
    with ClusterRpcProxy(config) as cluster:
        [stored] = cluster.alerts.desk_alerts("water", COUNTY)
    assert stored["acknowledged_by"] == "fr-water"
    print(f"\nconsole latency: alert shown {result['shown_at_ms'] - routed_at_ms:+.0f} ms after the desk's AMQP "
          f"queue received it (negative: the page was first); screenshot {screenshot}")
