"""The console over real HTTP, with the alerts, projects and payroll services running:
signing in, sessions that expire, and scope enforced by the server on every answer,
the live stream included."""
from __future__ import annotations

import json
import time

import eventlet
import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_hook

from services.alerts.service import AlertsService
from services.console.accounts import hash_password
from services.console.service import ConsoleService
from services.payroll.service import PayrollService
from services.projects.service import ProjectsService
from shared.contract.messages import PayrollSchema, ProjectSchema
from tests.factories import COUNTY, OTHER_COUNTY, payroll, project
from wagewatch.platform import console_url

HEADER = {"X-WageWatch-Console": "1"}
PASSWORD = "correct horse battery"


@pytest.fixture
def runner(config, runner_factory):
    runner = runner_factory(config, ProjectsService, PayrollService, AlertsService, ConsoleService)
    runner.start()
    return runner


@pytest.fixture
def console(config, runner):
    with ClusterRpcProxy(config) as cluster:
        for username, department, division in (("water-fr", "water", COUNTY), ("water-city", "water", "430100"),
                                               ("housing-fr", "housing", COUNTY)):
            added = cluster.console.add_account(username, hash_password(PASSWORD), department, division)
            assert "account" in added, added
    return console_url(config)


def signed_in(url, username="water-fr", password=PASSWORD) -> requests.Session:
    session = requests.Session()
    answer = session.post(url + "api/session", json={"username": username, "password": password}, headers=HEADER)
    assert answer.status_code == 200, answer.text
    return session


def condition(project_code, division=COUNTY, sector="water", month="2026-10", severity="yellow"):
    return {"type": "PAYROLL_MISSING", "fingerprint": f"PAYROLL_MISSING:{project_code}:{month}",
            "severity": severity, "division": division, "sector": sector, "funding": "private",
            "project_code": project_code, "month": month, "summary": f"{project_code} 缺 {month} 工资表"}


def report(config, *conditions):
    with ClusterRpcProxy(config) as cluster:
        return cluster.alerts.report("test", list(conditions))


MINE = condition(f"{COUNTY}-W1")
OTHER_DEPARTMENT = condition(f"{COUNTY}-H1", sector="housing")
OTHER_COUNTY_ALERT = condition(f"{OTHER_COUNTY}-W1", division=OTHER_COUNTY)


def test_a_wrong_password_is_refused_and_a_right_one_opens_an_httponly_strict_session(console):
    wrong = requests.post(console + "api/session", json={"username": "water-fr", "password": "nope"}, headers=HEADER)
    unknown = requests.post(console + "api/session", json={"username": "nobody", "password": "x"}, headers=HEADER)
    missing = requests.post(console + "api/session", json={"username": "water-fr"}, headers=HEADER)
    assert (wrong.status_code, unknown.status_code) == (401, 401)
    assert missing.status_code == 400 and missing.json() == {"errors": {"password": ["Required."]}}
    good = requests.post(console + "api/session", json={"username": "water-fr", "password": PASSWORD}, headers=HEADER)
    cookie = good.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=28800" in cookie
    me = requests.get(console + "api/me", cookies=good.cookies).json()["operator"]
    assert me["desk"] == {"department": "water", "division": COUNTY, "level": "county"}
    assert me["division_name"] == "芙蓉区"


def test_nothing_but_the_sign_in_page_answers_without_a_session(console):
    page = requests.get(console)
    assert page.status_code == 200 and "根治欠薪预警值班台" in page.text
    for path in ("api/me", "api/alerts", "api/stream", "api/silences", "api/project?code=x", "api/notifications"):
        assert requests.get(console + path).status_code == 401, path


def test_a_request_that_changes_something_needs_the_consoles_header(console):
    session = signed_in(console)
    forged = session.post(console + "api/alerts/acknowledge", json={"fingerprint": "x"})
    assert forged.status_code == 403


def test_a_county_water_desk_sees_only_its_own_countys_water_alerts(console, config):
    report(config, MINE, OTHER_DEPARTMENT, OTHER_COUNTY_ALERT)
    seen = signed_in(console).get(console + "api/alerts").json()["alerts"]
    assert [a["fingerprint"] for a in seen] == [MINE["fingerprint"]]
    housing = signed_in(console, "housing-fr").get(console + "api/alerts").json()["alerts"]
    assert [a["fingerprint"] for a in housing] == [OTHER_DEPARTMENT["fingerprint"]]
    city = signed_in(console, "water-city").get(console + "api/alerts").json()["alerts"]
    assert city == [], "the city desk sees an alert once it is escalated to it, as on the AMQP stream"


def test_a_desk_cannot_act_on_another_desks_alert(console, config):
    report(config, MINE, OTHER_COUNTY_ALERT)
    session = signed_in(console)
    refused = session.post(console + "api/alerts/acknowledge", json={"fingerprint": OTHER_COUNTY_ALERT["fingerprint"]},
                           headers=HEADER)
    resolved = session.post(console + "api/alerts/resolve", headers=HEADER,
                            json={"fingerprint": OTHER_COUNTY_ALERT["fingerprint"], "outcome": "paid"})
    assert (refused.status_code, resolved.status_code) == (409, 409)
    assert "reaches water@430102" in refused.json()["error"]
    done = session.post(console + "api/alerts/acknowledge", json={"fingerprint": MINE["fingerprint"]}, headers=HEADER)
    assert done.json()["alert"]["acknowledged_by"] == "water-fr"


def read_stream(session, url, into: list, stop):
    with session.get(url + "api/stream", stream=True, timeout=60) as answer:
        for line in answer.iter_lines(decode_unicode=True):
            if line.startswith("event: "):
                into.append({"event": line[7:]})
            elif line.startswith("data: ") and into:
                into[-1]["data"] = json.loads(line[6:])
            if stop(into):
                return


def test_the_live_stream_carries_the_desks_alerts_and_nothing_else(console, config):
    events: list = []
    got_mine = lambda seen: any(e.get("data", {}).get("fingerprint") == MINE["fingerprint"] for e in seen)  # noqa
    reader = eventlet.spawn(read_stream, signed_in(console), console, events, got_mine)
    deadline = time.monotonic() + 30
    while not events and time.monotonic() < deadline:
        eventlet.sleep(0.05)
    report(config, OTHER_DEPARTMENT, OTHER_COUNTY_ALERT)
    report(config, MINE)
    with eventlet.Timeout(30):
        reader.wait()
    alerts = [e["data"]["fingerprint"] for e in events if e["event"] == "alert"]
    assert events[0]["event"] == "hello" and alerts == [MINE["fingerprint"]]


def test_a_desk_silences_only_its_own_notifications(console, config):
    session = signed_in(console)
    made = session.post(console + "api/silences", headers=HEADER, json={
        "type": "PAYROLL_MISSING", "reason": "春节停工", "ends_at": "2099-01-01"})
    assert made.status_code == 400 and "at most 90 days" in made.json()["errors"]["ends_at"][0]
    made = session.post(console + "api/silences", headers=HEADER, json={
        "type": "PAYROLL_MISSING", "reason": "春节停工", "ends_at": _days_ahead(5), "department": "hrss"})
    assert made.status_code == 400 and made.json()["errors"] == {"department": ["Unknown field."]}
    made = session.post(console + "api/silences", headers=HEADER, json={
        "type": "PAYROLL_MISSING", "reason": "春节停工", "ends_at": _days_ahead(5)})
    matchers = made.json()["silence"]["matchers"]
    assert matchers == {"type": "PAYROLL_MISSING", "department": "water", "desk_division": COUNTY}
    other = signed_in(console, "housing-fr")
    assert other.get(console + "api/silences").json()["silences"] == []
    ended = other.post(console + "api/silences/expire", headers=HEADER,
                       json={"silence_id": made.json()["silence"]["silence_id"]})
    assert ended.status_code == 409


def test_a_project_page_in_scope_shows_payroll_and_says_coverage_is_absent(console, config, runner):
    containers = {c.service_name: c for c in runner.containers}
    for county in (COUNTY, OTHER_COUNTY):
        with entrypoint_hook(containers["projects"], "register_project") as register:
            assert register({"county": county, "message_id": f"m-{county}", "type": "project.upsert", "payload":
                             ProjectSchema().load(project(division=county, project_code=f"{county}-W1"))}) == {}
    with entrypoint_hook(containers["payroll"], "record_payroll") as record:
        assert record({"county": COUNTY, "message_id": "pay-1", "type": "payroll.paid",
                       "payload": PayrollSchema().load(payroll("2026-08", project_code=f"{COUNTY}-W1"))}) == {}
    report(config, MINE)
    session = signed_in(console)
    page = session.get(console + f"api/project?code={COUNTY}-W1").json()
    assert [m["month"] for m in page["payroll"]["data"]] == ["2026-08"]
    assert page["payroll"]["data"][0]["workers"] == 2
    assert [a["fingerprint"] for a in page["alerts"]] == [MINE["fingerprint"]]
    assert page["coverage"] == {"available": False, "reason": "the accounts service is not running"}
    assert session.get(console + f"api/project?code={OTHER_COUNTY}-W1").status_code == 404
    assert signed_in(console, "housing-fr").get(console + f"api/project?code={COUNTY}-W1").status_code == 404


def test_a_session_expires(config, runner_factory):
    short = {**config, "CONSOLE": {**config["CONSOLE"], "session_hours": 1 / 3600}}
    runner = runner_factory(short, AlertsService, ConsoleService)
    runner.start()
    with ClusterRpcProxy(short) as cluster:
        cluster.console.add_account("water-fr", hash_password(PASSWORD), "water", COUNTY)
    url = console_url(short)
    session = signed_in(url)
    assert session.get(url + "api/me").status_code == 200
    time.sleep(1.5)
    assert session.get(url + "api/me").status_code == 401


def _days_ahead(days: int) -> str:
    from datetime import date, timedelta

    return (date.today() + timedelta(days=days)).isoformat()


def test_guessing_passwords_locks_the_username_for_a_while(console):
    for _ in range(5):
        assert requests.post(console + "api/session", headers=HEADER,
                             json={"username": "water-fr", "password": "guess"}).status_code == 401
    locked = requests.post(console + "api/session", headers=HEADER, json={"username": "water-fr", "password": PASSWORD})
    assert locked.status_code == 429
    assert signed_in(console, "housing-fr"), "other accounts are not affected"


# Each endpoint's fields, valid, and an operator object put in each one in turn: the
# console answers 400 naming the field, before anything reaches a query.
OPERATORS = ({"$ne": "x"}, {"$regex": "."}, {"$gt": ""}, ["x"], 1)
ENDPOINTS = {
    "api/session": {"username": "water-fr", "password": "wrong guess"},
    "api/alerts/acknowledge": {"fingerprint": MINE["fingerprint"], "note": "签收"},
    "api/alerts/resolve": {"fingerprint": MINE["fingerprint"], "outcome": "paid", "note": "已付"},
    "api/silences": {"type": "PAYROLL_MISSING", "severity": "yellow", "project_code": f"{COUNTY}-W1",
                     "reason": "春节停工", "ends_at": _days_ahead(5), "starts_at": _days_ahead(1)},
    "api/silences/expire": {"silence_id": "0123456789ab"},
}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_operator_object_in_any_field_is_refused_with_that_fields_name(console, config, path):
    report(config, MINE)
    session = signed_in(console)
    for field in ENDPOINTS[path]:
        for operator in OPERATORS:
            answer = session.post(console + path, headers=HEADER, json={**ENDPOINTS[path], field: operator})
            assert answer.status_code == 400, (path, field, operator, answer.text)
            assert list(answer.json()["errors"]) == [field], (path, field, operator)
    alert = session.get(console + "api/alerts").json()["alerts"][0]
    assert (alert["status"], alert.get("acknowledged_by")) == ("firing", None), "nothing was acted on"
    assert session.get(console + "api/silences").json()["silences"] == []


def test_a_desk_cannot_end_or_read_another_desks_silences_with_a_query_operator(console, config):
    water, housing = signed_in(console), signed_in(console, "housing-fr")
    for desk in (housing, water):   # the attacker's own silence first, then its victim's
        made = desk.post(console + "api/silences", headers=HEADER,
                         json={"type": "PAYROLL_MISSING", "reason": "春节停工", "ends_at": _days_ahead(5)})
        assert made.status_code == 200, made.text
    victims = water.get(console + "api/silences").json()["silences"]
    for _ in range(2):
        attack = housing.post(console + "api/silences/expire", headers=HEADER, json={"silence_id": {"$ne": "x"}})
        assert attack.status_code == 400, attack.text
        assert "water" not in attack.text and "water-fr" not in attack.text
    assert water.get(console + "api/silences").json()["silences"] == victims


def limited_console(config, runner_factory, **sign_in) -> str:
    """A console with its own sign-in limits, trusting X-Forwarded-For as behind a proxy."""
    limited = {**config, "CONSOLE": {**config["CONSOLE"], "trust_forwarded_for": True,
                                     "sign_in": {**config["CONSOLE"]["sign_in"], **sign_in}}}
    runner_factory(limited, AlertsService, ConsoleService).start()
    with ClusterRpcProxy(limited) as cluster:
        for name in ("water-fr", *(f"guessed-{i}" for i in range(40))):
            cluster.console.add_account(name, hash_password(PASSWORD), "water", COUNTY)
    return console_url(limited)


def in_parallel(url, bodies, address="198.51.100.7") -> list[int]:
    """Post every sign-in at once, each from its own green thread; their status codes."""
    def post(body):
        return requests.post(url + "api/session", json=body, timeout=120,
                             headers={**HEADER, "X-Forwarded-For": address}).status_code
    pool = eventlet.GreenPool(len(bodies))
    return list(pool.imap(post, bodies))


def test_forty_parallel_guesses_get_exactly_the_configured_five_password_checks(config, runner_factory):
    url = limited_console(config, runner_factory, failures=5, checks=1000)
    codes = in_parallel(url, [{"username": "water-fr", "password": f"guess {i}"} for i in range(40)])
    assert sorted(codes) == [401] * 5 + [429] * 35


def test_the_console_wide_limit_holds_against_parallel_guesses_at_many_usernames(config, runner_factory):
    url = limited_console(config, runner_factory, failures=5, checks=10)
    codes = in_parallel(url, [{"username": f"guessed-{i}", "password": "guess"} for i in range(40)])
    assert sorted(codes) == [401] * 10 + [429] * 30


def test_guesses_from_another_address_do_not_lock_the_operator_out(config, runner_factory):
    url = limited_console(config, runner_factory, failures=5, checks=1000)
    assert in_parallel(url, [{"username": "water-fr", "password": "guess"}] * 6, "203.0.113.9").count(429) == 1
    own = in_parallel(url, [{"username": "water-fr", "password": PASSWORD}], "198.51.100.7")
    locked = in_parallel(url, [{"username": "water-fr", "password": PASSWORD}], "203.0.113.9")
    assert (own, locked) == ([200], [429])


def test_usernames_sprayed_while_the_console_is_busy_leave_nothing_stored(config, runner_factory, mongo_uri):
    from shared.storage import database_for

    url = limited_console(config, runner_factory, failures=5, checks=2)
    codes = in_parallel(url, [{"username": f"sprayed-{i}", "password": "guess"} for i in range(20)])
    assert sorted(codes) == [401] * 2 + [429] * 18
    assert database_for(mongo_uri, "console")["sign_in_attempts"].count_documents({}) == 3   # 2 failures + "*"
