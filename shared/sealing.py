"""Sealing what must be kept but must not be read: quarantined message bodies.

A quarantined body is the audit record of what a county really sent, and it can hold
full resident ID numbers, phones and bank accounts. It is stored only sealed with
Fernet (AES-128-CBC with an HMAC-SHA256, from the ``cryptography`` package) under a key
from the environment (``QUARANTINE_KEY``), and opened only by an authorised auditor
holding that key (``wagewatch quarantine show``).

``QUARANTINE_KEY`` may list several keys separated by commas: the first seals, all open,
so a key can be rotated without losing older records.
"""
from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

QUARANTINE_KEY = "QUARANTINE_KEY"


class KeyMissing(RuntimeError):
    pass


def new_key() -> str:
    """A fresh key, for ``QUARANTINE_KEY`` (keep it in the deployment's secret store)."""
    return Fernet.generate_key().decode("ascii")


class Sealer:
    def __init__(self, keys: str):
        if not keys:
            raise KeyMissing(f"{QUARANTINE_KEY} is not configured: set it in the environment "
                             "(`python -c 'from shared.sealing import new_key; print(new_key())'`).")
        self._fernet = MultiFernet([Fernet(k.strip().encode("ascii")) for k in keys.split(",") if k.strip()])

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Sealer:
        return cls(str(config.get(QUARANTINE_KEY) or ""))

    def seal(self, data: bytes) -> str:
        return self._fernet.encrypt(data).decode("ascii")

    def open(self, token: str) -> bytes:
        """The sealed bytes; raises ``InvalidToken`` for a wrong key or a tampered record."""
        return self._fernet.decrypt(token.encode("ascii"))


__all__ = ["InvalidToken", "KeyMissing", "Sealer", "new_key", "QUARANTINE_KEY"]
