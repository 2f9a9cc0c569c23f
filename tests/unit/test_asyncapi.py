"""The AsyncAPI document is generated from the contract's code, is current, is valid AsyncAPI
3.0 for the AsyncAPI project's own JSON Schema and CLI, describes the deployment that
deploy/rabbitmq/definitions.json declares, and agrees with the schemas the platform
validates with."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from services.alerts.policy import DEFAULT_POLICY, AlertPolicy
from shared.contract.access import DEFAULT_VHOST
from shared.contract.asyncapi import ASYNCAPI_VERSION
from shared.contract.messages import MESSAGE_TYPES
from shared.contract.topology import PUBLIC_EXCHANGES, ingress_queue
from tests.factories import message, payroll, project
from wagewatch.asyncapi import document

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_SCHEMA = ROOT / ".cache" / f"asyncapi-{ASYNCAPI_VERSION}.json"          # fetched by `make test` (npm)
CLI = ROOT / ".cache" / "asyncapi-cli" / "node_modules" / ".bin" / "asyncapi"   # installed by `make test` (npm)
DEFINITIONS = ROOT / "deploy" / "rabbitmq" / "definitions.json"
ERROR, WARNING = 0, 1   # Spectral's severities, as the CLI reports them


def committed() -> dict:
    return yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def definitions() -> dict:
    return json.loads(DEFINITIONS.read_text(encoding="utf-8"))


def test_the_committed_document_is_generated_from_the_code():
    assert committed() == document(), "run `make asyncapi`"


def test_the_document_is_valid_for_the_asyncapi_json_schema():
    assert OFFICIAL_SCHEMA.exists(), "the AsyncAPI JSON Schema is fetched by `make test` (npm)"
    schema = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(committed())


def test_the_asyncapi_cli_finds_no_error_and_no_warning(tmp_path):
    assert CLI.exists(), "the AsyncAPI CLI is installed by `make test` (npm)"
    metrics = tmp_path / "analytics.json"   # the CLI's usage metrics: off, and kept out of $HOME
    metrics.write_text(json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true", "userID": "test"}))
    run = subprocess.run([str(CLI), "validate", "docs/asyncapi.yaml", "--diagnostics-format", "json",
                          "--fail-severity", "warn"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "ASYNCAPI_METRICS_CONFIG_PATH": str(metrics)})
    output = run.stdout + run.stderr
    found = json.loads(output[output.index("["):]) if "[" in output else []
    assert [d for d in found if d["severity"] in (ERROR, WARNING)] == [], output
    assert run.returncode == 0, output


def payload_schema(name: str) -> dict:
    return committed()["components"]["messages"][name]["payload"]


def test_documented_schemas_accept_what_the_platform_accepts_and_refuse_what_it_refuses():
    jsonschema.validate(message("project.upsert", project()), payload_schema("project_upsert"))
    jsonschema.validate(message("payroll.paid", payroll()), payload_schema("payroll_paid"))
    for bad in (message("project.upsert", project(contract_amount=-1)),
                message("project.upsert", project(extra_field=1)),
                message("payroll.paid", project())):
        assert list(jsonschema.Draft7Validator(payload_schema(bad["type"].replace(".", "_"))).iter_errors(bad))


def test_every_message_type_is_published_with_its_message_id_and_answered_by_a_receipt():
    doc = committed()
    sends = {op["channel"]["$ref"].split("/")[-1]: op for op in doc["operations"].values() if op["action"] == "send"}
    assert {doc["channels"][c]["address"] for c in sends} == {f"county.{{division}}.{t}" for t in MESSAGE_TYPES}
    for op in sends.values():
        assert op["reply"]["channel"] == {"$ref": "#/channels/receipts"}
        assert op["bindings"]["amqp"]["deliveryMode"] == 2
    correlated = {name for name, m in doc["components"]["messages"].items() if "correlationId" in m}
    assert correlated == {t.replace(".", "_") for t in MESSAGE_TYPES} | {"receipt"}
    assert doc["components"]["correlationIds"]["message_id"]["location"] == "$message.payload#/message_id"


def schemas_of(node, path=()):
    """Every (path, property name, schema) in a JSON document, however nested."""
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            yield path, name, schema
        for key, value in node.items():
            yield from schemas_of(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schemas_of(value, (*path, index))


def test_every_timestamp_and_date_has_its_format():
    checked = set()
    for path, name, schema in schemas_of(committed()["components"]):
        if "string" not in schema.get("type", ()):
            continue
        if name.endswith("_at") or name == "at":
            assert schema.get("format") == "date-time", (path, name)
        elif name.endswith(("_on", "_date", "_day")) or name in ("as_of", "window_start"):
            assert schema.get("format") == "date", (path, name)
        else:
            continue
        checked.add(name)
    assert {"sent_at", "at", "received_at", "raised_at", "resolved_at", "entry_date", "due_date",
            "as_of", "last_clock_in_day"} <= checked


# ---- the document against the deployment ---------------------------------------------------

def bindings(channel: dict) -> dict:
    return channel["bindings"]["amqp"]


def template(address: str) -> re.Pattern:
    """A channel address with each {parameter} standing for one word (or a wildcard)."""
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", r"[^.]+", re.escape(address)) + "$")


def test_the_servers_are_the_local_default_and_the_production_broker_over_tls_in_the_deployed_vhost():
    servers, deployed = committed()["servers"], definitions()
    assert {v["name"] for v in deployed["vhosts"]} == {DEFAULT_VHOST}
    production = servers["production"]
    assert (production["protocol"], production["pathname"]) == ("amqps", f"/{DEFAULT_VHOST}")
    assert production["host"].endswith(":5671") and production["security"]
    assert "amqps://…:5671/wagewatch" in (ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")
    config = (ROOT / "deploy" / "config.yml").read_text(encoding="utf-8")
    local = servers["local"]
    assert f"${{AMQP_URI:{local['protocol']}://guest:guest@{local['host']}{local['pathname']}}}" in config


def test_every_channel_names_an_exchange_or_queue_the_deployment_declares_in_its_vhost():
    channels, deployed = committed()["channels"], definitions()
    exchanges = {e["name"]: e for e in deployed["exchanges"]}
    documented = set()
    for name, channel in channels.items():
        amqp = bindings(channel)
        entity = amqp["exchange"] if amqp["is"] == "routingKey" else amqp["queue"]
        assert entity["vhost"] == DEFAULT_VHOST, name
        if amqp["is"] == "routingKey":
            declared = exchanges[entity["name"]]
            assert (declared["type"], declared["durable"], declared["auto_delete"]) == (
                entity["type"], entity["durable"], entity["autoDelete"]), name
            documented.add(entity["name"])
        else:
            queues = [q for q in deployed["queues"] if template(entity["name"]).match(q["name"])]
            assert queues, f"{name}: no queue {entity['name']} in the definitions"
            assert {(q["durable"], q["auto_delete"]) for q in queues} == {(entity["durable"], entity["autoDelete"])}
    assert documented == {e.name for e in PUBLIC_EXCHANGES}


def test_every_queue_bound_to_a_public_exchange_is_documented_with_its_binding():
    channels, deployed = committed()["channels"], definitions()
    routing = [(bindings(c)["exchange"]["name"], template(c["address"])) for c in channels.values()
               if bindings(c)["is"] == "routingKey"]
    queues = [template(bindings(c)["queue"]["name"]) for c in channels.values() if bindings(c)["is"] == "queue"]
    public = {e.name for e in PUBLIC_EXCHANGES}
    for bound in deployed["bindings"]:
        if bound["source"] in public and bound["destination"] != ingress_queue.name:
            assert any(q.match(bound["destination"]) for q in queues), f"undocumented queue {bound['destination']}"
            assert any(exchange == bound["source"] and key.match(bound["routing_key"]) for exchange, key in routing), bound


def test_the_documented_routing_table_is_the_alert_policys():
    text = committed()["channels"]["alerts"]["description"]
    table = AlertPolicy.from_file(DEFAULT_POLICY).routing
    for sector in ("housing", "municipal", "water", "transport", "railway", "energy", "other"):
        assert f"| `{sector}` | `{table.sector_department(sector)}` |" in text
    assert all(route.name in text for route in table.routes)


def test_the_banks_channel_of_contract_1_1_is_said_to_be_missing_not_silently_left_out():
    doc = committed()
    assert not [c for c in doc["channels"].values() if c["address"].startswith("bank.")]
    assert "Not implemented yet: the banks' channel of contract 1.1" in doc["info"]["description"]


@pytest.mark.parametrize("field", ["tags", "contact", "license"])
def test_the_document_says_who_answers_for_it(field):
    assert committed()["info"][field]
