"""The ``wagewatch`` command."""
from __future__ import annotations

import argparse
import sys
import warnings
from datetime import date


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="wagewatch", description="WageWatch operator command.")
    top.add_argument("--config", help="nameko config file (default: deploy/config.yml)")
    commands = top.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run every service in the foreground (Ctrl-C stops)")
    up.add_argument("--demo", action="store_true", help="publish the demo month once the platform is up")
    up.add_argument("--as-of", type=_date, help="the demo's date (default: today)")

    sweep = commands.add_parser("sweep", help="run every monitoring rule as of a date")
    sweep.add_argument("--as-of", type=_date, required=True, metavar="YYYY-MM-DD")

    alerts = commands.add_parser("alerts", help="alert stream").add_subparsers(dest="action", required=True)
    tail = alerts.add_parser("tail", help="print the live alert stream")
    tail.add_argument("--department", choices=["housing", "water", "transport", "development", "hrss"])
    tail.add_argument("--division", help="6-digit division code (county, city or province)")
    tail.add_argument("--severity", choices=["blue", "yellow", "orange", "red"])

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
