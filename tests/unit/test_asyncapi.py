"""The AsyncAPI document is generated from the contract's schemas, is current, is valid
AsyncAPI 2.6, and agrees with the schemas the platform validates with."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from shared.contract.asyncapi import document
from tests.factories import message, payroll, project

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_SCHEMA = ROOT / ".cache" / "asyncapi-2.6.0.json"   # fetched by `make test` from npm


def committed() -> dict:
    return yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text(encoding="utf-8"))


def test_the_committed_document_is_generated_from_the_code():
    assert committed() == document(), "run `make asyncapi`"


def test_the_document_is_valid_asyncapi_2_6():
    assert OFFICIAL_SCHEMA.exists(), "the AsyncAPI JSON Schema is fetched by `make test` (npm)"
    schema = json.loads(OFFICIAL_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(committed())


def payload_schema(name: str) -> dict:
    return committed()["components"]["messages"][name]["payload"]


def test_documented_schemas_accept_what_the_platform_accepts_and_refuse_what_it_refuses():
    jsonschema.validate(message("project.upsert", project()), payload_schema("project_upsert"))
    jsonschema.validate(message("payroll.paid", payroll()), payload_schema("payroll_paid"))
    for bad in (message("project.upsert", project(contract_amount=-1)),
                message("project.upsert", project(extra_field=1)),
                message("payroll.paid", project())):
        assert list(jsonschema.Draft7Validator(payload_schema(bad["type"].replace(".", "_"))).iter_errors(bad))


def test_every_message_type_and_both_outbound_streams_are_documented():
    channels = committed()["channels"]
    assert {"county.{division}", "alert.{department}.{division}.{severity}"} <= set(channels)
    assert len([c for c in channels if c.startswith("county.{division}.")]) == 9
