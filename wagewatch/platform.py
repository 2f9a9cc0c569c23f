"""Running the services: all in one process (``wagewatch up``, the embedded default)."""
from __future__ import annotations

import logging
import signal
from typing import Any

log = logging.getLogger(__name__)


def service_classes(console: bool = True) -> list[type[Any]]:
    from services.accounts.service import AccountsService
    from services.alerts.service import AlertsService
    from services.complaints.service import ComplaintsService
    from services.console.service import ConsoleService
    from services.ingress.service import IngressService
    from services.payroll.service import PayrollService
    from services.projects.service import ProjectsService
    from services.workers.service import WorkersService

    # The services that own records start before the ingress that feeds them.
    owners: list[type[Any]] = [ProjectsService, PayrollService, WorkersService, AccountsService, AlertsService,
              ComplaintsService, IngressService]
    return owners + ([ConsoleService] if console else [])


def start(config: dict, runner=None, console: bool = True):
    """Start every service in this process; returns the running ServiceRunner.

    Containers start one after another, owners first: nameko's runner would start them
    all at once, and an ingress that is up before the owning services would have to wait
    for them on its first messages.
    """
    from nameko.runners import ServiceRunner

    declare_receipts_queues(config)
    runner = runner or ServiceRunner(config)
    for cls in service_classes(console):
        runner.add_service(cls)
    for container in runner.containers:
        container.start()
    return runner


def declare_receipts_queues(config: dict) -> int:
    """Each configured county's receipts queue (``BROKER_ACCESS``), declared and bound as
    deployment declares it (deploy/rabbitmq/definitions.json, from the same objects), so a
    receipt sent before a county's system first reads it waits there instead of being
    dropped by an exchange with nothing bound. Returns how many."""
    from kombu import Connection

    from shared.contract.access import Scope

    queues = Scope.from_config(config).receipts_queues()
    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.channel()
        for queue in queues:
            queue(channel).declare()
    return len(queues)


def console_url(config: dict) -> str:
    """Where the console answers (``WEB_SERVER_ADDRESS``; all interfaces shown as localhost)."""
    address = str(config.get("WEB_SERVER_ADDRESS") or "0.0.0.0:8000")
    host, _, port = address.rpartition(":")
    return f"http://{host if host not in ('', '0.0.0.0') else 'localhost'}:{port}/"


def stop(runner, timeout: float = 15.0) -> None:
    """Stop cleanly (in-flight work finishes, nothing unacknowledged is lost); kill if stuck."""
    import eventlet

    try:
        with eventlet.Timeout(timeout):
            runner.stop()
    except eventlet.Timeout:
        log.warning("services did not stop within %.0fs; killing them", timeout)
        runner.kill()


def stop_on_signals(runner) -> None:
    """Ctrl-C or SIGTERM stops the runner cleanly (a second Ctrl-C kills). Installed as
    soon as the services run, before anything tells the operator they may press Ctrl-C.

    As nameko's own ``run`` does, the handler only spawns the stop in a greenlet: a
    KeyboardInterrupt raised wherever eventlet's hub happens to be would skip it.
    """
    import eventlet

    signals = []

    def on_signal(signum, frame):
        signals.append(signum)
        if len(signals) > 1:
            eventlet.spawn_n(runner.kill)
            return
        print("\nstopping (Ctrl-C again to kill)…", flush=True)
        eventlet.spawn_n(stop, runner)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)


def wait_until_stopped(runner) -> None:
    """Block until every service has stopped, waiting on the runner from another greenlet."""
    import errno

    import eventlet

    waiting = eventlet.spawn(runner.wait)
    while True:
        try:
            waiting.wait()
            return
        except OSError as exc:  # a signal interrupted the wait: keep waiting for the stop
            if exc.errno != errno.EINTR:
                raise


def is_running(config: dict) -> bool:
    """True when some process already serves the platform on this broker (the alerts
    service's RPC queue has a consumer)."""
    from kombu import Connection

    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.channel()
        try:
            _name, _messages, consumers = channel.queue_declare("rpc-alerts", passive=True)
        except Exception:  # noqa: BLE001 - the queue does not exist: nothing has run here
            return False
        return consumers > 0
