"""Who may do what on the broker, as generated; and sealing of quarantined bodies."""
from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet

from shared.contract.access import Scope, county_grant, desk_grant
from shared.contract.definitions import definitions, users
from shared.divisions import current_counties
from shared.sealing import InvalidToken, KeyMissing, Sealer, new_key


def test_current_counties_leave_out_abolished_codes_and_placeholders():
    changsha = current_counties("430100")
    assert changsha == ["430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430182"]
    assert "430122" not in changsha and "430101" not in changsha   # 望城县 (to 2011), 市辖区
    assert len(current_counties("430000")) == 122 and current_counties("430102") == ["430102"]


@pytest.mark.parametrize("routing_key, allowed", [
    ("county.430102.payroll.paid", True),
    ("county.430102.project.upsert", True),
    ("county.430121.payroll.paid", False),
    ("county.4301021.payroll.paid", False),
    ("county.430102", False),
    ("alert.water.430102.red", False),
])
def test_a_countys_topic_permission_matches_only_its_own_keys(routing_key, allowed):
    grant = county_grant("430102")
    assert bool(re.search(grant.topic("wagewatch.ingress").write, routing_key)) is allowed


@pytest.mark.parametrize("name, readable", [
    ("wagewatch.receipts.430102", True), ("wagewatch.receipts.430102.mine", False),
    ("wagewatch.receipts.430121", False), ("wagewatch.receipts.4301021", False),
    ("wagewatch.receipts", False), ("wagewatch.ingress", False), ("snoop", False),
])
def test_a_county_reads_only_its_receipts_queue_and_configures_nothing(name, readable):
    grant = county_grant("430102")
    assert bool(re.search(grant.read, name)) is readable
    assert not re.search(grant.configure, name)
    assert bool(re.search(grant.write, name)) is (name == "wagewatch.ingress")


def test_whoever_may_write_to_the_ingress_may_configure_nothing_and_read_no_exchange():
    """Write on the ingress is all RabbitMQ asks of a dead-letter exchange, an alternate
    exchange or an exchange binding into it: a publisher must not be able to make one."""
    scope = Scope.of(["430100"])
    exchanges = ("wagewatch.ingress", "wagewatch.receipts", "wagewatch.alerts", "wagewatch.notifications",
                 "wagewatch.receipts.430102.x", "wagewatch.desk.water.430102.x")
    for grant in scope.grants()[1:]:
        if re.search(grant.write, "wagewatch.ingress"):
            assert grant.configure == "^$", grant.user
            assert not any(re.search(grant.read, e) for e in exchanges), grant.user


@pytest.mark.parametrize("binding, allowed", [
    ("alert.water.430100.*", True), ("alert.water.430100.red", True), ("alert.water.430100.#", True),
    ("alert.water.430102.*", False), ("alert.hrss.430100.*", False), ("alert.*.430100.*", False), ("#", False),
])
def test_a_desk_binds_only_its_own_department_and_division(binding, allowed):
    grant = desk_grant("water", "430100")
    assert bool(re.search(grant.topic("wagewatch.alerts").read, binding)) is allowed
    notify = binding.replace("alert.", "notify.", 1)
    assert bool(re.search(grant.topic("wagewatch.notifications").read, notify)) is allowed
    assert grant.topic("wagewatch.alerts").write == "^$" and not re.search(grant.write, "wagewatch.alerts")


def test_a_scope_gives_desks_to_each_county_its_city_and_province():
    scope = Scope.of(["430102", "430121"], ["water", "hrss"])
    assert scope.counties == ("430102", "430121")
    assert {div for _, div in scope.desks} == {"430102", "430121", "430100", "430000"}
    document = definitions("wagewatch", scope)
    assert users(document) == sorted(["wagewatch", "county.430102", "county.430121"]
                                     + [f"desk.{d}.{v}" for d in ("water", "hrss")
                                        for v in ("430102", "430121", "430100", "430000")])
    assert {q["name"] for q in document["queues"]} >= {"wagewatch.receipts.430102", "wagewatch.desk.hrss.430000"}


def test_a_sealed_body_opens_only_with_its_key_and_survives_rotation():
    old, new = new_key(), new_key()
    token = Sealer(old).seal(b'{"id_number": "430102197801010011"}')
    assert b"430102" not in token.encode()
    assert Sealer(f"{new},{old}").open(token) == b'{"id_number": "430102197801010011"}'
    with pytest.raises(InvalidToken):
        Sealer(Fernet.generate_key().decode()).open(token)
    with pytest.raises(KeyMissing):
        Sealer("")
