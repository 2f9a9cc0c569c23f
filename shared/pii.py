"""Personal data: masking for display and keyed hashes for look-ups.

Resident ID numbers, phones and bank accounts never leave a service in full: what
leaves is the masked form. Services find a person by an HMAC of the number, with a key
that comes from configuration (``PII_HASH_KEY``), never from code.
"""
from __future__ import annotations

import hashlib
import hmac


def normalise_id_number(id_number: str) -> str:
    """Resident ID numbers compare in upper case (the check character may be ``x``)."""
    return id_number.strip().upper()


def keyed_hash(value: str, key: bytes) -> str:
    """A stable pseudonym for ``value``; without the key it cannot be reversed or guessed."""
    if not key:
        raise ValueError("A keyed hash needs a non-empty key (PII_HASH_KEY).")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def keyed_digest(parts: list[bytes], key: bytes) -> str:
    """A keyed fingerprint of raw bytes (a message body, say): stable, and telling nothing
    of a short secret inside it to someone without the key."""
    if not key:
        raise ValueError("A keyed digest needs a non-empty key (PII_HASH_KEY).")
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big") + part)
    return mac.hexdigest()[:32]


def _mask(value: str, keep_start: int, keep_end: int) -> str:
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")


def mask_id_number(id_number: str) -> str:
    """``430102199001011234`` → ``430***********1234``."""
    return _mask(normalise_id_number(id_number), 3, 4)


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``."""
    return _mask(phone.strip(), 3, 4)


def mask_account(account_no: str) -> str:
    """A bank account shows only its last four digits."""
    return _mask(account_no.replace(" ", ""), 0, 4)


def mask_name(name: str) -> str:
    """``张三丰`` → ``张**``: enough for a desk to recognise a case, not to identify a person."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else name
