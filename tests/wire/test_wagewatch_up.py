"""``wagewatch up`` and the ``wagewatch`` command with a ``mongodb://`` URI reach the store
(issue 12: under eventlet no pymongo connection could be made)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_PII_KEY, TEST_QUARANTINE_KEY, free_port
from tests.e2e.test_command_line import read_line

pytestmark = pytest.mark.wire
WAGEWATCH = str(Path(sys.executable).parent / "wagewatch")


@pytest.mark.timeout(240)
def test_up_on_a_mongodb_uri_starts_every_service_ready_and_says_nothing_of_the_embedded_store(
        wire_server, rabbit_config):
    health = f"127.0.0.1:{free_port()}"
    env = {**os.environ, "AMQP_URI": rabbit_config["AMQP_URI"], "MONGO_URI": wire_server.uri,
           "PII_HASH_KEY": TEST_PII_KEY, "QUARANTINE_KEY": TEST_QUARANTINE_KEY, "HEALTH_ADDRESS": health,
           "CONSOLE_ADDRESS": f"127.0.0.1:{free_port()}", "DAILY_SWEEP": "false", "LOG_LEVEL": "WARNING"}
    up = subprocess.Popen([WAGEWATCH, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = read_line(up, 150)
        assert line.startswith("[1/4] WageWatch is up:") and f"MONGO_URI={wire_server.uri}" in line, \
            line + (up.stderr.read() if up.poll() is not None else "")
        ready = subprocess.run([WAGEWATCH, "health", "--url", f"http://{health}"], env=env,
                               capture_output=True, text=True, timeout=60)
        assert ready.returncode == 0, ready.stdout + ready.stderr
        up.send_signal(signal.SIGINT)
        assert up.wait(30) == 0
        assert "embedded store" not in up.stdout.read()
    finally:
        if up.poll() is None:
            up.kill()
