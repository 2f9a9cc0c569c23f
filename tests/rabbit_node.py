"""A RabbitMQ node of a test's own, for tests that stop and start a broker.

The local broker on :5672 is shared with other engineers' test runs: it is never stopped,
restarted or reconfigured. A test that needs a broker outage starts this second node
instead, owns it completely and shuts it down afterwards:

- its own node name (``wwfault-<random>@localhost``), registered with the local epmd;
- its own free ports for AMQP, Erlang distribution and the management API, picked at
  start (never "AMQP port + 20000": that is the shared node's distribution port);
- its own HOME (so its own Erlang cookie), config file, env file, enabled-plugins file,
  data (mnesia) and log directories, all under the test's temporary directory, so
  nothing in ``/etc/rabbitmq`` or ``/var/lib/rabbitmq`` is read or written;
- it runs in the foreground under a small guardian process, which kills the node's
  process group when asked to, and by itself as soon as the test process is gone (a
  test run that is killed, or a pytest-timeout that ends the process, leaves no node
  behind).

Outages are driven with ``rabbitmqctl -n <node> stop_app`` / ``start_app``: the Erlang VM
keeps running, every AMQP connection is closed, durable queues and persistent messages
survive, transient ones do not. This needs ``rabbitmq-server`` installed (CI has it, and
runs as root); when it is missing the test fails, it is never skipped.
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

START_TIMEOUT = 180     # seconds; a loaded 2-core machine boots a node in 5-30 s
CTL_TIMEOUT = 120

# Runs the node in a process group of its own and ends that group when it is told to
# (SIGTERM) or when the test process that started it has gone (it is re-parented).
GUARDIAN = """
import os, signal, subprocess, sys, time
parent = os.getppid()
node = subprocess.Popen(sys.argv[1:], start_new_session=True)
def end(*_):
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(node.pid, sig)
            node.wait(wait)
            break
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue
    sys.exit(0)
signal.signal(signal.SIGTERM, end)
while node.poll() is None:
    if os.getppid() != parent:
        end()
    time.sleep(1)
"""


def rabbitmq_sbin() -> Path:
    """Where the server scripts live. Debian's /usr/sbin wrappers switch to the rabbitmq
    user (and its cookie); the real scripts behind them run as whoever calls them."""
    configured = os.environ.get("RABBITMQ_SBIN")
    candidates = [Path(configured)] if configured else []
    candidates.append(Path("/usr/lib/rabbitmq/bin"))
    found = shutil.which("rabbitmq-server")
    if found:
        candidates.append(Path(found).resolve().parent)
    for directory in candidates:
        if (directory / "rabbitmq-server").exists() and (directory / "rabbitmqctl").exists():
            return directory
    raise RuntimeError("rabbitmq-server is not installed: the broker fault tests need it "
                       "(apt-get install rabbitmq-server), or set RABBITMQ_SBIN")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class RabbitNode:
    """One private RabbitMQ node under ``workdir``; ``start()``, then ``shutdown()``."""

    def __init__(self, workdir: Path, management: bool = True):
        self.workdir = Path(workdir)
        self.management = management
        self.name = f"wwfault-{uuid.uuid4().hex[:10]}@localhost"
        self.sbin = rabbitmq_sbin()
        self.process: subprocess.Popen | None = None
        self.amqp_port = self.dist_port = self.management_port = 0

    # -- addresses ---------------------------------------------------------------------
    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}/api"

    # -- lifecycle ---------------------------------------------------------------------
    def start(self, attempts: int = 3) -> RabbitNode:
        """Boot the node; a port taken between picking and binding gets fresh ports."""
        for attempt in range(1, attempts + 1):
            self._prepare()
            with open(self.workdir / "server.out", "ab") as out:
                self.process = subprocess.Popen(
                    [sys.executable, "-c", GUARDIAN, str(self.sbin / "rabbitmq-server")],
                    cwd=self.workdir, env=self._env(), stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
            if self._await_startup():
                return self
            self._kill()
            if attempt == attempts:
                raise RuntimeError(f"private RabbitMQ node {self.name} did not start:\n{self.log_tail()}")
        return self

    def stop_app(self) -> None:
        """The broker goes away: every connection closes, the VM keeps running."""
        self.ctl("stop_app")

    def start_app(self) -> None:
        self.ctl("start_app")
        self.ctl("await_startup", "--timeout", str(CTL_TIMEOUT))

    def shutdown(self) -> None:
        """Stop the node and its VM; kill its process group if it does not go."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.ctl("shutdown", timeout=60)
                self.process.wait(timeout=30)
            except (subprocess.SubprocessError, OSError):
                self._kill()
        self.process = None

    # -- tools -------------------------------------------------------------------------
    def ctl(self, *args: str, timeout: float = CTL_TIMEOUT) -> str:
        result = subprocess.run([str(self.sbin / "rabbitmqctl"), "-n", self.name, "-q", *args],
                                env=self._env(), cwd=self.workdir, capture_output=True, text=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, result.args, result.stdout, result.stderr)
        return result.stdout

    def queue_depths(self, vhost: str = "/") -> dict[str, int]:
        """Messages in each queue (ready + unacknowledged), from the management API."""
        response = requests.get(f"{self.management_url}/queues/{requests.utils.quote(vhost, safe='')}",
                                auth=("guest", "guest"), timeout=10)
        response.raise_for_status()
        return {q["name"]: q.get("messages", 0) for q in response.json()}

    def log_tail(self, lines: int = 40) -> str:
        text = ""
        for path in [self.workdir / "server.out", *sorted((self.workdir / "log").glob("*.log"))]:
            if path.exists():
                text += f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    # -- internals ---------------------------------------------------------------------
    def _prepare(self) -> None:
        self.amqp_port, self.dist_port, self.management_port = free_ports(3)
        for sub in ("mnesia", "log"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        cookie = self.workdir / ".erlang.cookie"
        if not cookie.exists():  # written before any Erlang VM starts, so server and CLI agree
            cookie.write_text(secrets.token_hex(16).upper())
            cookie.chmod(0o400)
        (self.workdir / "rabbitmq-env.conf").write_text("")  # instead of /etc/rabbitmq's
        plugins = "[rabbitmq_management]." if self.management else "[]."
        (self.workdir / "enabled_plugins").write_text(plugins + "\n")
        conf = [f"listeners.tcp.1 = 127.0.0.1:{self.amqp_port}", "log.console = false",
                "log.file.level = info"]
        if self.management:
            conf += ["management.tcp.ip = 127.0.0.1", f"management.tcp.port = {self.management_port}"]
        (self.workdir / "rabbitmq.conf").write_text("\n".join(conf) + "\n")

    def _env(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("RABBITMQ_", "ERL_")) or k == "RABBITMQ_SBIN"}
        w = self.workdir
        env.update({
            "HOME": str(w),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.amqp_port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONF_ENV_FILE": str(w / "rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": str(w / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(w / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(w / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(w / "mnesia"),
            "RABBITMQ_LOG_BASE": str(w / "log"),
            "RABBITMQ_PID_FILE": str(w / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        })
        return env

    def _await_startup(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # it exited: a port was taken, or worse (see log_tail)
            try:
                self.ctl("await_startup", "--timeout", "10", timeout=60)
                return True
            except subprocess.CalledProcessError:
                time.sleep(1)  # not registered with epmd yet
        return False

    def _kill(self) -> None:
        """Have the guardian end the node's process group (it escalates to SIGKILL)."""
        if self.process is None:
            return
        try:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.process.kill()
