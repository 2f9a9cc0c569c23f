"""`wagewatch policy check` and `wagewatch console …` as operators run them: separate
processes on the same broker as the platform."""
from __future__ import annotations

import subprocess

import pytest
import requests

from tests.e2e.test_command_line import WAGEWATCH, env_for
from tests.factories import COUNTY
from wagewatch.platform import console_url, service_classes

pytestmark = pytest.mark.e2e


def wagewatch(config, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([WAGEWATCH, *args], env=env_for(config), input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_policy_check_validates_the_file_and_shows_where_a_sample_goes(config):
    result = wagewatch(config, "policy", "check", "--type", "COMPLAINT_FILED", "--sector", "railway",
                       "--severity", "red", "--raised-on", "2026-09-30")
    assert result.returncode == 0, result.stderr
    assert "alert-policy.yml: valid" in result.stdout
    assert f"→ alert.hrss.{COUNTY}.red (county desk)" in result.stdout
    assert f"→ alert.transport.{COUNTY}.red (county desk)" in result.stdout
    assert "raised 2026-09-30: unacknowledged after 2026-10-08 it goes one level up" in result.stdout


def test_policy_check_refuses_a_bad_file_naming_each_field(config, tmp_path):
    bad = tmp_path / "policy.yml"
    bad.write_text("routing:\n  routes:\n    - match: {colour: red}\n      receivers: [police]\n", encoding="utf-8")
    result = wagewatch(config, "policy", "check", "--file", str(bad))
    assert result.returncode == 1
    assert "routing.routes[0].match.colour: Unknown label" in result.stderr
    assert "routing.routes[0].receivers[0]: Unknown department 'police'" in result.stderr


def test_an_account_added_from_the_command_line_signs_in_to_its_desk(platform, config):
    added = wagewatch(config, "console", "add-user", "fr-hrss", "--department", "hrss", "--division", COUNTY,
                      "--name", "芙蓉区劳动保障监察", "--password-stdin", stdin="a long enough secret\n")
    assert added.returncode == 0, added.stderr
    assert "added fr-hrss: hrss desk at 430102" in added.stdout
    again = wagewatch(config, "console", "add-user", "fr-hrss", "--department", "hrss", "--division", COUNTY,
                      "--password-stdin", stdin="a long enough secret\n")
    short = wagewatch(config, "console", "add-user", "x1y", "--department", "hrss", "--division", "999999",
                      "--password-stdin", stdin="short\n")
    assert (again.returncode, again.stderr.strip()) == (2, "username: Already taken.")
    assert short.returncode == 2 and "password: At least 10 characters." in short.stderr
    listed = wagewatch(config, "console", "users")
    assert "fr-hrss" in listed.stdout and "1 account(s)" in listed.stdout
    signed = requests.post(console_url(config) + "api/session", headers={"X-WageWatch-Console": "1"},
                           json={"username": "fr-hrss", "password": "a long enough secret"})
    assert signed.json()["operator"]["desk"] == {"department": "hrss", "division": COUNTY, "level": "county"}
    assert wagewatch(config, "console", "disable", "fr-hrss").returncode == 0
    assert requests.get(console_url(config) + "api/me", cookies=signed.cookies).status_code == 401


def test_console_commands_say_so_when_no_platform_runs(config):
    result = wagewatch(config, "console", "users")
    assert result.returncode == 1 and "no console is running on this broker" in result.stderr


def test_a_red_alert_nobody_acknowledges_reaches_the_city_desk_at_the_sweep_after_its_deadline(platform, config,
                                                                                              listen):
    from nameko.standalone.rpc import ClusterRpcProxy

    from shared.calendar import today
    from shared.contract.alerts import AlertSchema
    from shared.workdays import WorkingCalendar

    county, city = listen("alerts", division=COUNTY), listen("alerts", department="hrss", division="430100")
    complaint = {"type": "COMPLAINT_FILED", "fingerprint": f"COMPLAINT_FILED:{COUNTY}:C-1", "severity": "red",
                 "division": COUNTY, "sector": "water", "project_code": f"{COUNTY}-2026-0001",
                 "summary": "12 名农民工反映 10 月工资未发", "p1": True}
    with ClusterRpcProxy(config) as cluster:
        cluster.alerts.report("complaints", [complaint])
    assert sorted(m["routing_key"] for m in county.wait_for(2)) == [f"alert.hrss.{COUNTY}.red",
                                                                   f"alert.water.{COUNTY}.red"]
    on_time = WorkingCalendar().add_working_days(today(), 1).isoformat()
    late = WorkingCalendar().add_working_days(today(), 2).isoformat()
    # Days that have not come: what-ifs, which show the escalation and tell no desk.
    quiet = wagewatch(config, "sweep", "--as-of", on_time)
    assert "alerts: as of " + on_time + ", 0 unacknowledged alert(s) would be escalated" in quiet.stdout, quiet.stderr
    result = wagewatch(config, "sweep", "--as-of", late)
    assert result.returncode == 0, result.stderr
    assert f"would be escalated red    COMPLAINT_FILED            {COUNTY}" in result.stdout
    assert city.drain(2.0) == []
    with ClusterRpcProxy(config) as cluster:   # that day, the acknowledgement clock's own sweep
        cluster.alerts.sweep(late)
    [escalated] = city.wait_for(1)
    assert AlertSchema().validate(escalated["body"]) == {}
    assert (escalated["routing_key"], escalated["body"]["level"], escalated["body"]["fingerprint"]) == (
        "alert.hrss.430100.red", "city", complaint["fingerprint"])


def test_wagewatch_up_serves_the_console_and_prints_its_url(config):
    import signal

    from tests.conftest import free_port
    from tests.e2e.test_command_line import read_line

    address = f"127.0.0.1:{free_port()}"
    up = subprocess.Popen([WAGEWATCH, "up"], env={**env_for(config), "CONSOLE_ADDRESS": address, "DAILY_SWEEP": "false"},
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert read_line(up, 60).startswith(f"[1/4] WageWatch is up: {len(service_classes())} services")
        # The next line follows at once and may already sit in the pipe's read buffer,
        # where select() cannot see it: read it directly.
        assert up.stdout.readline().strip() == (f"operators' console: http://{address}/ "
                                             "(accounts: `wagewatch console add-user`)")
        page = requests.get(f"http://{address}/", timeout=10)
        assert page.status_code == 200 and "值班人员登录" in page.text
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(30) == 0
