"""The public contract as an AsyncAPI 2.6 document, generated from the schemas in code.

``docs/asyncapi.yaml`` is this module's output (``make asyncapi``); a test keeps it current
and validates it against the AsyncAPI project's own JSON Schema. Requires apispec (a test
dependency); the services never import this module.
"""
from __future__ import annotations

import copy
import sys

import yaml
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.contract.alerts import DEPARTMENTS, SEVERITIES, AlertSchema
from shared.contract.envelope import RECEIPT_STATUSES, EnvelopeSchema, ReceiptSchema
from shared.contract.messages import MAX_BATCH_RECORDS, MESSAGE_TYPES
from shared.contract.topology import (
    ALERTS_EXCHANGE_NAME, INGRESS_EXCHANGE_NAME, MAX_BODY_BYTES, RECEIPTS_EXCHANGE_NAME,
)

DESCRIPTION = f"""County systems publish records to the `{INGRESS_EXCHANGE_NAME}` topic exchange
with routing key `county.<division>.<type>` (publisher confirms, persistent delivery, UTF-8 JSON
of at most {MAX_BODY_BYTES} bytes). Every message is answered by exactly one receipt on
`{RECEIPTS_EXCHANGE_NAME}` (key `county.<division>`), published after its effects are stored.
Alerts reach department desks on `{ALERTS_EXCHANGE_NAME}` (key
`alert.<department>.<division>.<severity>`); an escalated alert is published again under the
city or province division code. See docs/integrators.md.""".replace("\n", " ")


def _json_schema_hints(converter, field, **kwargs) -> dict:
    """Our custom fields describe themselves (``json_schema``) for the document."""
    return dict(getattr(field, "json_schema", {}))


def _spec() -> tuple[APISpec, MarshmallowPlugin]:
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)  # inline nested schemas
    spec = APISpec("WageWatch", "1", openapi_version="3.1.0", plugins=[plugin])
    plugin.converter.add_attribute_function(_json_schema_hints)
    return spec, plugin


def _schema(plugin: MarshmallowPlugin, schema_cls) -> dict:
    return plugin.converter.schema2jsonschema(schema_cls())


def _ingress_message(plugin, envelope: dict, message_type) -> dict:
    body = copy.deepcopy(envelope)
    body["properties"]["type"] = {"type": "string", "enum": [message_type.name]}
    payload = _schema(plugin, message_type.schema)
    if message_type.batch:
        payload = {"type": "object", "additionalProperties": False, "required": ["records"],
                   "properties": {"records": {"type": "array", "minItems": 1,
                                              "maxItems": MAX_BATCH_RECORDS, "items": payload}}}
    body["properties"]["payload"] = payload
    return {"name": message_type.name, "title": message_type.name, "summary": message_type.meaning,
            "contentType": "application/json", "payload": body}


def _amqp_channel(exchange: str) -> dict:
    return {"amqp": {"is": "routingKey", "bindingVersion": "0.2.0",
                     "exchange": {"name": exchange, "type": "topic", "durable": True,
                                  "autoDelete": False, "vhost": "/"}}}


DIVISION = {"description": "Six-digit GB/T 2260 division code.", "schema": {"type": "string", "pattern": "^[0-9]{6}$"}}


def document() -> dict:
    spec, plugin = _spec()
    envelope = _schema(plugin, EnvelopeSchema)
    channels = {}
    messages = {}
    for message_type in MESSAGE_TYPES.values():
        key = message_type.name.replace(".", "_")
        messages[key] = _ingress_message(plugin, envelope, message_type)
        channels[f"county.{{division}}.{message_type.name}"] = {
            "description": f"{message_type.meaning} ({INGRESS_EXCHANGE_NAME}).",
            "parameters": {"division": copy.deepcopy(DIVISION)},
            "publish": {"operationId": f"publish_{key}", "summary": "A county system publishes.",
                        "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": "0.2.0"}},
                        "message": {"$ref": f"#/components/messages/{key}"}},
            "bindings": _amqp_channel(INGRESS_EXCHANGE_NAME),
        }
    messages["receipt"] = {"name": "receipt", "title": "Receipt", "contentType": "application/json",
                           "summary": "Statuses: " + ", ".join(RECEIPT_STATUSES) + ".",
                           "payload": _schema(plugin, ReceiptSchema)}
    messages["alert"] = {"name": "alert", "title": "Alert", "contentType": "application/json",
                         "payload": _schema(plugin, AlertSchema)}
    channels["county.{division}"] = {
        "description": f"Receipts for one county ({RECEIPTS_EXCHANGE_NAME}).",
        "parameters": {"division": copy.deepcopy(DIVISION)},
        "subscribe": {"operationId": "receive_receipts", "message": {"$ref": "#/components/messages/receipt"}},
        "bindings": _amqp_channel(RECEIPTS_EXCHANGE_NAME),
    }
    channels["alert.{department}.{division}.{severity}"] = {
        "description": f"A department desk's alert stream ({ALERTS_EXCHANGE_NAME}).",
        "parameters": {
            "department": {"schema": {"type": "string", "enum": list(DEPARTMENTS)}},
            "division": copy.deepcopy(DIVISION),
            "severity": {"schema": {"type": "string", "enum": list(SEVERITIES)}},
        },
        "subscribe": {"operationId": "receive_alerts", "message": {"$ref": "#/components/messages/alert"}},
        "bindings": _amqp_channel(ALERTS_EXCHANGE_NAME),
    }
    return {
        "asyncapi": "2.6.0",
        "id": "urn:wagewatch:contract:1",
        "info": {"title": "WageWatch public AMQP contract", "version": "1", "description": DESCRIPTION},
        "servers": {"province": {"url": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0-9-1"}},
        "defaultContentType": "application/json",
        "channels": channels,
        "components": {"messages": messages},
    }


if __name__ == "__main__":
    yaml.safe_dump(document(), sys.stdout, sort_keys=False, allow_unicode=True, width=100)
