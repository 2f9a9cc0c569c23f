"""``wagewatch quarantine``: what the ingress kept of bad input, for operators and auditors.

``list`` shows recent quarantined messages without their bodies. ``show ID`` fetches one
record with its body still sealed and opens it here, with the ``QUARANTINE_KEY`` of the
auditor running the command: the running platform never hands out an open body, and
without the key nothing can be read. Each opening is logged (who and which record) on
the auditor's terminal, for the audit trail the deployment keeps.
"""
from __future__ import annotations

import getpass
import json
import logging
import os

from shared.sealing import QUARANTINE_KEY, InvalidToken, KeyMissing, Sealer

log = logging.getLogger("wagewatch.audit")
RPC_TIMEOUT = 30


def _ingress(config):
    from nameko.standalone.rpc import ServiceRpcProxy

    return ServiceRpcProxy("ingress", config, timeout=RPC_TIMEOUT)


def list_quarantined(config: dict, county: str | None, limit: int) -> list[dict]:
    with _ingress(config) as ingress:
        return ingress.quarantined(county, limit)


def open_quarantined(config: dict, quarantine_id: str, key: str) -> tuple[dict, bytes]:
    """The record (without the sealed text) and the body, opened with ``key``."""
    with _ingress(config) as ingress:
        record = ingress.quarantined_sealed(quarantine_id)
    if record is None:
        raise LookupError(f"no quarantined message {quarantine_id}")
    body = Sealer(key).open(record.pop("body_sealed"))
    return record, body


def _kept(record: dict) -> str:
    """An oversized body is kept only in part: say so, with the hash of the whole."""
    if "body_kept_bytes" not in record:
        return ""
    return f" (first {record['body_kept_bytes']} kept, sha256 {record['body_sha256']})"


def format_record(record: dict) -> str:
    return (f"{record['_id']}  {record['received_at']}  {record.get('county') or '-'}  "
            f"{record.get('message_id') or '-'}  {record['reason']}  x{record.get('deliveries', 1)}  "
            f"{record.get('body_bytes', '?')} bytes{_kept(record)}  "
            f"errors: {json.dumps(record['receipt']['errors'], ensure_ascii=False)}")


def run(config: dict, args, out=print) -> int:
    if args.action == "list":
        records = list_quarantined(config, args.county, args.limit)
        for record in records:
            out(format_record(record))
        out(f"summary: {len(records)} quarantined message(s) shown, newest first (bodies sealed)")
        return 0
    key = os.environ.get(QUARANTINE_KEY, "")
    try:
        record, body = open_quarantined(config, args.id, key)
    except KeyMissing:
        out(f"{QUARANTINE_KEY} is not set: only an auditor holding the key can open a body")
        return 2
    except InvalidToken:
        out("the key does not open this record (wrong key, or the record was altered)")
        return 2
    except LookupError as exc:
        out(str(exc))
        return 1
    logging.basicConfig(level=logging.INFO)
    log.info("quarantined body %s opened by %s", args.id, getpass.getuser())
    out(format_record({**record, "body_sealed": None}))
    out(body.decode("utf-8", errors="backslashreplace"))
    return 0
