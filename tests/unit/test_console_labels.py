"""The console shows every desk and every alert type in Chinese: a department or type the
platform routes or raises without a label would show its English code to an operator (and
be missing from the type filter). New types must not be forgotten there."""
from __future__ import annotations

import re
from pathlib import Path

from shared.contract import alerts
from shared.contract.alert_details import ALERT_DETAILS
from shared.contract.alerts import DEPARTMENTS, SEVERITIES

SCRIPT = (Path(__file__).resolve().parents[2] / "services" / "console" / "static" / "console.js").read_text("utf-8")
CJK = re.compile(r"[\u4e00-\u9fff]")


def labels(group: str) -> list[tuple[str, str]]:
    """``LABELS.<group>`` of console.js as (code, label) pairs, in order (repeats kept)."""
    block = re.search(rf"^  {group}: {{(.*?)}},$", SCRIPT, re.S | re.M).group(1)
    return re.findall(r'([A-Za-z_]+): "([^"]*)"', block)


def labelled(group: str) -> set[str]:
    return {code for code, _label in labels(group)}


def alert_types() -> set[str]:
    """Every alert type declared in shared/contract/alerts.py (``NAME = "NAME"``)."""
    return {value for name, value in vars(alerts).items() if name.isupper() and name == value}


def test_every_department_has_its_chinese_name_finance_and_soe_included():
    assert labelled("department") == set(DEPARTMENTS) and {"finance", "soe"} <= labelled("department")


def test_every_alert_type_the_platform_raises_has_a_label():
    assert set(ALERT_DETAILS) - labelled("type") == set()


def test_every_alert_type_of_the_contract_module_has_a_chinese_label_and_no_label_is_for_an_unknown_type():
    assert alert_types() - labelled("type") == set(), "alert types without a label in console.js LABELS.type"
    assert labelled("type") - alert_types() == set()
    assert [code for code, label in labels("type") if not CJK.search(label)] == []


def test_each_type_is_labelled_once():
    """A repeated key in a JS object literal silently keeps the last: two labels for one type."""
    codes = [code for code, _label in labels("type")]
    assert sorted({c for c in codes if codes.count(c) > 1}) == []


def test_every_severity_has_a_chinese_label():
    assert labelled("severity") == set(SEVERITIES)
