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


@pytest.mark.parametrize("name, own", [
    ("wagewatch.receipts.430102", True), ("wagewatch.receipts.430102.mine", True),
    ("wagewatch.receipts.430121", False), ("wagewatch.receipts.4301021", False),
    ("wagewatch.receipts", False), ("wagewatch.ingress", False), ("snoop", False),
])
def test_a_county_owns_only_the_queues_named_after_its_receipts(name, own):
    grant = county_grant("430102")
    assert bool(re.search(grant.configure, name)) is own
    assert bool(re.search(grant.read, name)) is (own or name == "wagewatch.receipts")   # + bind from the exchange


@pytest.mark.parametrize("binding, allowed", [
    ("county.430102", True), ("county.430121", False), ("county.*", False), ("#", False), ("county.430102.x", False),
])
def test_a_county_binds_its_queue_only_to_its_own_receipts_key(binding, allowed):
    assert bool(re.search(county_grant("430102").topic("wagewatch.receipts").read, binding)) is allowed


@pytest.mark.parametrize("binding, allowed", [
    ("alert.water.430100.*", True), ("alert.water.430100.red", True), ("alert.water.430100.#", True),
    ("alert.water.430102.*", False), ("alert.hrss.430100.*", False), ("alert.*.430100.*", False), ("#", False),
])
def test_a_desk_binds_only_its_own_department_and_division(binding, allowed):
    grant = desk_grant("water", "430100")
    assert bool(re.search(grant.topic("wagewatch.alerts").read, binding)) is allowed
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
