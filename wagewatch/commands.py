"""The subcommands of ``wagewatch`` (eventlet is already monkey-patched here)."""
from __future__ import annotations

import importlib
import logging.config
import sys
import time

from shared.calendar import today
from shared.storage import is_embedded
from wagewatch import platform
from wagewatch.config import ensure_pii_key, load_config

EMBEDDED_STORE_NOTICE = (
    "      the embedded store keeps nothing after WageWatch stops: every record, receipt log and alert "
    "is gone at a stop or a crash (MONGO_URI=mongodb://… keeps them; README, \"What the platform guarantees\")")


def _config(args) -> dict:
    return ensure_pii_key(load_config(args.config))


def up(args) -> int:
    """Every service in a process of its own (wagewatch/processes.py), as one platform."""
    from wagewatch.processes import Platform

    config = _config(args)
    logging.config.dictConfig(config["LOGGING"])
    started = time.monotonic()
    services = Platform(config)
    try:
        services.start()
    except RuntimeError as exc:
        print(f"wagewatch up: {exc}", file=sys.stderr, flush=True)
        return 1
    services.stop_on_signals()
    print(f"[1/4] WageWatch is up: {len(services.children)} services, one process each, on "
          f"{_safe(config['AMQP_URI'])}, MONGO_URI={_safe(config['MONGO_URI'])} "
          f"({time.monotonic() - started:.1f}s). Ctrl-C stops.", flush=True)
    print(f"      operators' console: {platform.console_url(config)} "
          "(accounts: `wagewatch console add-user`)", flush=True)
    print(f"      ready: {services.readiness()}", flush=True)
    if is_embedded(config["MONGO_URI"]):
        print(EMBEDDED_STORE_NOTICE, flush=True)
    if args.demo:
        from wagewatch.demo import run_demo

        run_demo(config, args.as_of or today())
        print("the platform keeps running: try `wagewatch alerts tail` or `wagewatch sweep --as-of …` "
              "in another terminal", flush=True)
    return services.wait()


def sweep(args) -> int:
    from wagewatch.sweep import failed, format_outcome, run_sweep, what_if

    day = today()
    as_of = args.as_of or day
    try:
        only_show = what_if(as_of, day, args.publish)
    except ValueError as exc:
        print(f"wagewatch sweep: {exc}", file=sys.stderr)
        return 2
    outcomes = run_sweep(load_config(args.config), as_of.isoformat(), what_if=only_show, force=args.force)
    print(format_outcome(outcomes))
    return 1 if failed(outcomes) else 0


def alerts(args) -> int:
    from wagewatch.tail import tail

    return tail(load_config(args.config)["AMQP_URI"], args.department, args.division, args.severity,
                alert_type=args.type, project=args.project, notifications=args.notifications)


def complaints(args) -> int:
    from wagewatch.complaints import run_case_command

    return run_case_command(load_config(args.config), args)


def report(args) -> int:
    """``wagewatch report <name>``: the report's parser names its handler, ``module:function``."""
    module, function = args.handler.split(":")
    return getattr(importlib.import_module(module), function)(load_config(args.config), args)


def workers(args) -> int:
    from wagewatch.workers import ask, format_attendance, format_roster

    config = load_config(args.config)
    if args.action == "roster":
        as_of = args.as_of.isoformat() if args.as_of else None
        print(format_roster(ask(config, "roster", args.project_code, as_of)))
    else:
        print(format_attendance(ask(config, "attendance_summary", args.project_code, args.month)))
    return 0



def health(args) -> int:
    """Exit 0 when every service of the process answers healthy, else 1 (for healthchecks)."""
    import urllib.error
    import urllib.request

    url = f"{args.url.rstrip('/')}/health/{'live' if args.live else 'ready'}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as exc:
        print(exc.read().decode())
    except OSError as exc:
        print(f"no answer from {url}: {exc}")
    return 1


def quarantine(args) -> int:
    from wagewatch.quarantine import run

    return run(load_config(args.config), args)


def console(args) -> int:
    from wagewatch.accounts import run

    return run(load_config(args.config), args)


def policy(args) -> int:
    from wagewatch.policy_check import run

    return run(load_config(args.config), args)


def broker(args) -> int:
    from wagewatch.broker import run

    return run(args)


def demo(args) -> int:
    """Use the running platform if there is one; otherwise run one in-process meanwhile."""
    from wagewatch.demo import run_demo

    config = _config(args)
    logging.basicConfig(level=logging.WARNING)
    runner = None
    if platform.is_running(config):
        print("[1/4] using the platform that is already running", flush=True)
    else:
        runner = platform.start(config, console=False)   # a one-shot run serves no web page
        print("[1/4] started the platform in this process (embedded store)", flush=True)
    try:
        run_demo(config, args.as_of or today())
    finally:
        if runner is not None:
            platform.stop(runner)
    return 0


def province(args) -> int:
    from testkit.province import generate
    from wagewatch import province as seeded

    try:
        spec = seeded.spec_of(args)
    except ValueError as exc:
        print(f"wagewatch province: {exc}")
        return 2
    started = time.monotonic()
    generated = generate(spec)
    seeded.describe(generated)
    if not (args.publish or args.check):
        return 0
    config = load_config(args.config)
    if not platform.is_running(config):
        print(f"no platform answers on {_safe(config['AMQP_URI'])}: start one with `wagewatch up`")
        return 1
    seeded.publish(config, generated)
    matched = seeded.check(config, generated) if args.check else True
    print(f"summary: {spec.projects} projects published in {time.monotonic() - started:.1f}s"
          + ("; alerts match the expected set" if args.check and matched else "")
          + ("; alerts DIFFER from the expected set" if not matched else ""))
    return 0 if matched else 1


def _safe(uri: str) -> str:
    """A URI without its password, for printing."""
    from nameko.utils import sanitize_url

    return sanitize_url(uri)
