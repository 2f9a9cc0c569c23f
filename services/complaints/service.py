"""complaints: wage-arrears complaints (欠薪投诉) from arrival to closing.

Owns ``complaint.filed``. A complaint opens a case at once and tells its county's hrss
desk (``COMPLAINT_FILED``); desks then move the case through its lifecycle by RPC
(``wagewatch complaints …``); every change is recorded and published as a
``complaint_*`` event; the daily sweep watches the working-day clocks
(``COMPLAINT_OVERDUE``) and unheeded orders to pay (``CRIMINAL_REFERRAL_DUE``); and the
figures are reported per division and period.

The use cases are in ``app.py`` (a change's follow-up, events and alerts, is relayed by
the timer below when it could not finish); this class only turns entrypoints into calls,
over the adapters ``bootstrap`` wires (the case repository, the service's own copy of the
project registry, the event dispatcher, the alerts service's RPC).
"""
from __future__ import annotations

from datetime import date

from nameko.events import EventDispatcher
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from services.complaints import domain
from services.complaints.app import CaseFilter, Complaints
from services.complaints.exceptions import CaseError, travel_as_themselves
from services.complaints.repository import CaseRepository
from services.complaints.settings import ComplaintSettings
from shared.contract.alerts import COMPLAINT_OVERDUE, CRIMINAL_REFERRAL_DUE
from shared.errors import RecordRefused
from shared.internal import Submission
from shared.nameko import registry as project_registry
from shared.nameko import sweeps
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, Repository, Settings

travel_as_themselves()

_PERSONAL = ("submission.payload.complainant", "submission.payload.description")


def bootstrap(service: ComplaintsService) -> Complaints:
    """The use cases over the real adapters a worker of the service was given."""
    return Complaints(cases=service.cases, registry=service.registry, alerts=service.alerts,
                      publish=service.dispatch, settings=service.settings, clock=service.clock)


class ComplaintsService(project_registry.RegistryFeed, sweeps.MonitoringSweep):
    name = "complaints"
    alert_types = (COMPLAINT_OVERDUE, CRIMINAL_REFERRAL_DUE)

    health = HealthCheck()

    cases = Repository(CaseRepository)
    settings = Settings(ComplaintSettings.from_config)
    clock = ClockProvider()
    dispatch = EventDispatcher()
    registry = project_registry.LocalRegistry()
    alerts = RpcProxy("alerts")

    # ---- intake: the owner of complaint.filed -------------------------------------------

    @rpc(sensitive_arguments=_PERSONAL, expected_exceptions=RecordRefused)
    def file_complaint(self, submission: dict) -> dict:
        """Open the case for a ``complaint.filed`` and tell the desks at once. The same
        complaint again (same county and complaint_id) changes nothing."""
        return bootstrap(self).file(Submission.load(submission))

    # ---- a desk's changes -----------------------------------------------------------------

    @rpc(expected_exceptions=CaseError)
    def accept(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        """受理: take the case on; the investigation clock starts."""
        return self._change(case_id, domain.ACCEPT, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def refuse(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        """不予受理: refuse in writing, with the reason."""
        return self._change(case_id, domain.REFUSE, by=by, on=on, reason=reason)

    @rpc(expected_exceptions=CaseError)
    def investigate(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        return self._change(case_id, domain.INVESTIGATE, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def suspend(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        """中止: wait (for the complainant's materials, another authority); the clock pauses."""
        return self._change(case_id, domain.SUSPEND, by=by, on=on, reason=reason)

    @rpc(expected_exceptions=CaseError)
    def resume(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        return self._change(case_id, domain.RESUME, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def resolve(self, case_id: str, by: str, outcome: str, amount_recovered, workers_paid: int,
                on: str | None = None, note: str | None = None) -> dict:
        """处理完毕: the outcome, the wages recovered (yuan) and the workers paid."""
        return self._change(case_id, domain.RESOLVE, by=by, on=on, outcome=outcome,
                            amount_recovered=amount_recovered, workers_paid=workers_paid, note=note)

    @rpc(expected_exceptions=CaseError)
    def close(self, case_id: str, by: str, on: str | None = None, note: str | None = None) -> dict:
        """结案."""
        return self._change(case_id, domain.CLOSE, by=by, on=on, note=note)

    @rpc(expected_exceptions=CaseError)
    def transfer(self, case_id: str, by: str, reason: str, to_division: str | None = None,
                 to_department: str | None = None, on: str | None = None) -> dict:
        """转办: hand the case to the competent division or department (never turn it away)."""
        return self._change(case_id, domain.TRANSFER, by=by, on=on, reason=reason,
                            to_division=to_division, to_department=to_department)

    @rpc(expected_exceptions=CaseError)
    def reopen(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        return self._change(case_id, domain.REOPEN, by=by, on=on, reason=reason)

    @rpc(expected_exceptions=CaseError)
    def extend(self, case_id: str, by: str, reason: str, on: str | None = None) -> dict:
        """延期: the investigation deadline + 30 working days, once, with the approval's reason."""
        return self._change(case_id, domain.EXTEND, by=by, on=on, reason=reason)

    @rpc(expected_exceptions=CaseError)
    def order_payment(self, case_id: str, by: str, deadline: str, amount, workers: int, months: int,
                      largest_one_worker=None, on: str | None = None, note: str | None = None) -> dict:
        """责令支付: record the order to pay (its deadline, the wages, the workers, the longest
        months unpaid); unheeded at the threshold, it makes a referral to the police due."""
        return self._change(case_id, domain.ORDER, by=by, on=on, deadline=deadline, amount=amount, workers=workers,
                            months=months, largest_one_worker=largest_one_worker, note=note)

    @rpc(expected_exceptions=CaseError)
    def record_payment(self, case_id: str, by: str, amount_paid, on: str | None = None,
                       note: str | None = None) -> dict:
        """Wages paid under the order to pay, on ``on`` (default today)."""
        return self._change(case_id, domain.PAY, by=by, on=on, amount_paid=amount_paid, note=note)

    def _change(self, case_id: str, action: str, **request) -> dict:
        return bootstrap(self).change(case_id, action, request)

    # ---- reading ------------------------------------------------------------------------

    @rpc(expected_exceptions=CaseError)
    def get_case(self, case_id: str, as_of: str | None = None) -> dict:
        return bootstrap(self).get_case(case_id, as_of)

    @rpc(expected_exceptions=CaseError, sensitive_arguments=("complainant",))
    def list_cases(self, division: str | None = None, status: str | None = None, project_code: str | None = None,
                   employer_uscc: str | None = None, complainant: str | None = None, limit: int = 100,
                   as_of: str | None = None) -> list[dict]:
        """Cases newest first. ``complainant`` is a phone or ID number, matched by its
        keyed hash (it is never stored or returned)."""
        wanted = CaseFilter(division, status, project_code, employer_uscc, complainant, limit)
        return bootstrap(self).list_cases(wanted, as_of)

    @rpc(expected_exceptions=CaseError)
    def figures(self, division: str, date_from: str, date_to: str, as_of: str | None = None) -> dict:
        """Filed, accepted, closed, closure and on-time rates, recovered, helped: see figures.py."""
        return bootstrap(self).figures(division, date_from, date_to, as_of)

    # ---- monitoring ---------------------------------------------------------------------

    def _evaluate(self, day: date, isolation, project_codes: list[str] | None = None) -> list[dict]:
        return bootstrap(self).watch(day, isolation)

    def _after_sweep(self, outcome: dict, conditions: list[dict], day: date) -> None:
        bootstrap(self).withdraw_raced(outcome, conditions, day)

    def _sweep_log(self):
        return self.cases.sweeps

    @timer(interval=15)
    def relay_pending(self):
        """Publish what a change's follow-up could not (the alerts service was away)."""
        bootstrap(self).relay_pending()
