"""Hand-written fakes of the project's own interfaces (not mocks)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from services.ingress.handler import UnpublishableReceipt


class FakeIngressLog:
    def __init__(self):
        self.messages: dict[tuple[str, str], dict] = {}
        self.quarantined: list[dict] = []

    def find(self, county, message_id):
        return self.messages.get((county, message_id))

    def record(self, envelope, receipt):
        key = (envelope.county, envelope.message_id)
        if key in self.messages:
            return False
        self.messages[key] = {"receipt": receipt, "receipt_sent": False}
        return True

    def mark_receipt_sent(self, county, message_id):
        self.messages[(county, message_id)]["receipt_sent"] = True

    def quarantine(self, delivery, receipt, reason):
        self.quarantined.append({"body": delivery.body, "receipt": receipt, "reason": reason})


class FakeReceipts:
    """Publishes every receipt, except those ``refuse(receipt)`` names a reason for: like
    the real publisher with a value the wire cannot carry, it raises UnpublishableReceipt."""

    def __init__(self, refuse=None):
        self.sent: list[tuple[dict, str | None]] = []
        self.refuse = refuse or (lambda receipt: None)

    def __call__(self, receipt, division):
        reason = self.refuse(receipt)
        if reason:
            raise UnpublishableReceipt(reason)
        self.sent.append((receipt, division))


class FakeOwner:
    """An owning service: stores what it is given, refuses what it is told to."""

    def __init__(self, answer=None):
        self.answer = answer or {}
        self.stored: list = []

    def __call__(self, envelope, check):
        self.stored.append(check.payload if check.payload is not None else check.records)
        return self.answer


class FakeAttempts:
    """The console's sign-in claims (services/console/sign_in.Attempts), in a dict."""

    def __init__(self):
        self.claims: dict[str, list[dict]] = {}

    def claim(self, key, claim_id, now, since, limit):
        held = [c for c in self.claims.get(key, []) if c["at"] > since]
        if len(held) >= limit:
            return False
        self.claims[key] = held + [{"id": claim_id, "at": now}]
        return True

    def release(self, key, claim_id):
        self.claims[key] = [c for c in self.claims.get(key, []) if c["id"] != claim_id]

    def clear(self, key):
        self.claims.pop(key, None)


class FakeProjectSource:
    """The projects service's RPC (shared.registry.ProjectSource): answers from a dict of
    facts as sent, and counts what it was asked."""

    def __init__(self, *projects: dict):
        self.projects = {p["project_code"]: p for p in projects}
        self.asked: list[list[str] | None] = []   # codes per get_projects, None per list_projects

    def get_projects(self, project_codes):
        self.asked.append(list(project_codes))
        return {code: self.projects[code] for code in project_codes if code in self.projects}

    def list_projects(self):
        self.asked.append(None)
        return list(self.projects.values())


class Unreachable(Exception):
    """Another service cannot be reached (its RPC times out)."""


class FakeAlerts:
    """The alerts service's RPC as other services call it (report, clear): records the calls;
    while ``away`` every call raises."""

    def __init__(self):
        self.reported: list[dict] = []
        self.cleared: list[tuple[list[str], str]] = []
        self.away = False

    def report(self, source, conditions):
        self._reachable()
        self.reported.extend(conditions)

    def clear(self, source, fingerprints, reason):
        self._reachable()
        self.cleared.append((list(fingerprints), reason))

    def cleared_fingerprints(self) -> list[str]:
        return [fp for fps, _reason in self.cleared for fp in fps]

    def _reachable(self):
        if self.away:
            raise Unreachable("alerts")


class FakePayroll:
    """The payroll service's ``payroll_lines`` RPC: lines per project-month key; counts what
    it was asked; while ``away`` it raises."""

    def __init__(self, lines: dict | None = None):
        self.lines = dict(lines or {})
        self.asked: list[list[str]] = []
        self.away = False

    def payroll_lines(self, keys):
        if self.away:
            raise Unreachable("payroll")
        self.asked.append(list(keys))
        return {key: self.lines[key] for key in keys if key in self.lines}


class FixedClock:
    """The platform clock, standing where a test puts it (Asia/Shanghai)."""

    def __init__(self, now: str):
        self.at = datetime.fromisoformat(now)

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()

    def now_iso(self) -> str:
        return self.at.isoformat()

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


class FakeEvents:
    """An event dispatcher: keeps (event type, body) in order."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    def __call__(self, event_type, body):
        self.sent.append((event_type, body))

    def types(self) -> list[str]:
        return [event_type for event_type, _body in self.sent]


class FakePayrollStore:
    """services/payroll/repository.PayrollRepository's write and sweep reads, in dicts."""

    def __init__(self):
        self.sheets: dict[tuple[str, str], dict] = {}

    def record(self, project_code, month, county, message_id, lines):
        sheet = self.sheets.setdefault((project_code, month), {"county": county, "lines": {}, "message_ids": set()})
        sheet["lines"].update(lines)
        sheet["message_ids"].add(message_id)

    def paid_months(self, project_codes=None):
        return {key for key in self.sheets if project_codes is None or key[0] in project_codes}


class FakeLedger:
    """services/accounts/repository.AccountsRepository's records and facts, in a Facts."""

    def __init__(self):
        from services.accounts.domain import Facts

        self.kept = Facts()

    def open_account(self, code, account, county, message_id):
        self.kept.accounts[code] = account

    def record_allocation(self, code, month, received_on, amount_fen, county, message_id):
        self.kept.allocations.setdefault(code, {})[month] = amount_fen

    def record_deposit(self, code, form, paid_on, amount_fen, county, message_id):
        self.kept.deposits.setdefault(code, []).append({"paid_on": paid_on, "amount_fen": amount_fen, "form": form})

    def facts(self, project_codes=None):
        from services.accounts.domain import Facts

        def mine(found):
            return {code: value for code, value in found.items() if project_codes is None or code in project_codes}
        return Facts(accounts=mine(self.kept.accounts), allocations=mine(self.kept.allocations),
                     deposits=mine(self.kept.deposits))


class FakePayrollTotals:
    """The payroll service's ``month_totals`` RPC over rows given (none by default)."""

    def __init__(self, rows=()):
        self.rows = list(rows)

    def month_totals(self, months, project_codes=None):
        return [r for r in self.rows if (months is None or r["month"] in months)
                and (project_codes is None or r["project_code"] in project_codes)]


class FakeProjects:
    """The projects service's repository (services/projects/repository.py), in a dict."""

    def __init__(self):
        self.records: dict[str, dict] = {}

    def get(self, project_code):
        return self.records.get(project_code)

    def save(self, record, version, changed):
        self.records[record["project_code"]] = {**record, "version": version, "changed": list(changed)}


class FakePublisher:
    """A nameko Publisher: remembers each (body, routing key) published."""

    def __init__(self):
        self.sent: list[tuple[dict, str]] = []

    def __call__(self, body, routing_key):
        self.sent.append((body, routing_key))

    def keys(self) -> list[str]:
        return [key for _, key in self.sent]


class FakeAccounts:
    """The console's accounts (services/console/repository.ConsoleRepository), in a dict."""

    def __init__(self):
        self.accounts: dict[str, dict] = {}

    def add_account(self, account):
        if account["username"] in self.accounts:
            return False
        self.accounts[account["username"]] = dict(account)
        return True

    def set_password(self, username, password_hash):
        return self._change(username, password=password_hash)

    def disable(self, username):
        return self._change(username, disabled=True)

    def account(self, username):
        return self.accounts.get(username)

    def _change(self, username, **fields):
        if username not in self.accounts:
            return False
        self.accounts[username].update(fields)
        return True
