"""The seeded province through the public contract: the alerts the desks receive after a
sweep are exactly the generator's expected set, and healthy projects raise nothing."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from shared.contract.client import Listener
from shared.contract.topology import alert_binding, alerts_exchange
from testkit.province import ProvinceSpec, generate
from wagewatch.sweep import run_sweep

pytestmark = pytest.mark.e2e
AS_OF = date(2026, 11, 23)
SPEC = ProvinceSpec(as_of=AS_OF, counties=4, projects_per_county=4, workers_per_project=3,
                    violation_share=0.5, every_violation=True, seed=11)


def desk_alerts(desks: Listener) -> list[dict]:
    """Everything the desks received, read until the stream has been quiet for a while."""
    seen = -1
    while seen != len(desks.messages):
        seen = len(desks.messages)
        desks.drain(1.5)
    return [m["body"] for m in desks.messages]


def test_the_alerts_raised_on_a_seeded_province_are_exactly_the_expected_set(platform, county, listen, config):
    province = generate(SPEC)
    assert {p.violation for p in province.projects} >= set(SPEC.violations)
    desks = Listener(config["AMQP_URI"], alerts_exchange, [alert_binding(division=c) for c in province.counties])
    receipts = listen("receipts", *province.counties)

    expected_status = {}
    for env in province.messages():
        county.publish(env)
        expected_status[env["message_id"]] = province.receipt_status(env)
    answered = {r["body"]["message_id"]: r["body"] for r in receipts.wait_for(len(expected_status), timeout=180)}
    assert {m: body["status"] for m, body in answered.items()} == expected_status
    assert list(expected_status.values()).count("partial") == 1
    [partial] = [body for body in answered.values() if body["status"] == "partial"]
    assert [r["errors"] for r in partial["records"]["rejected"]] == [{"id_number": ["Not enrolled on this project."]}]
    assert desk_alerts(desks) == [], "nothing is raised before the sweep"

    run_sweep(config, AS_OF.isoformat())

    alerts = desk_alerts(desks)
    desks.close()
    received = Counter((a["department"], a["division"], a["type"], a["project_code"]) for a in alerts)
    assert received == province.expected_alerts
    assert {(a["status"], a["level"]) for a in alerts} == {("firing", "county")}
    healthy = {p.code for p in province.projects if p.violation is None}
    assert healthy and not healthy & {a["project_code"] for a in alerts}
