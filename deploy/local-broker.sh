#!/usr/bin/env bash
# Make sure the local RabbitMQ answers, with the management plugin the tests need.
set -euo pipefail
if ! rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then
  echo "starting RabbitMQ…"
  rabbitmq-server -detached
  for _ in $(seq 1 60); do
    rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1 && break
    sleep 1
  done
fi
if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_management; then
  rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null
fi
for _ in $(seq 1 30); do
  curl -fsS -u guest:guest http://localhost:15672/api/overview >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "RabbitMQ's management API did not answer on :15672" >&2
exit 1
