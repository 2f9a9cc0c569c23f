"""The console (services/console/static/console.js) shows every alert type by its Chinese
name: operators filter and read alerts by those labels, and a type without one shows as a
bare code (and is missing from the type filter). New types must not be forgotten there."""
from __future__ import annotations

import re
from pathlib import Path

from shared.contract import alerts

CONSOLE_JS = Path(__file__).resolve().parents[2] / "services" / "console" / "static" / "console.js"
CJK = re.compile(r"[\u4e00-\u9fff]")


def alert_types() -> set[str]:
    return {value for name, value in vars(alerts).items() if name.isupper() and name == value}


def console_labels(group: str) -> dict[str, str]:
    """The ``LABELS.<group>`` object of console.js, as code -> label."""
    source = CONSOLE_JS.read_text(encoding="utf-8")
    block = re.search(r"^const LABELS = \{\n(.*?)^\};", source, re.S | re.M)
    assert block, "console.js no longer declares `const LABELS = {...};`"
    body = re.search(rf"^  {group}: \{{(.*?)\}},?$", block.group(1), re.S | re.M)
    assert body, f"console.js LABELS has no `{group}` group"
    return dict(re.findall(r'(\w+): "([^"]*)"', body.group(1)))


def test_every_alert_type_of_the_contract_has_a_chinese_label_in_the_console():
    labels = console_labels("type")
    assert alert_types() - set(labels) == set(), "alert types without a label in console.js LABELS.type"
    assert {t: label for t, label in labels.items() if not CJK.search(label)} == {}


def test_the_console_labels_no_type_the_contract_does_not_define():
    assert set(console_labels("type")) - alert_types() == set()


def test_every_severity_and_department_has_a_console_label():
    assert set(console_labels("severity")) == set(alerts.SEVERITIES)
    assert set(console_labels("department")) == set(alerts.DEPARTMENTS)
