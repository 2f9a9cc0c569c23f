"""The public contract as an AsyncAPI 3.0 document, generated from the code the platform
runs with: the marshmallow schemas it validates with, the topology and vhost it deploys
(``deploy/rabbitmq/definitions.json`` comes from the same objects), the alert details per
type and the alert policy's routing table.

``docs/asyncapi.yaml`` is this module's output (``make asyncapi``, through
``wagewatch.asyncapi``, which reads the configuration and the alert policy); tests keep it
current, validate it against the AsyncAPI project's JSON Schema and its CLI, and check it
against the deployment's definitions. Requires apispec (a test dependency); the services never
import this module. Why 3.0 and not 2.6: docs/development.md.
"""
from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from kombu import Exchange, Queue
from marshmallow import Schema, fields

from shared.contract.access import DEFAULT_VHOST, desk_queue, receipts_queue
from shared.contract.alert_details import ALERT_DETAILS, details_schema
from shared.contract.alerts import DEPARTMENTS, RESOLVED, SEVERITIES, AlertSchema, NotificationSchema
from shared.contract.envelope import RECEIPT_STATUSES, EnvelopeSchema, ReceiptSchema
from shared.contract.messages import MAX_BATCH_RECORDS, MESSAGE_TYPES, MessageType
from shared.contract.topology import (
    ALERTS_EXCHANGE_NAME,
    INGRESS_EXCHANGE_NAME,
    MAX_BODY_BYTES,
    NOTIFICATIONS_EXCHANGE_NAME,
    RECEIPTS_EXCHANGE_NAME,
    alerts_exchange,
    ingress_exchange,
    notification_binding,
    notifications_exchange,
    receipt_key,
    receipts_exchange,
)

ASYNCAPI_VERSION = "3.0.0"
AMQP_BINDING = "0.3.0"
TLS_PORT = 5671   # the broker's TLS listener in production (docs/operations.md)
CONTACT = {"name": "The province's WageWatch platform team (who gives each county its broker user)"}
LICENCE = {"name": "Proprietary: the province's platform; county and bureau systems may build on this contract"}

DESCRIPTION = f"""County systems publish records to the `{INGRESS_EXCHANGE_NAME}` topic exchange with
routing key `county.<division>.<type>` (publisher confirms, persistent delivery, UTF-8 JSON of at
most {MAX_BODY_BYTES} bytes, the AMQP `message_id` property set to the envelope's `message_id`).
Every message is answered by exactly one receipt on `{RECEIPTS_EXCHANGE_NAME}` (key
`county.<division>`) with the same `message_id`, published after its effects are stored: bind
(or read) your receipts queue `wagewatch.receipts.<division>` before you publish. Alerts reach
department desks on `{ALERTS_EXCHANGE_NAME}` (key `alert.<department>.<division>.<severity>`); an
escalated alert is published again under the city or province division code. Grouped
notifications for desks are on `{NOTIFICATIONS_EXCHANGE_NAME}`. Everything lives in the vhost
`{DEFAULT_VHOST}` of the production broker. Two versions of the contract are read, both documented
here: an envelope says `"schema_version": 1` or `1.1`; every 1.0 message stays valid, and 1.1 adds
optional project fields (contract_signed_on, suspended_on, resumed_on, labour_cost,
payment_guarantee, construction_permit, wage_officer, signboard_posted_on; accepted under either
version, `suspended_on` required for a suspended project in 1.1), the `finance` and `soe` desks and
the alert types LABOUR_COST_SHORT, PAYMENT_GUARANTEE_MISSING, NO_CONSTRUCTION_PERMIT and
SITE_OBLIGATION_MISSING (the last three only for projects whose last upsert said 1.1). Not
implemented yet: the banks' channel of contract 1.1 (`bank.<bank_id>.<type>`,
`account.transactions`); it is not in this document. A
walkthrough from nothing to a first receipt: docs/integrators.md.""".replace("\n", " ")

TAGS = {"ingress": "County systems publish records (上报).", "receipts": "The platform answers every message.",
        "alerts": "Department desks read alerts (预警).", "notifications": "Desks are told of groups of alerts."}
DIVISION = {"description": "Six-digit GB/T 2260 division code (a county; for escalated alerts a city or province).",
            "examples": ["430102"]}
CORRELATION = {"description": "A receipt answers the message whose envelope (and AMQP `message_id` property) "
                              "carries the same `message_id`.", "location": "$message.payload#/message_id"}


def _json_schema_hints(converter: OpenAPIConverter, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """Our custom fields describe themselves (``json_schema``) for the document."""
    return dict(getattr(field, "json_schema", {}))


def _inline(schema: type[Schema]) -> str:
    """No name for any schema: apispec inlines nested schemas (its annotation says str; its
    documentation says a resolver may return None for this)."""
    return None  # type: ignore[return-value]  # apispec: None inlines (its annotation says str)


def _converter() -> OpenAPIConverter:
    plugin = MarshmallowPlugin(schema_name_resolver=_inline)  # inline nested schemas
    APISpec("WageWatch", "1", openapi_version="3.1.0", plugins=[plugin])
    converter = plugin.converter
    assert converter is not None    # APISpec set the plugin up
    converter.add_attribute_function(_json_schema_hints)
    return converter


def _schema(converter: OpenAPIConverter, schema_cls: type[Schema]) -> dict[str, Any]:
    schema: dict[str, Any] = converter.schema2jsonschema(schema_cls())   # apispec: unannotated
    return schema


def _ref(*path: str) -> dict[str, Any]:
    return {"$ref": "#/" + "/".join(path)}


def _tags(*names: str) -> list[dict[str, Any]]:
    return [{"name": name} for name in names]


# ---- servers ---------------------------------------------------------------------------

def local_amqp_uri(config_text: str) -> str:
    """The default ``AMQP_URI`` of deploy/config.yml (``${AMQP_URI:<default>}``)."""
    found = re.search(r"^AMQP_URI: \$\{AMQP_URI:(.+)\}\s*$", config_text, re.M)
    if found is None:
        raise ValueError("deploy/config.yml has no AMQP_URI default")
    return found.group(1)


def servers(local_uri: str) -> dict[str, Any]:
    local = urlsplit(local_uri)
    return {
        "production": {
            "host": f"{{host}}:{TLS_PORT}", "pathname": f"/{DEFAULT_VHOST}", "protocol": "amqps",
            "protocolVersion": "0-9-1", "title": "The province's broker",
            "description": f"AMQP 0-9-1 over TLS (verify the province's certificate), vhost `{DEFAULT_VHOST}`, "
                           "one broker user per county and per desk.",
            "variables": {"host": {"description": "The broker's host name, given by the platform team.",
                                   "examples": ["mq.example"]}},
            "security": [_ref("components", "securitySchemes", "brokerUser"),
                         _ref("components", "securitySchemes", "clientCertificate")],
            "tags": _tags("production")},
        "local": {
            "host": local.netloc.rsplit("@", 1)[-1], "pathname": local.path or "/", "protocol": local.scheme,
            "protocolVersion": "0-9-1", "title": "The local default (make up)",
            "description": "The developer's broker that `make up` and the tests use: plain AMQP, the default "
                           f"vhost `{local.path or '/'}`, the `{local.username}` user.",
            "security": [_ref("components", "securitySchemes", "localGuest")],
            "tags": _tags("local")},
    }


SECURITY_SCHEMES = {
    "brokerUser": {"type": "userPassword", "description":
                   "Your own broker user: `county.<division>` for a county system, `desk.<department>.<division>` "
                   "for a desk's tool, with the password the platform team gives you. A county may publish only "
                   "with its own routing keys and read only its own receipts; a desk reads only its own alerts "
                   "and notifications."},
    "clientCertificate": {"type": "X509", "description":
                          "Where the province enables it, a client certificate can replace the password."},
    "localGuest": {"type": "userPassword", "description": "guest/guest on the local broker only."},
}


# ---- channels, operations, messages ------------------------------------------------------

def _exchange_binding(exchange: Exchange) -> dict[str, Any]:
    return {"amqp": {"is": "routingKey", "bindingVersion": AMQP_BINDING,
                     "exchange": {"name": exchange.name, "type": exchange.type, "durable": exchange.durable,
                                  "autoDelete": exchange.auto_delete, "vhost": DEFAULT_VHOST}}}


def _queue_binding(queue: Queue) -> dict[str, Any]:
    return {"amqp": {"is": "queue", "bindingVersion": AMQP_BINDING,
                     "queue": {"name": queue.name, "durable": queue.durable, "exclusive": False,
                               "autoDelete": queue.auto_delete, "vhost": DEFAULT_VHOST}}}


def _params(**parameters: Any) -> dict[str, Any]:
    return {name: copy.deepcopy(value) for name, value in parameters.items()}


def _message(name: str, title: str, summary: str, payload: dict[str, Any], tag: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "title": title, "summary": summary, "contentType": "application/json",
            "payload": payload, "tags": _tags(tag),
            "bindings": {"amqp": {"contentEncoding": "utf-8", "bindingVersion": AMQP_BINDING}}, **more}


def _envelope(converter: OpenAPIConverter, message_type: MessageType) -> dict[str, Any]:
    body = _schema(converter, EnvelopeSchema)
    body["properties"]["type"] = {"type": "string", "enum": [message_type.name]}
    payload = _schema(converter, message_type.schema)
    if message_type.batch:
        payload = {"type": "object", "additionalProperties": False, "required": ["records"],
                   "properties": {"records": {"type": "array", "minItems": 1,
                                              "maxItems": MAX_BATCH_RECORDS, "items": payload}}}
    body["properties"]["payload"] = payload
    return body


def ingress(converter: OpenAPIConverter, parts: dict[str, Any]) -> None:
    for message_type in MESSAGE_TYPES.values():
        key = message_type.name.replace(".", "_")
        channel = f"ingress.{message_type.name}"
        parts["messages"][key] = _message(
            message_type.name, message_type.name, message_type.meaning, _envelope(converter, message_type),
            "ingress", correlationId=_ref("components", "correlationIds", "message_id"),
            description="AMQP properties: `content_type=application/json`, `content_encoding=utf-8`, "
                        "`delivery_mode=2`, and `message_id` equal to the envelope's `message_id` (the only way "
                        "to match the receipt of a body that cannot be read).")
        parts["channels"][channel] = {
            "address": f"county.{{division}}.{message_type.name}", "title": message_type.name,
            "description": f"{message_type.meaning.capitalize()}; published to `{INGRESS_EXCHANGE_NAME}`.",
            "messages": {key: _ref("components", "messages", key)},
            "parameters": _params(division=DIVISION), "bindings": _exchange_binding(ingress_exchange)}
        parts["operations"][f"publish_{key}"] = {
            "action": "send", "channel": _ref("channels", channel), "title": f"Publish {message_type.name}",
            "summary": "A county system publishes (publisher confirms); exactly one receipt answers it.",
            "messages": [_ref("channels", channel, "messages", key)],
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING}}, "tags": _tags("ingress"),
            "reply": {"channel": _ref("channels", "receipts"),
                      "messages": [_ref("channels", "receipts", "messages", "receipt")]}}


def receipts(converter: OpenAPIConverter, parts: dict[str, Any]) -> None:
    queue = receipts_queue("{division}")
    parts["messages"]["receipt"] = _message(
        "receipt", "Receipt", "Statuses: " + ", ".join(RECEIPT_STATUSES) + ".", _schema(converter, ReceiptSchema),
        "receipts", correlationId=_ref("components", "correlationIds", "message_id"),
        description="Published with the AMQP `message_id` property set to the answered message's id "
                    "(absent when there is none to give); the body always says it.")
    message = {"receipt": _ref("components", "messages", "receipt")}
    parts["channels"]["receipts"] = {
        "address": receipt_key("{division}"), "title": "Receipts",
        "description": f"Receipts for one county on `{RECEIPTS_EXCHANGE_NAME}`. Bind only your own key; a receipt "
                      "published while no queue is bound to it is lost.",
        "messages": message, "parameters": _params(division=DIVISION), "bindings": _exchange_binding(receipts_exchange)}
    parts["channels"]["receipts.queue"] = {
        "address": queue.name, "title": "A county's receipts queue",
        "description": f"Durable, declared at deployment and bound to `{queue.routing_key}`: it keeps your "
                      "receipts while your system is offline. Consume it by name, before you publish; your "
                      "county's user reads this queue and nothing else.",
        "messages": message, "parameters": _params(division=DIVISION), "bindings": _queue_binding(queue)}
    parts["operations"]["receive_receipts"] = {
        "action": "receive", "channel": _ref("channels", "receipts.queue"), "title": "Read receipts",
        "summary": "Acknowledge each receipt once stored; a redelivered one is identical.",
        "messages": [_ref("channels", "receipts.queue", "messages", "receipt")],
        "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}}, "tags": _tags("receipts")}


def _alert_payload(alert_type: str) -> dict[str, Any]:
    return {"allOf": [_ref("components", "schemas", "alert"),
                      {"type": "object", "properties": {"type": {"const": alert_type},
                                                        "details": details_schema(alert_type)}}]}


def alerts(converter: OpenAPIConverter, parts: dict[str, Any], routing: str) -> None:
    parts["schemas"]["alert"] = _schema(converter, AlertSchema)
    department = {"description": "The desk's department: " + "; ".join(f"`{k}` {v}" for k, v in DEPARTMENTS.items())
                  + ".", "enum": list(DEPARTMENTS)}
    severity = {"description": "The colour, lowest first.", "enum": list(SEVERITIES)}
    queue = desk_queue("{department}", "{division}")
    names = sorted(ALERT_DETAILS)
    for name in names:
        parts["messages"][f"alert_{name}"] = _message(
            name, name, f"A {name} alert, firing or resolved.", _alert_payload(name), "alerts")
    messages = {f"alert_{n}": _ref("components", "messages", f"alert_{n}") for n in names}
    params = _params(department=department, division=DIVISION, severity=severity)
    parts["channels"]["alerts"] = {
        "address": "alert.{department}.{division}.{severity}", "title": "Alerts",
        "description": f"Every alert, escalation and resolution on `{ALERTS_EXCHANGE_NAME}`.\n\n{routing}",
        "messages": messages, "parameters": params, "bindings": _exchange_binding(alerts_exchange)}
    parts["channels"]["alerts.desk_queue"] = {
        "address": queue.name, "title": "A desk's alerts queue",
        "description": f"Durable, declared at deployment and bound to `{queue.routing_key}`. A desk's user may "
                      f"also make queues of its own named `{queue.name}.<anything>`, bound to its own department "
                      "and division only.",
        "messages": copy.deepcopy(messages), "parameters": _params(department=department, division=DIVISION),
        "bindings": _queue_binding(queue)}
    parts["operations"]["receive_alerts"] = {
        "action": "receive", "channel": _ref("channels", "alerts.desk_queue"), "title": "Read a desk's alerts",
        "messages": [_ref("channels", "alerts.desk_queue", "messages", m) for m in messages],
        "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING}}, "tags": _tags("alerts")}


def notifications(converter: OpenAPIConverter, parts: dict[str, Any]) -> None:
    parts["messages"]["notification"] = _message(
        "notification", "Notification", "One notification to one desk for a group of related alerts.",
        _schema(converter, NotificationSchema), "notifications")
    colour = {"description": f"The group's highest colour, or `{RESOLVED}`.", "enum": [*SEVERITIES, RESOLVED]}
    department = {"enum": list(DEPARTMENTS), "description": "The desk's department."}
    parts["channels"]["notifications"] = {
        "address": notification_binding("{department}", "{division}", "{colour}"), "title": "Notifications",
        "description": f"Grouped notifications on `{NOTIFICATIONS_EXCHANGE_NAME}`, shaped by the alert policy "
                      "(grouping, repeat intervals, silences, inhibitions). A desk's user binds a queue of its "
                      "own (`wagewatch.desk.<department>.<division>.<anything>`) to "
                      "`notify.<department>.<division>.*`.",
        "messages": {"notification": _ref("components", "messages", "notification")},
        "parameters": _params(department=department, division=DIVISION, colour=colour),
        "bindings": _exchange_binding(notifications_exchange)}
    parts["operations"]["receive_notifications"] = {
        "action": "receive", "channel": _ref("channels", "notifications"), "title": "Read a desk's notifications",
        "messages": [_ref("channels", "notifications", "messages", "notification")], "tags": _tags("notifications")}


def routing_table(policy: Any) -> str:   # services.alerts.policy.AlertPolicy (shared imports no service)
    """The alert policy's routing, as an integrator reads it (from the policy, not a copy)."""
    table = policy.routing
    sectors = "\n".join(f"| `{sector}` | `{department}` |" for sector, department in table.sectors.items())
    routes = "\n".join(f"{i}. {route.name}: {_match(route.match)} → {', '.join(route.receivers)}"
                       + (" (a copy; reading goes on)" if route.carry_on else "")
                       for i, route in enumerate(table.routes, 1))
    return ("Who receives an alert (deploy/alert-policy.yml, the province may change it): the routes below, "
            "read in order; `sector` means the project's sector department.\n\n| project sector | department |\n"
            f"|---|---|\n{sectors}\n| unknown (no project) | `{table.fallback}` |\n\n{routes}")


def _match(match: dict[str, Any]) -> str:
    return " and ".join(f"{label} in [{', '.join(map(str, values))}]" for label, values in match.items()) or "any alert"


def document(config_text: str, policy: Any) -> dict[str, Any]:
    """The contract's AsyncAPI document for a platform configuration (the text of
    deploy/config.yml) and its alert policy (``services.alerts.policy.AlertPolicy``); the
    caller reads both (``wagewatch.asyncapi``), so ``shared`` imports neither layer above."""
    converter = _converter()
    parts: dict[str, Any] = {"channels": {}, "operations": {}, "messages": {}, "schemas": {}}
    ingress(converter, parts)
    receipts(converter, parts)
    alerts(converter, parts, routing_table(policy))
    notifications(converter, parts)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:wagewatch:contract:1",
        "info": {"title": "WageWatch public AMQP contract", "version": "1", "description": DESCRIPTION,
                 "contact": CONTACT, "license": LICENCE,
                 "tags": [{"name": name, "description": text} for name, text in TAGS.items()]},
        "servers": servers(local_amqp_uri(config_text)),
        "defaultContentType": "application/json",
        "channels": parts["channels"],
        "operations": parts["operations"],
        "components": {"schemas": parts["schemas"], "messages": parts["messages"],
                       "securitySchemes": SECURITY_SCHEMES, "correlationIds": {"message_id": CORRELATION}},
    }
