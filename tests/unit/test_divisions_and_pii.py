from __future__ import annotations

import pytest

from shared.divisions import city_of, covers, level_of, name_of, parent_of, province_of
from shared.pii import keyed_hash, mask_account, mask_id_number, mask_name, mask_phone
from tests.factories import worker_id


def test_a_county_knows_its_city_and_province():
    assert (city_of("430102"), province_of("430102")) == ("430100", "430000")
    assert [level_of(c) for c in ("430102", "430100", "430000")] == ["county", "city", "province"]
    assert parent_of("430102") == "430100" and parent_of("430100") == "430000" and parent_of("430000") is None


def test_division_names_come_from_gbt_2260_current_entry():
    assert name_of("430102") == "芙蓉区"
    assert name_of("430100") == "长沙市"
    assert name_of("999999") is None


@pytest.mark.parametrize("scope, code, expected", [
    ("430000", "430102", True), ("430100", "430102", True), ("430102", "430102", True),
    ("431000", "430102", False), ("430100", "431002", False), ("430102", "430121", False),
])
def test_a_scope_covers_the_divisions_within_it(scope, code, expected):
    assert covers(scope, code) is expected


def test_masks_keep_only_what_a_desk_needs():
    number = worker_id(3)
    assert mask_id_number(number) == number[:3] + "*" * 11 + number[-4:]
    assert mask_phone("13912345678") == "139****5678"
    assert mask_account("6222021234567890123") == "*" * 15 + "0123"
    assert mask_name("张三丰") == "张**"


def test_keyed_hash_depends_on_the_key_and_never_shows_the_number():
    number = worker_id(3)
    first, second = keyed_hash(number, b"key-a"), keyed_hash(number, b"key-b")
    assert first != second and number not in first
    assert keyed_hash(number, b"key-a") == first
    with pytest.raises(ValueError):
        keyed_hash(number, b"")
