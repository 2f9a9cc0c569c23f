"""``wagewatch province``: the seeded province's size and expected alerts; with ``--publish``
it is sent to the running platform as its counties would send it, and with ``--check``
swept and checked: the alerts the desks receive must equal the expected set exactly."""
from __future__ import annotations

import time
from collections import Counter

from testkit.province import Province, ProvinceSpec

PROGRESS_EVERY = 5.0  # seconds between progress lines


def spec_of(args) -> ProvinceSpec:
    return ProvinceSpec(as_of=args.as_of, counties=args.counties, projects_per_county=args.projects_per_county,
                        workers_per_project=args.workers_per_project, violation_share=args.violation_share,
                        seed=args.seed, every_violation=args.every_violation)


def describe(province: Province, say=print) -> None:
    spec = province.spec
    say(f"province: {spec.counties} counties, {spec.projects} projects, {spec.workers} workers; seed {spec.seed}; "
        f"seeded month {province.month}, sweep as of {spec.as_of}")
    violations = Counter(p.violation for p in province.projects if p.violation)
    say(f"violations: {sum(violations.values())} project(s): "
        + (", ".join(f"{n} {kind}" for kind, n in sorted(violations.items())) or "none"))
    volume = province.volume()
    say(f"messages: {sum(m for m, _r in volume.values()):,} carrying {sum(r for _m, r in volume.values()):,} records: "
        + ", ".join(f"{kind} {m:,}" + (f" ({r:,} records)" if r != m else "") for kind, (m, r) in volume.items()))
    by_type: Counter[str] = Counter()
    for (_dept, _division, alert_type, _code), n in province.expected_alerts.items():
        by_type[alert_type] += n
    say(f"expected alerts: {sum(by_type.values())} message(s) to "
        f"{len({(d, c) for d, c, _t, _p in province.expected_alerts})} desk(s): "
        + (", ".join(f"{n} {t}" for t, n in sorted(by_type.items())) or "none"))


def publish(config: dict, province: Province, say=print, receipts_timeout: float = 600.0) -> Counter:
    """Publish every message, wait for every receipt; returns the receipts' statuses and
    says where they differ from what the province expects."""
    from shared.contract.client import CountyClient, receipts_listener

    receipts = receipts_listener(config["AMQP_URI"], *province.counties)
    client = CountyClient(config["AMQP_URI"])
    expected, started, shown = {}, time.monotonic(), time.monotonic()
    try:
        for env in province.messages():
            client.publish(env)
            expected[(env["county"], env["message_id"])] = province.receipt_status(env)
            if time.monotonic() - shown >= PROGRESS_EVERY:
                shown = time.monotonic()
                say(f"  published {len(expected):,} message(s), {len(receipts.drain(0.01)):,} receipt(s) so far")
        published = time.monotonic() - started
        say(f"published {len(expected):,} message(s) in {published:.1f}s ({len(expected) / max(published, 1e-9):,.0f}/s); "
            "waiting for receipts")
        answered = _await_receipts(receipts, len(expected), receipts_timeout, say)
    finally:
        client.close()
        receipts.close()
    statuses = Counter(r["body"]["status"] for r in answered)
    wrong = [(r["body"]["message_id"], r["body"]["status"]) for r in answered
             if expected.get((r["routing_key"].split(".")[-1], r["body"]["message_id"])) != r["body"]["status"]]
    say(f"receipts: {len(answered):,} of {len(expected):,} in {time.monotonic() - started:.1f}s: "
        + ", ".join(f"{n:,} {s}" for s, n in sorted(statuses.items()))
        + (f"; {len(wrong)} not as expected, e.g. {wrong[:3]}" if wrong else "; all as expected"))
    return statuses


def _await_receipts(receipts, count: int, timeout: float, say) -> list[dict]:
    deadline = time.monotonic() + timeout
    while len(receipts.messages) < count and time.monotonic() < deadline:
        receipts.wait_for(count, timeout=min(PROGRESS_EVERY, max(deadline - time.monotonic(), 0.01)))
        if len(receipts.messages) < count:
            say(f"  {len(receipts.messages):,} of {count:,} receipt(s)")
    return list(receipts.messages)


def check(config: dict, province: Province, say=print) -> bool:
    """Sweep as of the spec's date and compare what the county desks receive with the
    expected alerts. Run it on a platform holding only this province."""
    from shared.contract.client import Listener
    from shared.contract.topology import alert_binding, alerts_exchange
    from wagewatch.sweep import run_sweep

    desks = Listener(config["AMQP_URI"], alerts_exchange, [alert_binding(division=c) for c in province.counties])
    try:
        started = time.monotonic()
        run_sweep(config, province.spec.as_of.isoformat(), force=True)   # as of the spec's date on purpose
        swept = time.monotonic() - started
        seen = -1
        while seen != len(desks.messages):
            seen = len(desks.messages)
            desks.drain(2.0)
    finally:
        desks.close()
    received = Counter((m["body"]["department"], m["body"]["division"], m["body"]["type"], m["body"]["project_code"])
                       for m in desks.messages if m["body"]["status"] == "firing")
    from services.alerts.policy import policy_path
    from testkit.province.expected import default_routing

    expected = province.alerts_routed_by(default_routing(policy_path(config)))
    missing, extra = expected - received, received - expected
    verdict = ("exact match" if not (missing or extra) else
               f"{sum(missing.values())} missing, {sum(extra.values())} unexpected")
    say(f"sweep as of {province.spec.as_of}: {swept:.1f}s; desks received {sum(received.values())} firing alert "
        f"message(s), expected {sum(expected.values())}: " + verdict)
    for label, rows in (("missing", missing), ("unexpected", extra)):
        for (dept, division, alert_type, code), n in sorted(rows.items())[:20]:
            say(f"  {label:<10} {n} x {alert_type} {code} → {dept}@{division}")
    return not (missing or extra)
