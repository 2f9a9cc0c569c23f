"""Seeded complaint cases whose figures the tests count by hand (unit and integration).

Each: the county that files it, its complaint_id, the filing date, and the desk's changes
as (action, effective date, params).
"""
from __future__ import annotations

from datetime import date

from testkit.synthetic import credit_code
from tests.factories import complaint


def paid(outcome: str, amount: float, workers: int) -> dict:
    return {"outcome": outcome, "amount_recovered": amount, "workers_paid": workers}


D = date.fromisoformat
SEEDED = [
    # 芙蓉区: closed on time; closed late; refused.
    ("430102", "A", "2026-03-02", [("accept", D("2026-03-04"), {}), ("investigate", D("2026-03-05"), {}),
                                   ("resolve", D("2026-04-10"), paid("paid_in_full", 20000, 4)),
                                   ("close", D("2026-04-13"), {})]),
    ("430102", "B", "2026-05-06", [("accept", D("2026-05-08"), {}),
                                   ("resolve", D("2026-09-30"), paid("paid_in_part", 5000.50, 2)),
                                   ("close", D("2026-10-09"), {})]),
    ("430102", "C", "2026-06-01", [("refuse", D("2026-06-03"), {"reason": "已进入劳动仲裁 in arbitration"})]),
    # 长沙县: investigating and overdue; received and overdue; closed late but within its extension.
    ("430121", "D", "2026-07-01", [("accept", D("2026-07-03"), {}), ("investigate", D("2026-07-06"), {})]),
    ("430121", "E", "2026-11-10", []),
    ("430121", "F", "2026-02-10", [("accept", D("2026-02-12"), {}),
                                   ("extend", D("2026-04-20"), {"reason": "情况复杂，经负责人批准"}),
                                   ("resolve", D("2026-06-10"), paid("no_arrears_found", 0, 0)),
                                   ("close", D("2026-06-11"), {})]),
    # Received by 芙蓉区, transferred to 雨花区, which closes it.
    ("430102", "G", "2026-08-03", [("transfer", D("2026-08-05"), {"to_division": "430111", "reason": "属地"}),
                                   ("accept", D("2026-08-06"), {}),
                                   ("resolve", D("2026-08-20"), paid("paid_in_full", 30000, 6)),
                                   ("close", D("2026-08-21"), {})]),
    # 株洲 荷塘区: outside Changsha, inside Hunan.
    ("430202", "H", "2026-04-01", [("accept", D("2026-04-02"), {}),
                                   ("resolve", D("2026-04-20"), paid("paid_in_full", 8000, 1)),
                                   ("close", D("2026-04-21"), {})]),
    # Filed in 2025: outside a 2026 report whenever it was closed.
    ("430102", "I", "2025-12-20", [("accept", D("2025-12-22"), {}),
                                   ("resolve", D("2026-01-10"), paid("paid_in_full", 9999, 3)),
                                   ("close", D("2026-01-12"), {})]),
]


def seeded_complaint(county: str, complaint_id: str, filed: str) -> dict:
    """No project, and an employer of its own, so no risk rule mixes into the figures."""
    return complaint(complaint_id=complaint_id, division=county, filed_at=f"{filed}T09:00:00+08:00",
                     project_code=f"SEED-{complaint_id}",
                     employer={"name": f"种子劳务公司{complaint_id}", "uscc": credit_code(county, ord(complaint_id))})
