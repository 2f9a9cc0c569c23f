"""Processes of the wire-protocol tier: the nx-27017 server, and WageWatch services
started exactly as docker-compose.yml starts them.

Each runs under the guardian of ``tests/rabbit_node.py`` (its own process group, ended
when the test ends or when the test process dies), so nothing outlives a test run.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from tests.rabbit_node import GUARDIAN, free_ports
from tests.streams import wait_until

ROOT = Path(__file__).resolve().parents[2]
WIRE_SERVER = ROOT / ".venv-wire" / "bin" / "nx-27017"
START_TIMEOUT = 60


class Guarded:
    """A command under the guardian; ``pid`` is the command's own process."""

    def __init__(self, argv: list[str], *, env: dict, log: Path, cwd: Path = ROOT):
        self.log = log
        with open(log, "ab") as out:
            self.guardian = subprocess.Popen([sys.executable, "-c", GUARDIAN, *argv], cwd=cwd, env=env,
                                             stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int | None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            children = Path(f"/proc/{self.guardian.pid}/task/{self.guardian.pid}/children")
            found = children.read_text().split() if children.exists() else []
            if found:
                return int(found[0])
            time.sleep(0.05)
        return None

    def kill_now(self) -> None:
        """SIGKILL to the command itself: no shutdown, no flush (a crash)."""
        pid = self.pid
        if pid:
            os.killpg(pid, signal.SIGKILL)
        self.guardian.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (a clean stop), escalated to SIGKILL by the guardian."""
        if self.guardian.poll() is None:
            self.guardian.send_signal(signal.SIGTERM)
            try:
                self.guardian.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.guardian.kill()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.log.name}\n" + "\n".join(text.splitlines()[-lines:])


class WireServer:
    """nx-27017 on a free loopback port, its databases under ``workdir``; ``kill()`` and
    ``start()`` again serve the same data on the same port."""

    def __init__(self, workdir: Path):
        if not WIRE_SERVER.exists():
            raise RuntimeError(f"{WIRE_SERVER} is missing: `make test` creates .venv-wire "
                               "(or: make .venv-wire/.installed)")
        self.workdir = Path(workdir)
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        [self.port] = free_ports(1)
        self.process: Guarded | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> WireServer:
        self.process = Guarded([str(WIRE_SERVER), "--host", "127.0.0.1", "-p", str(self.port),
                                "--data-dir", str(self.workdir / "data"),
                                "--log-file", str(self.workdir / "server.log"),
                                "--pid-file", str(self.workdir / "server.pid")],
                               env={**os.environ}, log=self.workdir / "server.out")
        if not wait_until(self.answers, START_TIMEOUT):
            raise RuntimeError(f"nx-27017 did not start on {self.port}:\n{self.process.log_tail()}")
        return self

    def answers(self) -> bool:
        """A TCP connection is accepted (what pymongo needs before its handshake)."""
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def kill(self) -> None:
        self.process.kill_now()

    def shutdown(self) -> None:
        if self.process is not None:
            self.process.stop()


class _ComposeLoader(yaml.SafeLoader):
    """YAML's own resolvers: nameko teaches the SafeLoader to substitute ${VAR:default}."""

    yaml_implicit_resolvers = dict(yaml.resolver.Resolver.yaml_implicit_resolvers)


def compose_service(name: str) -> dict:
    return yaml.load((ROOT / "docker-compose.yml").read_text(), Loader=_ComposeLoader)["services"][name]


def compose_environment(name: str, **values: str) -> dict:
    """The service's environment as docker-compose.yml gives it, with ``values`` for the
    variables that name the test's broker, store and ports. A value compose takes from the
    deployer (``${VAR:?…}``) must be given here; ``${VAR:-default}`` takes its default."""
    given = {}
    for key, value in compose_service(name)["environment"].items():
        if key in values:
            given[key] = values[key]
            continue
        if re.search(r"\$\{[^}]*:\?", str(value)):
            raise KeyError(f"compose's {name}.{key} needs a value from the test")
        given[key] = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value))
    return given


def with_compose_store_options(uri: str) -> str:
    """``uri`` with the options compose's MONGO_URI gives (write concern, retries), less
    ``replicaSet``: nx-27017 is a single server, not a replica set member."""
    compose_uri = compose_service("projects")["environment"]["MONGO_URI"]
    options = [o for o in compose_uri.partition("?")[2].split("&") if o and not o.startswith("replicaSet=")]
    return uri + ("?" + "&".join(options) if options else "")


class ComposeService:
    """One service as its compose container runs it: the container's command and
    environment (broker, store and ports pointed at the test's), from the repository root
    as the image's WORKDIR, with this virtualenv's ``nameko`` on the PATH."""

    def __init__(self, name: str, workdir: Path, **values: str):
        self.name = name
        [health_port] = free_ports(1)
        self.health_url = f"http://127.0.0.1:{health_port}"
        environment = compose_environment(name, HEALTH_ADDRESS=f"127.0.0.1:{health_port}", **values)
        bin_dir = str(Path(sys.executable).parent)
        env = {"PATH": f"{bin_dir}:{os.environ.get('PATH', '')}", "HOME": str(workdir),
               "PYTHONWARNINGS": "ignore:pkg_resources is deprecated:UserWarning", **environment}
        self.process = Guarded(compose_service(name)["command"], env=env, log=Path(workdir) / f"{name}.log")

    def health(self, which: str = "ready") -> int:
        try:
            with urllib.request.urlopen(f"{self.health_url}/health/{which}", timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0           # not listening (yet)

    def health_body(self) -> dict:
        try:
            with urllib.request.urlopen(f"{self.health_url}/health/ready", timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return json.loads(exc.read())
        except OSError as exc:
            return {"unreachable": str(exc)}

    def ready(self) -> bool:
        return self.health() == 200

    def stop(self) -> None:
        self.process.stop()
