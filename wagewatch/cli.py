"""The ``wagewatch`` command."""
from __future__ import annotations

import argparse
import sys
import warnings
from datetime import date

from shared.contract.alerts import DEPARTMENTS as ALERT_DEPARTMENTS
from wagewatch import complaints as complaints_cli


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _month(text: str) -> str:
    from shared.calendar import Month

    try:
        return str(Month.parse(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month in YYYY-MM form: {text!r}") from None


def _division(text: str) -> str:
    from shared.divisions import validate_division

    problems = validate_division(text)
    if problems:
        raise argparse.ArgumentTypeError(f"{text!r}: {problems[0]}")
    return text


DEPARTMENTS = list(ALERT_DEPARTMENTS)   # the contract's desks, finance and soe (1.1) included


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="wagewatch", description="WageWatch operator command.")
    top.add_argument("--config", help="nameko config file (default: $WAGEWATCH_CONFIG, else ./deploy/config.yml "
                                       "if present, else the one beside the installed code)")
    commands = top.add_subparsers(dest="command", required=True)

    up = commands.add_parser(
        "up", help="run every service in the foreground, each in a process of its own (Ctrl-C stops)",
        description="Run every service in the foreground, each in an OS process of its own with its own "
                    "store, as one platform: one Ctrl-C (or SIGTERM) stops them all, and they die with "
                    "this process even when it is killed. A service that crashes is reported and stops "
                    "the platform (exit status 1); it is not restarted, because on the embedded store it "
                    "would come back empty. HEALTH_ADDRESS answers for every service.")
    up.add_argument("--demo", action="store_true", help="publish the demo month once the platform is up")
    up.add_argument("--as-of", type=_date, help="the demo's date (default: today)")

    sweep = commands.add_parser("sweep", help="run every monitoring rule as of a date: today's raises and "
                                              "resolves alerts, any other day's is a what-if")
    sweep.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="default: today (Asia/Shanghai)")
    sweep.add_argument("--publish", action="store_true",
                       help="a past date: really raise and resolve (back-dated catch-up), not a what-if")
    sweep.add_argument("--force", action="store_true",
                       help="run a real sweep even though it is older than the last real sweep")

    alerts = commands.add_parser("alerts", help="alert stream").add_subparsers(dest="action", required=True)
    tail = alerts.add_parser("tail", help="print the live alert stream")
    tail.add_argument("--department", choices=DEPARTMENTS)
    tail.add_argument("--division", help="6-digit division code (county, city or province)")
    tail.add_argument("--severity", choices=["blue", "yellow", "orange", "red"])
    tail.add_argument("--type", help="only this rule, e.g. PAYROLL_MISSING")
    tail.add_argument("--project", help="only this project code")
    tail.add_argument("--notifications", action="store_true",
                      help="print the desk's grouped notifications instead of every alert")

    console = commands.add_parser("console", help="operators' accounts for the web console")
    accounts = console.add_subparsers(dest="console_action", required=True)
    add = accounts.add_parser("add-user", help="add an operator scoped to one desk")
    add.add_argument("username")
    add.add_argument("--department", required=True, choices=DEPARTMENTS)
    add.add_argument("--division", required=True, help="6-digit division code: county, city or province")
    add.add_argument("--name", help="the name shown in the console (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    setpw = accounts.add_parser("set-password", help="change an operator's password")
    setpw.add_argument("username")
    setpw.add_argument("--password-stdin", action="store_true")
    accounts.add_parser("disable", help="disable an account and end its sessions").add_argument("username")
    accounts.add_parser("users", help="list the accounts")

    policy = commands.add_parser("policy", help="the alert policy file").add_subparsers(dest="action", required=True)
    check = policy.add_parser("check", help="validate the policy and show where a sample alert would go")
    check.add_argument("--file", help="policy file (default: ALERT_POLICY from the config)")
    check.add_argument("--type", help="a sample alert's rule, e.g. PAYROLL_MISSING")
    check.add_argument("--severity", default="red", choices=["blue", "yellow", "orange", "red"])
    check.add_argument("--sector", choices=["housing", "municipal", "water", "transport", "railway", "energy", "other"])
    check.add_argument("--funding", choices=["government", "soe", "private"])
    check.add_argument("--division", default="430102", help="the project's county (default 430102)")
    check.add_argument("--level", default="county", choices=["county", "city", "province"])
    check.add_argument("--project", help="a project code for the sample")
    check.add_argument("--p1", action="store_true", help="a group event (群体性)")
    check.add_argument("--raised-on", type=_date, help="the day the sample is raised (default: today)")

    complaints_cli.add_case_commands(commands, _date)

    # `wagewatch report <name>`: each report's parser names its handler ("module:function").
    reports = commands.add_parser("report", help="figures a province reports").add_subparsers(
        dest="report", required=True)
    complaints_cli.add_report(reports, _date)
    coverage = reports.add_parser("coverage", help="coverage of the required systems among a division's "
                                                   "projects under construction in a month (制度覆盖率)")
    coverage.add_argument("--division", type=_division, required=True, metavar="CODE",
                          help="6-digit division code: a county, city or province")
    coverage.add_argument("--month", type=_month, required=True, metavar="YYYY-MM")
    coverage.add_argument("--json", action="store_true", help="print the report as JSON")
    coverage.set_defaults(handler="wagewatch.report:report_coverage")

    workers = commands.add_parser("workers", help="real-name records: rosters and attendance (masked)")
    workers_actions = workers.add_subparsers(dest="action", required=True)
    roster = workers_actions.add_parser("roster", help="a project's enrolled workers and who is on site")
    roster.add_argument("project_code")
    roster.add_argument("--as-of", type=_date, help="who is on site on this date (default: today)")
    attendance = workers_actions.add_parser("attendance", help="a month's attendance on a project, and who is unpaid")
    attendance.add_argument("project_code")
    attendance.add_argument("--month", type=_month, required=True, metavar="YYYY-MM")

    health = commands.add_parser("health", help="ask a running process whether its services are live "
                                                "and ready (exit 0) or not (exit 1)")
    health.add_argument("--url", default="http://127.0.0.1:8000",
                        help="where HEALTH_ADDRESS serves (default: http://127.0.0.1:8000)")
    health.add_argument("--live", action="store_true", help="liveness only (default: readiness)")

    quarantine = commands.add_parser("quarantine", help="bad input the ingress kept, for audit")
    kept = quarantine.add_subparsers(dest="action", required=True)
    listing = kept.add_parser("list", help="recent quarantined messages, without their bodies")
    listing.add_argument("--county", help="6-digit division code")
    listing.add_argument("--limit", type=int, default=50)
    show = kept.add_parser("show", help="open one body (needs the auditor's QUARANTINE_KEY)")
    show.add_argument("id", help="the record's id, from `wagewatch quarantine list`")

    broker = commands.add_parser("broker", help="set up the broker's topology and access; set passwords")
    broker.add_argument("--management-url", help="RabbitMQ management API (default: $RABBITMQ_MANAGEMENT_URL "
                                                 "or http://localhost:15672/api); admin from $RABBITMQ_ADMIN_USER/_PASSWORD")
    actions = broker.add_subparsers(dest="action", required=True)
    setup = actions.add_parser("setup", help="create missing users (no password), load the definitions, "
                                             "set the platform user's password from $RABBITMQ_PASSWORD")
    setup.add_argument("--definitions", help="default: deploy/rabbitmq/definitions.json")
    password = actions.add_parser("password", help="set a user's password, read from standard input")
    password.add_argument("user", help="e.g. county.430102 or desk.water.430102")
    password.add_argument("--generate", action="store_true", help="generate one and print it once")

    demo = commands.add_parser("demo", help="publish a small seeded month, sweep, print what each desk gets")
    demo.add_argument("--as-of", type=_date, help="the sweep date (default: today)")

    seeded = commands.add_parser("province", help="the seeded province: its size and expected alerts; "
                                                  "--publish sends it to the running platform, --check sweeps and compares")
    seeded.add_argument("--as-of", type=_date, required=True, metavar="YYYY-MM-DD",
                        help="the sweep date; the seeded month is the latest whose pay day is before it")
    seeded.add_argument("--counties", type=int, default=4)
    seeded.add_argument("--projects-per-county", type=int, default=5)
    seeded.add_argument("--workers-per-project", type=int, default=6)
    seeded.add_argument("--violation-share", type=float, default=0.2)
    seeded.add_argument("--seed", type=int, default=7)
    seeded.add_argument("--every-violation", action="store_true", help="plant each kind of violation at least once")
    seeded.add_argument("--publish", action="store_true", help="publish it to the running platform (AMQP_URI)")
    seeded.add_argument("--check", action="store_true",
                        help="after publishing, sweep and compare the desks' alerts with the expected set "
                             "(on a platform holding only this province); exit 1 on a difference")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    import eventlet

    # nameko 2.14 imports pkg_resources, which warns on every start; nothing to act on.
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    eventlet.monkey_patch()  # before nameko or kombu open a socket
    from wagewatch import commands

    return getattr(commands, args.command)(args) or 0


if __name__ == "__main__":
    sys.exit(main())
