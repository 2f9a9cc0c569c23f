"""The console shows every desk and every alert type in Chinese: a department or type the
platform routes or raises without a label would show its English code to an operator."""
from __future__ import annotations

import re
from pathlib import Path

from shared.contract.alert_details import ALERT_DETAILS
from shared.contract.alerts import DEPARTMENTS

SCRIPT = (Path(__file__).resolve().parents[2] / "services" / "console" / "static" / "console.js").read_text("utf-8")


def labelled(group: str) -> set[str]:
    block = re.search(rf"^  {group}: {{(.*?)}},$", SCRIPT, re.S | re.M).group(1)
    return set(re.findall(r"([A-Za-z_]+): \"", block))


def test_every_department_has_its_chinese_name_finance_and_soe_included():
    assert labelled("department") == set(DEPARTMENTS) and {"finance", "soe"} <= labelled("department")


def test_every_alert_type_the_platform_raises_has_a_label():
    assert set(ALERT_DETAILS) - labelled("type") == set()
