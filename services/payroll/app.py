"""payroll's use cases: record a month's payroll sheet (工资支付表) and find the
project-months past due without one. Plain Python over ports; ``service.py`` wires nameko's
adapters, ``tests/unit/test_payroll_app.py`` wires fakes."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from services.payroll.domain import PayrollRules, payroll_missing, payroll_missing_fingerprint
from shared.contract.fields import to_fen
from shared.errors import RecordRefused
from shared.internal import CONDITIONS_CLEARED, PAYROLL_RECORDED, ConditionsCleared, PayrollRecorded, Submission
from shared.pii import keyed_hash, mask_id_number
from shared.projects import submission_problem
from shared.registry import ProjectRegistry
from shared.sweeps import Isolation, project_subject

Dispatch = Callable[[str, dict[str, Any]], None]


class PayrollStore(Protocol):
    """What the use cases need of ``services.payroll.repository.PayrollRepository``."""

    def record(self, project_code: str, month: str, county: str, message_id: str,
               lines: dict[str, dict[str, Any]]) -> None: ...

    def paid_months(self, project_codes: list[str] | None = None) -> set[tuple[str, str]]: ...


@dataclass
class Payroll:
    payrolls: PayrollStore
    registry: ProjectRegistry
    dispatch: Dispatch
    rules: PayrollRules
    pii_key: bytes

    def record(self, submission: Submission) -> dict[str, Any]:
        """Store a ``payroll.paid``; several messages for one project-month merge by worker
        (a redelivery writes the same values again). A sheet the county may not send
        raises RecordRefused, naming the field."""
        payroll, county = submission.payload or {}, submission.county
        code, month = payroll["project_code"], payroll["month"]
        problem = submission_problem(self.registry.get(code), county)
        if problem:
            raise RecordRefused({"project_code": [problem]})
        lines = {keyed_hash(line["id_number"], self.pii_key): sheet_line(line, payroll, submission.message_id)
                 for line in payroll["lines"]}
        self.payrolls.record(code, month, county, submission.message_id, lines)
        self.dispatch(CONDITIONS_CLEARED, ConditionsCleared(fingerprints=[payroll_missing_fingerprint(code, month)],
                                                            reason=f"payroll for {month} recorded").dump())
        self.dispatch(PAYROLL_RECORDED, PayrollRecorded(project_code=code, month=month, workers=len(lines)).dump())
        return {}

    def evaluate(self, day: date, isolation: Isolation, project_codes: list[str] | None = None) -> list[dict[str, Any]]:
        """PAYROLL_MISSING for every project-month past due without payroll, as of a date
        (every registered project, or those named)."""
        found = self.registry.all() if project_codes is None else self.registry.get_many(project_codes).values()
        paid = self.payrolls.paid_months(project_codes)
        return isolation.each(found, lambda p: payroll_missing([p], paid, day, self.rules), project_subject)


def sheet_line(line: dict[str, Any], payroll: dict[str, Any], message_id: str) -> dict[str, Any]:
    """One worker's line as stored: the ID number masked (the key is its keyed hash)."""
    return {"id_masked": mask_id_number(line["id_number"]),
            "amount_due_fen": to_fen(line["amount_due"]),
            "amount_paid_fen": to_fen(line["amount_paid"]),
            "paid_on": payroll["paid_on"].isoformat(),
            "message_id": message_id}
