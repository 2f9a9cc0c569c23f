"""The console's account use cases (值班台账户), behind ``wagewatch console …``: plain
functions over the console's repository, refusing with RequestInvalid (shared/errors.py)
field by field; the nameko class only translates the RPCs into these calls."""
from __future__ import annotations

from typing import Any, Protocol

from services.console.accounts import account_problems
from shared.errors import RequestInvalid

NO_SUCH_ACCOUNT = {"username": ["No such account."]}


class AccountStore(Protocol):
    """The console's own storage (``services.console.repository.ConsoleRepository``)."""

    def add_account(self, account: dict[str, Any]) -> bool: ...
    def set_password(self, username: str, password_hash: str) -> bool: ...
    def account(self, username: str) -> dict[str, Any] | None: ...
    def disable(self, username: str) -> bool: ...


def add_account(store: AccountStore, username: str, password_hash: str, department: str, division: str,
                display_name: str | None, now: str) -> dict[str, Any]:
    """Create an operator's account from a password already hashed by the command line."""
    problems = account_problems(username, "x" * 64, department, division)
    if not str(password_hash).startswith("scrypt$"):
        problems["password_hash"] = ["Must be an scrypt hash made by `wagewatch console add-user`."]
    if problems:
        raise RequestInvalid(problems)
    account = {"username": username, "password": password_hash, "department": department,
               "division": division, "display_name": display_name or username,
               "created_at": now, "disabled": False}
    if not store.add_account(account):
        raise RequestInvalid({"username": ["Already taken."]})
    return account


def set_password(store: AccountStore, username: str, password_hash: str) -> dict[str, Any]:
    if not store.set_password(username, password_hash):
        raise RequestInvalid(NO_SUCH_ACCOUNT)
    return _account(store, username)


def disable_account(store: AccountStore, username: str) -> dict[str, Any]:
    if not store.disable(username):
        raise RequestInvalid(NO_SUCH_ACCOUNT)
    return _account(store, username)


def _account(store: AccountStore, username: str) -> dict[str, Any]:
    account = store.account(username)
    if account is None:     # removed meanwhile
        raise RequestInvalid(NO_SUCH_ACCOUNT)
    return account
