"""Operators' accounts (值班账户) and sessions: plain Python, no nameko, no storage.

An operator signs in to one desk: a department (住建, 水利, 交通, 发改, 人社) at a
division (a county, a city or the province). Passwords are kept only as scrypt hashes
(a deliberately slow key-derivation function, stdlib ``hashlib.scrypt``) with a random
salt each; a session is a random token the browser keeps in an HttpOnly cookie, stored
only as its SHA-256 and valid until it expires.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from shared.contract.alerts import DEPARTMENTS
from shared.divisions import level_of, validate_division

SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES = 2 ** 14, 8, 1, 32
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$<n>$<r>$<p>$<salt>$<key>``: the parameters travel with the hash so they
    can be raised later without locking anyone out."""
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    return "$".join(["scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)])


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(key)
    actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                            dklen=len(expected))
    return hmac.compare_digest(actual, expected)


def account_problems(username: str, password: str, department: str, division: str) -> dict[str, list[str]]:
    """Field errors of a new account."""
    problems: dict[str, list[str]] = {}
    if not _USERNAME.match(username or ""):
        problems["username"] = ["3-32 characters: lower-case letters, digits, '.', '_' or '-'."]
    if len(password or "") < MIN_PASSWORD:
        problems["password"] = [f"At least {MIN_PASSWORD} characters."]
    if department not in DEPARTMENTS:
        problems["department"] = [f"Unknown department; use one of: {', '.join(DEPARTMENTS)}."]
    division_errors = validate_division(division)
    if division_errors:
        problems["division"] = division_errors
    return problems


def desk_of(account: dict) -> dict:
    """The desk an operator works: department, division and its level."""
    return {"department": account["department"], "division": account["division"],
            "level": level_of(account["division"])}


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_key(token: str) -> str:
    """What is stored for a session: a stolen database holds no usable token."""
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


def expires_at(now: datetime, hours: float) -> datetime:
    return now + timedelta(hours=hours)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
