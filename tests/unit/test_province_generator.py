"""The seeded province generator: deterministic, valid by the contract's own schemas, unique
identities, the violation share it was asked for, and lazy at province scale."""
from __future__ import annotations

import itertools
import json
import tracemalloc
from collections import Counter
from datetime import date

import pytest

from shared.calendar import Month
from shared.contract.envelope import EnvelopeSchema
from shared.contract.messages import MAX_BATCH_RECORDS, MESSAGE_TYPES, BatchSchema
from testkit.province import VIOLATIONS, ProvinceSpec, builders, generate
from testkit.province.expected import alert_types

AS_OF = date(2026, 11, 23)
SMALL = ProvinceSpec(as_of=AS_OF, counties=4, projects_per_county=4, workers_per_project=3,
                     violation_share=0.5, every_violation=True)


def contract_problems(env: dict) -> list:
    """What the contract's schemas find wrong with an envelope and its payload or records."""
    problems = [EnvelopeSchema().validate(env)]
    kind = MESSAGE_TYPES[env["type"]]
    if kind.batch:
        problems.append(BatchSchema().validate(env["payload"]))
        problems += [kind.schema().validate(record) for record in env["payload"].get("records", [])]
    else:
        problems.append(kind.schema().validate(env["payload"]))
    return [p for p in problems if p]


def test_the_same_spec_gives_the_same_province_byte_for_byte_and_another_seed_another():
    first = [json.dumps(env, ensure_ascii=False) for env in generate(SMALL).messages()]
    again = [json.dumps(env, ensure_ascii=False) for env in generate(SMALL).messages()]
    other = [json.dumps(env, ensure_ascii=False) for env in generate(
        ProvinceSpec(**{**SMALL.__dict__, "seed": SMALL.seed + 1})).messages()]
    assert first == again
    assert first != other
    assert generate(SMALL).expected_alerts == generate(SMALL).expected_alerts


def test_every_envelope_is_valid_by_the_contracts_schemas_and_ids_are_unique_per_county():
    province = generate(SMALL)
    envelopes = list(province.messages())
    assert [(env["message_id"], contract_problems(env)) for env in envelopes if contract_problems(env)] == []
    assert len({(env["county"], env["message_id"]) for env in envelopes}) == len(envelopes)
    assert {env["county"] for env in envelopes} == set(province.counties)
    assert all(env["sent_at"] < f"{AS_OF.isoformat()}" for env in envelopes), "sent before the sweep date"


def test_counties_are_real_hunan_divisions_in_a_fixed_order():
    province = generate(ProvinceSpec(as_of=AS_OF, counties=5))
    assert list(province.counties) == ["430102", "430103", "430104", "430105", "430111"]
    assert province.counties["430102"] == "芙蓉区"
    with pytest.raises(ValueError):
        generate(ProvinceSpec(as_of=AS_OF, counties=500))


def test_workers_have_distinct_valid_id_numbers_and_strangers_are_none_of_them():
    province = generate(ProvinceSpec(as_of=AS_OF, counties=2, projects_per_county=30, workers_per_project=40,
                                     violation_share=0.5))
    enrolled = [r["id_number"] for env in province.messages() if env["type"] == "worker.enrol"
                for r in env["payload"]["records"]]
    assert len(enrolled) == len(set(enrolled)) == 2 * 30 * 40
    strangers = {builders.stranger_number(k) for k in range(100)}
    assert not strangers & set(enrolled)
    # Indexes that share a birthplace, sequence or birth date still give distinct numbers.
    sample = {n + d for n in (0, 1997, 2000, 1_000_000, builders.ID_CAPACITY - 3) for d in range(3)}
    assert len({builders.resident_number(n) for n in sample}) == len(sample) == 15


@pytest.mark.parametrize("share, projects, violating", [(0.0, 20, 0), (0.2, 20, 4), (0.25, 40, 10), (1.0, 8, 8)])
def test_the_violation_share_is_honoured(share, projects, violating):
    province = generate(ProvinceSpec(as_of=AS_OF, counties=2, projects_per_county=projects // 2,
                                     violation_share=share))
    assert sum(1 for p in province.projects if p.violation) == violating


def test_every_violation_plants_each_kind_once_and_a_healthy_province_expects_nothing():
    province = generate(SMALL)
    assert Counter(p.violation for p in province.projects if p.violation) == Counter(VIOLATIONS)
    assert generate(ProvinceSpec(as_of=AS_OF, violation_share=0)).expected_alerts == Counter()


@pytest.mark.parametrize("violation, types", [
    ("payroll_missing", {"PAYROLL_MISSING": 1, "HEADCOUNT_MISMATCH": 1, "WORKER_UNPAID": 3}),
    ("worker_unpaid", {"WORKER_UNPAID": 1, "HEADCOUNT_MISMATCH": 1}),
    ("wages_short", {"WAGES_SHORT": 1}),
    ("payee_not_enrolled", {"PAYEE_NOT_ENROLLED": 1}),
    ("no_account", {"ACCOUNT_NOT_OPENED": 1}),
    ("no_allocation", {"LABOUR_COST_NOT_ALLOCATED": 1}),
    ("no_deposit", {"DEPOSIT_MISSING": 1}),
    ("deposit_short", {"DEPOSIT_MISSING": 1}),
    ("labour_cost_short", {"LABOUR_COST_SHORT": 1}),
    ("no_payment_guarantee", {"PAYMENT_GUARANTEE_MISSING": 1}),
    ("no_construction_permit", {"NO_CONSTRUCTION_PERMIT": 1}),
    ("no_wage_officer", {"SITE_OBLIGATION_MISSING": 1}),
    ("no_attendance", {"NO_ATTENDANCE": 1}),
    ("unregistered_clock_in", {"ATTENDANCE_UNREGISTERED": 1}),
    ("below_minimum_wage", {"BELOW_MINIMUM_WAGE": 1}),
    (None, {}),
])
def test_each_violation_expects_its_alert_types(violation, types):
    [project] = [p for p in generate(SMALL).projects if p.violation == violation][:1]
    assert alert_types(project, workers=3) == Counter(types)


def test_expected_alerts_are_routed_by_the_alert_policy():
    province = generate(SMALL)
    [short] = [p for p in province.projects if p.violation == "wages_short"]
    routed = {dept for (dept, division, kind, code) in province.expected_alerts if code == short.code}
    sector_desk = {"housing": "housing", "municipal": "housing", "water": "water", "transport": "transport",
                   "railway": "transport", "energy": "development", "other": "hrss"}[short.sector]
    public = {"development"} if short.funding in ("government", "soe") else set()
    soe = {"soe"} if short.funding == "soe" else set()   # contract 1.1: arrears of SOE-funded projects
    assert routed == {"hrss", sector_desk} | public | soe
    everyone = province.alerts_routed_by(lambda alert_type, sector, funding: ["hrss"])
    assert {dept for dept, *_ in everyone} == {"hrss"}


def test_only_the_batch_with_the_unregistered_clock_in_is_answered_partial():
    province = generate(SMALL)
    statuses = Counter(province.receipt_status(env) for env in province.messages())
    assert statuses["partial"] == 1 and set(statuses) == {"accepted", "partial"}


def test_the_seeded_month_is_the_latest_whose_pay_day_has_passed():
    assert generate(SMALL).month == Month(2026, 10)
    # 15 November 2026 is a Sunday: October's wages fell due on Friday the 13th (Art 14)
    assert ProvinceSpec(as_of=date(2026, 11, 13)).month == Month(2026, 9)
    assert ProvinceSpec(as_of=date(2026, 11, 14)).month == Month(2026, 10)


def test_a_province_of_20000_projects_streams_its_messages_in_small_batches_without_holding_them():
    tracemalloc.start()
    try:
        province = generate(ProvinceSpec(as_of=AS_OF, counties=100, projects_per_county=200))
        first = Counter()
        for env in itertools.islice(province.messages(), 2000):   # the first county's, and more
            first[(env["county"], env["type"], len(env["payload"].get("records", ())))] += 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(province.projects) == 20_000 and len({p.code for p in province.projects}) == 20_000
    # 200 projects x 6 workers clock in: a day's gate records in batches of at most 1000.
    gate = {size: n for (county, kind, size), n in first.items() if kind == "attendance.batch"}
    assert gate[MAX_BATCH_RECORDS] == len(province.gate_days()) and max(gate) == MAX_BATCH_RECORDS
    assert first[("430102", "worker.enrol", MAX_BATCH_RECORDS)] == 1
    assert peak < 100 * 2 ** 20, f"peak {peak / 2 ** 20:.0f} MiB while streaming"


def test_the_volume_is_counted_without_making_the_messages_and_agrees_with_them():
    province = generate(ProvinceSpec(as_of=AS_OF, counties=2, projects_per_county=90, workers_per_project=12,
                                     violation_share=0.3, every_violation=True))
    made = Counter()
    for env in province.messages():
        made[env["type"]] += 1
        made[(env["type"], "records")] += len(env["payload"]["records"]) if "records" in env["payload"] else 1
    assert {t: (made[t], made[(t, "records")]) for t in MESSAGE_TYPES if made[t]} == dict(province.volume())


def test_the_generator_and_its_expectations_import_neither_eventlet_nor_nameko_nor_kombu():
    """Locust's gevent process imports it (and the bench a plain one)."""
    import subprocess
    import sys

    probe = ("import sys; from datetime import date; import testkit.province as sp; "
             "p = sp.generate(sp.ProvinceSpec(as_of=date(2026, 11, 23))); next(p.messages()); p.expected_alerts; "
             "print(sorted(m for m in ('eventlet', 'nameko', 'kombu', 'pymongo') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_leaving_out_the_gate_drops_only_the_clock_ins_in_the_same_order():
    """The load test sends its own gate and takes the rest of a county's messages as is."""
    province = generate(SMALL)
    county = next(iter(province.counties))
    everything = list(province.messages(county))
    without_gate = list(province.messages(county, gate=False))
    assert without_gate == [env for env in everything if env["type"] != "attendance.batch"]
    assert any(env["type"] == "attendance.batch" for env in everything)
