"""``wagewatch console …``: operators' accounts for the web console.

The password is hashed here (scrypt) and only the hash travels to the console service,
so a password never crosses the broker in clear.
"""
from __future__ import annotations

import getpass
import sys

from nameko.exceptions import UnknownService

RPC_TIMEOUT = 30


def _cluster(config):
    from nameko.standalone.rpc import ClusterRpcProxy

    return ClusterRpcProxy(config, timeout=RPC_TIMEOUT)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password (at least 10 characters): ")
    if getpass.getpass("again: ") != first:
        sys.exit("the two passwords differ")
    return first


def run(config: dict, args) -> int:
    from services.console.accounts import MIN_PASSWORD, account_problems, hash_password
    from shared.errors import RequestInvalid, travel_as_themselves

    travel_as_themselves(RequestInvalid)
    try:
        with _cluster(config) as cluster:
            if args.console_action == "users":
                return _print_users(cluster.console.list_accounts())
            if args.console_action == "disable":
                cluster.console.disable_account(args.username)
                return _done(f"disabled {args.username}")
            password = read_password(args.password_stdin)
            if len(password) < MIN_PASSWORD:
                return _refuse({"password": [f"At least {MIN_PASSWORD} characters."]})
            if args.console_action == "set-password":
                cluster.console.set_password(args.username, hash_password(password))
                return _done(f"password changed for {args.username}")
            problems = account_problems(args.username, password, args.department, args.division)
            if problems:
                return _refuse(problems)
            cluster.console.add_account(args.username, hash_password(password), args.department,
                                        args.division, args.name)
            return _done(f"added {args.username}: {args.department} desk at {args.division}")
    except RequestInvalid as refused:
        return _refuse(refused.errors)
    except UnknownService:
        print("no console is running on this broker: start the platform (`wagewatch up`) first", file=sys.stderr)
        return 1


def _done(done: str) -> int:
    """The console stored the change (a refusal arrives as RequestInvalid)."""
    print(done)
    return 0


def _refuse(problems: dict) -> int:
    for field, messages in problems.items():
        print(f"{field}: {' '.join(messages)}", file=sys.stderr)
    return 2


def _print_users(accounts: list[dict]) -> int:
    for account in accounts:
        state = " (disabled)" if account.get("disabled") else ""
        print(f"{account['username']:<20} {account['department']:<12} {account['division']}  "
              f"{account.get('display_name') or ''}{state}")
    print(f"{len(accounts)} account(s)")
    return 0
