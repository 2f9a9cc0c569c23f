"""What `wagewatch sweep` prints."""
from __future__ import annotations

from wagewatch.sweep import format_outcome


def test_an_escalated_alert_names_each_department_once():
    alert = {"severity": "red", "type": "COMPLAINT_OVERDUE", "division": "430102", "project_code": "P1",
             "month": "2026-09", "departments": ["hrss", "water", "hrss", "water", "hrss", "water"]}
    printed = format_outcome([{"source": "complaints", "as_of": "2026-10-28", "reported": 1,
                               "raised": [alert], "resolved": []}])
    assert printed.splitlines()[1].endswith("430102 P1 2026-09 → hrss, water")
