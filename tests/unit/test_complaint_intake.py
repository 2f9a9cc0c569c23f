"""A complaint as it arrives: the case it opens, first contact, and the complainant masked."""
from __future__ import annotations

import pytest

from services.complaints.intake import employer_role, intake_problems, scrub
from shared.pii import keyed_hash
from testkit.synthetic import credit_code
from tests.factories import COUNTY, OTHER_COUNTY, complaint, worker_id
from tests.unit.complaint_cases import UNIT_PII_KEY, a_case, submission

PHONE, ID_NUMBER = "13912345678", worker_id(7)


def test_a_complaint_opens_a_received_case_at_the_hrss_desk_of_its_division():
    case = a_case()
    assert case["_id"] == f"{COUNTY}/TS-2026-0001"
    assert (case["status"], case["division"], case["department"]) == ("received", COUNTY, "hrss")
    assert (case["filed_on"], case["month"], case["amount_claimed_fen"]) == ("2026-09-30", "2026-09", 1560000)
    [filed] = case["history"]
    assert (filed["action"], filed["by"], filed["on"]) == ("file", f"county system {COUNTY} (hotline)", "2026-09-30")
    assert case["pending"] == [1], "its event and alert are still to go out"


def test_the_filing_date_is_the_shanghai_date_of_filed_at():
    case = a_case(filed_at="2026-09-30T17:30:00+00:00")     # 01:30 on 1 October in Shanghai
    assert case["filed_on"] == "2026-10-01"


def test_the_complainant_is_kept_only_masked_with_keyed_hashes_to_find_them_again():
    case = a_case()
    assert case["complainant"] == {
        "name": "张**", "phone": "139****5678", "phone_hash": keyed_hash(PHONE, UNIT_PII_KEY),
        "id_number": ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:], "id_hash": keyed_hash(ID_NUMBER, UNIT_PII_KEY)}
    stored = str(case)
    assert PHONE not in stored and ID_NUMBER not in stored and "张三丰" not in stored


def test_numbers_and_the_complainants_name_are_masked_in_the_description():
    case = a_case(description=f"张三丰等三人八月工资未发，电话{PHONE}，座机0731-84561234，身份证{ID_NUMBER}。")
    assert case["description"] == (f"张**等三人八月工资未发，电话139****5678，座机073******1234，"
                                   f"身份证{ID_NUMBER[:3]}{'*' * 11}{ID_NUMBER[-4:]}。")


def test_amounts_and_dates_in_a_description_are_left_alone():
    assert scrub("2026-09-30 欠 15600 元, 合同号 HT20260930") == "2026-09-30 欠 15600 元, 合同号 HT20260930"


def test_a_complaint_received_by_another_county_is_transferred_there_at_once():
    case = a_case(county=OTHER_COUNTY)                       # 长沙县 received it for 芙蓉区
    assert case["_id"] == f"{OTHER_COUNTY}/TS-2026-0001"
    assert (case["division"], case["divisions"], case["status"]) == (COUNTY, [COUNTY, OTHER_COUNTY], "received")
    transfer = case["history"][1]
    assert (transfer["action"], transfer["by"], transfer["division"]) == ("transfer", "platform", COUNTY)
    assert transfer["details"]["reason"] == f"首问负责 first contact: received by {OTHER_COUNTY} for {COUNTY}"


def test_a_complaint_filed_after_it_was_received_is_refused_naming_filed_at():
    late = submission(complaint(filed_at="2026-10-01T10:00:00+08:00"), received_at="2026-09-30T10:00:00+08:00")
    assert intake_problems(late.payload, late.received_at) == {
        "filed_at": ["Must not be later than when the platform received the message (2026-09-30T10:00:00+08:00)."]}
    drift = submission(complaint(filed_at="2026-09-30T10:05:00+08:00"), received_at="2026-09-30T10:00:00+08:00")
    assert intake_problems(drift.payload, drift.received_at) == {}, "a few minutes of clock drift is fine"


PROJECT = {"general_contractor": {"name": "湖南水电建设集团有限公司", "uscc": credit_code(COUNTY, 12)},
           "owner": {"name": "长沙市水利建设投资有限公司", "uscc": credit_code(COUNTY, 11)}}


@pytest.mark.parametrize("employer, project, role", [
    ({"name": "x", "uscc": credit_code(COUNTY, 12)}, PROJECT, "general_contractor"),
    ({"name": "x", "uscc": credit_code(COUNTY, 11)}, PROJECT, "owner"),
    ({"name": "湖南水电建设集团有限公司"}, PROJECT, "general_contractor"),     # no credit code: by name
    ({"name": "某劳务分包公司", "uscc": credit_code(COUNTY, 99)}, PROJECT, "other"),
    ({"name": "x", "uscc": credit_code(COUNTY, 12)}, None, None),
])
def test_the_employer_is_linked_to_its_part_in_the_project(employer, project, role):
    assert employer_role(employer, project) == role

