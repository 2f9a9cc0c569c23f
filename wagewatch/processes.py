"""``wagewatch up``: every service in an OS process of its own, run as one platform.

Each service owns its database, so each process keeps its own store (on the embedded
store, its own in-process store; on MongoDB, its own connection pool), exactly as
docker-compose runs one container per service. The services no longer share one Python
process and one core: a busy workers service does not hold up the ingress.

How the processes are run:

- The children are forked from this process once the service code is imported (so a
  child starts in a fraction of a second, not after its own imports), owners first; the
  ingress and the console are forked once every owner is ready (the ingress's first
  messages call them). Each child reports on a pipe when its service consumes; the
  platform prints each service's readiness.
- One Ctrl-C (SIGINT) or a SIGTERM to this process stops the platform: each child is
  told (SIGTERM) and stops cleanly (in-flight work finishes, nothing unacknowledged is
  lost), and is killed if it has not stopped within the timeout; a second Ctrl-C kills
  them at once. Children ignore SIGINT themselves, so a terminal's Ctrl-C, which reaches
  the whole process group, is acted on once, here.
- The children die with this process, even when it is killed (SIGKILL): each asks the
  kernel for a SIGTERM when its parent dies (``PR_SET_PDEATHSIG``), and checks that the
  parent was still there when it asked.
- **A crashed child stops the platform.** Its exit is reported (service, pid, exit code or
  signal) and every other service is stopped; ``wagewatch up`` exits with status 1. It is
  not restarted: on the embedded store (the local default) a restarted service would
  come back with an empty store and answer as if nothing had been recorded, which is
  worse than stopping. Restarting a service on MongoDB is the orchestrator's work
  (docker-compose's ``restart``, Kubernetes), as in production.
- ``HEALTH_ADDRESS`` is answered by this process for the whole platform: each child
  serves its own health on a free local port and this process asks every child
  (``/health/live``, ``/health/ready``), answering 200 only when all are.
"""
from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT = 15.0
READY_TIMEOUT = 120.0
CHILD_HEALTH_ADDRESS = "127.0.0.1:0"


@dataclass
class Child:
    name: str
    pid: int
    reports: Any                    # the read end of the child's pipe (a green pipe)
    started: float
    ready_after: float | None = None
    health_port: int | None = None
    exit_status: int | None = None  # as os.waitpid gives it
    lines: list = field(default_factory=list)

    def describe_exit(self) -> str:
        status = self.exit_status
        if status is None:
            return "still running"
        if os.WIFSIGNALED(status):
            signum = os.WTERMSIG(status)
            return f"killed by signal {signum} ({signal.Signals(signum).name})"
        return f"exited with code {os.WEXITSTATUS(status)}"


def service_names(console: bool = True) -> list[str]:
    from wagewatch.platform import service_classes

    return [cls.name for cls in service_classes(console)]


class Platform:
    """The service processes of one ``wagewatch up``."""

    def __init__(self, config: dict, console: bool = True, stop_timeout: float = STOP_TIMEOUT):
        from wagewatch.platform import service_classes

        self.config = config
        self.classes = {cls.name: cls for cls in service_classes(console)}   # imported once, before forking
        self.stop_timeout = stop_timeout
        self.children: dict[str, Child] = {}
        self.stopping = False
        self.crashed: list[Child] = []
        self._done: Any = None              # an eventlet Event once started
        self._health: PlatformHealth | None = None

    # starting ----------------------------------------------------------------------------

    def start(self, ready_timeout: float = READY_TIMEOUT) -> None:
        """Fork the owners, wait until each consumes, then the ingress and the console."""
        import eventlet

        from wagewatch import platform

        platform.declare_receipts_queues(self.config)
        self._done = eventlet.event.Event()
        later = [name for name in self.classes if name in ("ingress", "console")]
        first = [name for name in self.classes if name not in later]
        for group in (first, later):
            for name in group:
                self._fork(name)
            self._wait_ready(group, ready_timeout)
        for child in self.children.values():
            eventlet.spawn_n(self._watch, child)
        eventlet.spawn_n(self._tick)
        address = self.config.get("HEALTH_ADDRESS")
        if address:
            self._health = PlatformHealth(str(address), self)

    def _fork(self, name: str) -> None:
        read_end, write_end = os.pipe()
        started = time.monotonic()
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:                                    # the child: never returns
            os.close(read_end)
            code = 1
            try:
                code = _run_child(self.classes[name], self.config, write_end, parent)
            except BaseException:  # noqa: BLE001 - whatever happened, the child must not return into the parent's code
                logging.getLogger("wagewatch").exception("service %s failed", name)
            finally:
                os._exit(code)
        os.close(write_end)
        from eventlet.greenio import GreenPipe  # read without holding up the event loop

        self.children[name] = Child(name, pid, GreenPipe(read_end, "rb"), started)

    def _wait_ready(self, names: list[str], timeout: float) -> None:
        import eventlet

        deadline = time.monotonic() + timeout
        for name in names:
            child = self.children[name]
            try:
                with eventlet.Timeout(max(0.0, deadline - time.monotonic())):
                    report = self._next_report(child)
            except eventlet.Timeout:
                report = None
            if not report or "ready" not in report:
                self._reap(child, block=False)
                why = child.describe_exit() if child.exit_status is not None else f"not ready within {timeout:.0f}s"
                self.kill()
                raise RuntimeError(f"service {name} (pid {child.pid}) did not start: {why} (its log above)")
            child.ready_after = time.monotonic() - child.started
            child.health_port = report.get("health_port")

    @staticmethod
    def _next_report(child: Child) -> dict | None:
        while True:
            line = child.reports.readline()
            if not line:
                return None
            try:
                return json.loads(line.decode("utf-8"))
            except ValueError:
                child.lines.append(line)

    # watching ------------------------------------------------------------------------------

    def _tick(self, every: float = 0.2) -> None:
        """Wake the event loop often. A signal's handler only spawns the stop; with nothing
        else timed in this process the loop would notice it only when its wait ends (up to
        a minute later), where a process running nameko containers has their timers."""
        import eventlet

        while not self._done.ready():
            eventlet.sleep(every)

    def _watch(self, child: Child) -> None:
        """Read the child's pipe until it closes (the child ended), then reap it."""
        while self._next_report(child) is not None:
            pass
        self._reap(child, block=True)
        if not self.stopping:
            self.crashed.append(child)
            print(f"wagewatch: service {child.name} (pid {child.pid}) {child.describe_exit()}: "
                  "stopping the platform (a crashed service is not restarted: see `wagewatch up --help`)",
                  file=sys.stderr, flush=True)
            self.stop()
        if all(c.exit_status is not None for c in self.children.values()) and not self._done.ready():
            self._done.send(True)

    def _reap(self, child: Child, block: bool) -> None:
        import eventlet

        while child.exit_status is None:
            try:
                pid, status = os.waitpid(child.pid, 0 if block else os.WNOHANG)
            except ChildProcessError:
                child.exit_status = 0
                return
            if pid:
                child.exit_status = status
                return
            if not block:
                return
            eventlet.sleep(0.05)

    # stopping ------------------------------------------------------------------------------

    def stop(self) -> None:
        """Tell every child to stop (SIGTERM), ingress and console first; kill what is still
        running after the timeout."""
        import eventlet

        if self.stopping:
            return
        self.stopping = True
        for child in reversed(list(self.children.values())):
            self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline and any(c.exit_status is None for c in self.children.values()):
            eventlet.sleep(0.1)
        stuck = [c for c in self.children.values() if c.exit_status is None]
        if stuck:
            log.warning("services did not stop within %.0fs; killing them: %s", self.stop_timeout,
                        ", ".join(c.name for c in stuck))
            self.kill()

    def kill(self) -> None:
        self.stopping = True
        for child in self.children.values():
            self._signal(child, signal.SIGKILL)

    @staticmethod
    def _signal(child: Child, signum: int) -> None:
        if child.exit_status is None:
            try:
                os.kill(child.pid, signum)
            except ProcessLookupError:
                pass

    def stop_on_signals(self) -> None:
        """Ctrl-C or SIGTERM stops the platform (a second Ctrl-C kills). The handler only
        spawns the stop in a greenlet, as nameko's own ``run`` does."""
        import eventlet

        signals = []

        def on_signal(signum, frame):
            signals.append(signum)
            if len(signals) > 1:
                eventlet.spawn_n(self.kill)
                return
            print("\nstopping (Ctrl-C again to kill)…", flush=True)
            eventlet.spawn_n(self.stop)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

    def wait(self) -> int:
        """Block until every child has ended; 0 after a requested stop, 1 after a crash."""
        while True:
            try:
                self._done.wait()
                break
            except OSError as exc:    # a signal interrupted the wait: keep waiting for the stop
                if exc.errno != errno.EINTR:
                    raise
        if self._health is not None:
            self._health.close()
        return 1 if self.crashed else 0

    # reporting -----------------------------------------------------------------------------

    def readiness(self) -> str:
        return ", ".join(f"{c.name} (pid {c.pid}) {c.ready_after:.1f}s" for c in self.children.values())


def _run_child(cls, config: dict, report_fd: int, parent_pid: int) -> int:
    """In the forked child: run one service until SIGTERM (0), or until it dies (1)."""
    import eventlet
    import eventlet.hubs
    from nameko.containers import get_container_cls

    _die_with_parent(parent_pid)
    eventlet.hubs.use_hub()                       # a hub of the child's own, not a copy of the parent's
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent acts on Ctrl-C and tells us
    config = dict(config)
    if config.get("HEALTH_ADDRESS"):
        config["HEALTH_ADDRESS"] = CHILD_HEALTH_ADDRESS
    container = get_container_cls(config)(cls, config)
    stopping: list[int] = []

    def on_term(signum, frame):
        if not stopping:
            stopping.append(signum)
            eventlet.spawn_n(container.stop)

    signal.signal(signal.SIGTERM, on_term)
    container.start()
    report = os.fdopen(report_fd, "w", encoding="utf-8")
    report.write(json.dumps({"ready": cls.name, "pid": os.getpid(), "health_port": _health_port()}) + "\n")
    report.flush()
    try:
        container.wait()
    except Exception:  # noqa: BLE001 - the container died: nameko logged why
        logging.getLogger("wagewatch").exception("service %s died", cls.name)
        return 1
    return 0 if stopping else 1


def _health_port() -> int | None:
    from shared.nameko.health import HealthServer

    server = HealthServer._servers.get(CHILD_HEALTH_ADDRESS)
    return server.port if server else None


def _die_with_parent(parent_pid: int) -> None:
    """Ask the kernel for a SIGTERM when the parent dies (Linux); if it is already gone
    (it died before we asked), stop now."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the pipe's end still tells the parent's watchers
        pass
    if os.getppid() != parent_pid:
        os._exit(0)


class PlatformHealth:
    """``HEALTH_ADDRESS`` for the whole platform: asks each child's own health server and
    answers 200 only when every service answers 200 (the body has every service's checks)."""

    def __init__(self, address: str, platform: Platform):
        import eventlet
        import eventlet.wsgi

        host, _, port = address.rpartition(":")
        self.platform = platform
        self.socket = eventlet.listen((host or "0.0.0.0", int(port)))
        self.server = eventlet.spawn(eventlet.wsgi.server, self.socket, self.app, log_output=False)

    def ask(self, child: Child, kind: str) -> tuple[bool, dict]:
        import urllib.error
        import urllib.request

        if child.health_port is None or child.exit_status is not None:
            return False, {child.name: [{"live": False, "process": child.describe_exit()}]}
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{child.health_port}/health/{kind}", timeout=5) as answer:
                body = json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            body = json.loads(exc.read() or b"{}")
        except (OSError, ValueError) as exc:
            return False, {child.name: [{"live": False, "answering": False, "error": str(exc)}]}
        return bool(body.get("ok")), body.get("services") or {}

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path not in ("/health/live", "/health/ready"):
            start_response("404 Not Found", [("content-type", "text/plain")])
            return [b"not found: try /health/live or /health/ready\n"]
        kind = path.rsplit("/", 1)[1]
        ok, services = True, {}
        for child in list(self.platform.children.values()):
            fine, found = self.ask(child, kind)
            ok = ok and fine
            services.update(found)
        start_response("200 OK" if ok else "503 Service Unavailable", [("content-type", "application/json")])
        return [json.dumps({"ok": ok, "services": services}).encode()]

    def close(self) -> None:
        self.server.kill()
        self.socket.close()
