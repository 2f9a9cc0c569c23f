#!/usr/bin/env bash
# `make load`: locust headless against the platform on $AMQP_URI, starting one (the
# embedded store, `wagewatch up`) for the run when none is serving that broker.
# LOAD_USERS, LOAD_RATE (messages/s, all users together), LOAD_TIME and LOAD_ARGS
# (more locust options) override the defaults. Reports: test-output/load/.
set -euo pipefail
cd "$(dirname "$0")/.."

export AMQP_URI="${AMQP_URI:-amqp://guest:guest@localhost:5672/}"
USERS="${LOAD_USERS:-2}"
RATE="${LOAD_RATE:-2}"
TIME="${LOAD_TIME:-60s}"
OUT=test-output/load
mkdir -p "$OUT"

running() {
    .venv/bin/python -c "import sys
from wagewatch.config import load_config
from wagewatch.platform import is_running
sys.exit(0 if is_running(load_config()) else 1)" 2>/dev/null
}

PLATFORM_PID=""
stop_platform() {
    if [[ -n "$PLATFORM_PID" ]] && kill -0 "$PLATFORM_PID" 2>/dev/null; then
        echo "[load] stopping the platform this run started (pid $PLATFORM_PID)"
        kill -INT "$PLATFORM_PID" && wait "$PLATFORM_PID" || true
    fi
}
trap stop_platform EXIT

if running; then
    echo "[load] using the platform already serving $(sed -E 's#//[^@]*@#//#' <<<"$AMQP_URI")"
else
    echo "[load] no platform on the broker: starting one (wagewatch up, embedded store; log: $OUT/platform.log)"
    DAILY_SWEEP=false .venv/bin/wagewatch up > "$OUT/platform.log" 2>&1 &
    PLATFORM_PID=$!
    for _ in $(seq 1 120); do
        running && break
        kill -0 "$PLATFORM_PID" 2>/dev/null || { echo "[load] the platform did not start:"; tail -20 "$OUT/platform.log"; exit 1; }
        sleep 0.5
    done
    running || { echo "[load] the platform did not come up within 60s"; exit 1; }
fi

echo "[load] $USERS county system(s), $RATE messages/s in all, for $TIME"
# shellcheck disable=SC2086
.venv-load/bin/locust -f loadtests/locustfile.py --headless --host "$AMQP_URI" \
    -u "$USERS" -r "$USERS" -t "$TIME" --stop-timeout 30 --message-rate "$RATE" \
    --csv "$OUT/load" --html "$OUT/report.html" ${LOAD_ARGS:-}
echo "[load] reports: $OUT/load_stats.csv, $OUT/load_summary.txt, $OUT/report.html"
