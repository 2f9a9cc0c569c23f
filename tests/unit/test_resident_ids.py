"""Resident ID numbers (contract 1.1, "Clarification"): valid when the check digit, the
birth date and an address code that EVER existed in GB/T 2260 are valid, whatever the
birth year. A number is issued with the code of the county where the holder was first
registered, and that code may be younger than the holder: a real worker is never
refused over the age of a code, and a code that never existed is still refused."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from shared.contract.fields import ResidentIdNumber, address_code_ever_existed, resident_id_problem
from testkit.synthetic import resident_id

# Every six-digit code python-stdnum's GB/T 2260 table has ever held, with its years in
# force ("[1983-1995]东区,[1996-]芙蓉区"): the data the rule uses, read independently here.
_EVER = {}
for _l, province, _h, _p, children in numdb.get("cn/loc").prefixes:
    for _l2, rest, _h2, props, _c in children:
        if len(province + rest) == 6 and props.get("county"):
            _EVER[province + rest] = props["county"]
CODES = sorted(_EVER)


def first_year(code: str) -> int | None:
    """The year the code came into force, when the table says so for each of its names."""
    starts = []
    for name in _EVER[code].split(","):
        if not name.startswith("[") or name[1] == "-":
            return None
        starts.append(int(name[1:5]))
    return min(starts)


YOUNG_CODES = [c for c in CODES if (first_year(c) or 0) > 1950]


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def test_a_code_created_after_the_holders_birth_is_valid():
    # 430102: 东区 from 1983, 芙蓉区 from 1996. A worker born in 1975 registered there.
    number = resident_id("430102", date(1975, 6, 1), 12)
    with pytest.raises(InvalidComponent):
        ric.validate(number)   # python-stdnum's own check refuses this real number
    assert resident_id_problem(number) is None


def test_an_abolished_code_is_valid_for_numbers_issued_while_it_existed_and_after():
    # 110103 崇文区 was merged away in 2010; numbers issued under it stay the holders' own.
    assert resident_id_problem(resident_id("110103", date(1980, 1, 1), 3)) is None
    assert resident_id_problem(resident_id("110103", date(2012, 1, 1), 3)) is None


@pytest.mark.parametrize("code", ["999999", "430199", "119999", "000000"])
def test_a_code_that_never_existed_is_refused(code):
    assert resident_id_problem(resident_id(code, date(1980, 1, 1), 1)) == (
        "Unknown address code: no such code was ever in GB/T 2260.")


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from(YOUNG_CODES), years_before=st.integers(min_value=1, max_value=60),
       day=st.integers(min_value=0, max_value=364), sequence=st.integers(min_value=0, max_value=999))
def test_every_code_that_ever_existed_is_valid_for_a_holder_born_before_it(code, years_before, day, sequence):
    born = date(first_year(code) - years_before, 1, 1) + timedelta(days=day)
    number = resident_id(code, born, sequence)
    assert resident_id_problem(number) is None
    assert ResidentIdNumber().deserialize(number.lower()) == number


@settings(max_examples=300, deadline=None)
@given(code=st.text(alphabet="0123456789", min_size=6, max_size=6),
       born=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)),
       sequence=st.integers(min_value=0, max_value=999))
def test_a_well_formed_number_is_valid_exactly_when_its_code_ever_existed(code, born, sequence):
    number = resident_id(code, born, sequence)
    assert (resident_id_problem(number) is None) == (code in _EVER)
    assert address_code_ever_existed(code) == (code in _EVER)


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from(CODES), born=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)),
       sequence=st.integers(min_value=0, max_value=999), position=st.integers(min_value=0, max_value=16),
       shift=st.integers(min_value=1, max_value=9))
def test_any_single_changed_digit_is_caught(code, born, sequence, position, shift):
    number = resident_id(code, born, sequence)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    assert resident_id_problem(changed) is not None   # GB 11643's check digit catches every single error


# ---- the enrolment record's clarification: trade required, team and phone optional -------

from marshmallow import ValidationError  # noqa: E402

from shared.contract.messages import WorkerEnrolmentSchema  # noqa: E402
from tests.factories import enrolment  # noqa: E402


def test_an_enrolment_without_trade_is_refused_naming_it():
    record = {k: v for k, v in enrolment(1).items() if k != "trade"}
    with pytest.raises(ValidationError) as caught:
        WorkerEnrolmentSchema().load(record)
    assert caught.value.messages == {"trade": ["Missing data for required field."]}


def test_an_enrolment_without_team_or_phone_is_accepted():
    record = {k: v for k, v in enrolment(1).items() if k not in ("team", "phone")}
    loaded = WorkerEnrolmentSchema().load(record)
    assert "team" not in loaded and "phone" not in loaded


def test_an_enrolment_of_a_worker_older_than_the_code_is_accepted():
    record = {**enrolment(1), "id_number": resident_id("430102", date(1975, 3, 9), 31)}
    assert WorkerEnrolmentSchema().load(record)["id_number"] == record["id_number"]
