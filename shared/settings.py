"""Reading settings every service shares from the nameko config."""
from __future__ import annotations

from typing import Any

PII_HASH_KEY = "PII_HASH_KEY"


def pii_key(config: dict[str, Any]) -> bytes:
    """The key for hashing personal data. It comes only from configuration (the
    ``PII_HASH_KEY`` environment variable in deployment), never from code."""
    key = config.get(PII_HASH_KEY)
    if not key:
        raise RuntimeError("PII_HASH_KEY is not configured: set it in the environment.")
    return str(key).encode("utf-8")


def daily_sweep(config: dict[str, Any]) -> bool:
    """Whether the monitoring services sweep by themselves once a day (``DAILY_SWEEP``,
    on unless turned off: tests and benchmarks sweep as of dates they choose)."""
    return bool(config.get("DAILY_SWEEP", True))
