"""Signing in without letting anyone guess a password or lock an operator out (登录限流).

Two limits, each a *claim* taken in the store before a password is checked:

- per username and source address: at most ``failures`` wrong passwords within
  ``window``. A right password clears them. Someone guessing from another address does not
  lock the operator out of their own;
- across the whole console: at most ``checks`` password checks within ``per``, whoever
  asks and from wherever. scrypt is slow on purpose, and many addresses guessing at once
  are held to this.

A claim is taken atomically before the check, not counted after it: parallel attempts
cannot all read a count from before any of them failed (40 parallel guesses used to get
14 checks instead of 5). Plain Python over a small port; the repository keeps the claims.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.calendar import now_iso

SIGNED_IN, WRONG, LOCKED, BUSY = "signed_in", "wrong", "locked", "busy"
EVERYONE = "*"   # the key of the console-wide limit


@dataclass(frozen=True)
class SignInLimits:
    failures: int = 5
    window: timedelta = timedelta(minutes=15)
    checks: int = 60
    per: timedelta = timedelta(minutes=1)

    @classmethod
    def from_config(cls, section: dict) -> SignInLimits:
        """``CONSOLE.sign_in: {failures, window_minutes, checks, per_seconds}``."""
        limits = cls(failures=int(section.get("failures", cls.failures)),
                     window=timedelta(minutes=float(section.get("window_minutes", 15))),
                     checks=int(section.get("checks", cls.checks)),
                     per=timedelta(seconds=float(section.get("per_seconds", 60))))
        if limits.failures < 1 or limits.checks < 1:
            raise ValueError("CONSOLE.sign_in: failures and checks must be at least 1")
        return limits


class Attempts(Protocol):
    def claim(self, key: str, claim_id: str, now: str, since: str, limit: int) -> bool:
        """Add a claim unless ``limit`` claims made after ``since`` are held; atomic."""

    def release(self, key: str, claim_id: str) -> None: ...

    def clear(self, key: str) -> None: ...


def attempt_key(username: str, address: str) -> str:
    return f"{username}@{address}"


def try_sign_in(attempts: Attempts, limits: SignInLimits, username: str, address: str, now: datetime,
            check: Callable[[], bool]) -> str:
    """SIGNED_IN, WRONG, LOCKED (this username from this address) or BUSY (the console's
    limit); ``check`` (the slow password check) runs only when both claims were granted."""
    own, claim = attempt_key(username, address), secrets.token_hex(8)
    if not attempts.claim(own, claim, now_iso(now), now_iso(now - limits.window), limits.failures):
        return LOCKED
    if not attempts.claim(EVERYONE, claim, now_iso(now), now_iso(now - limits.per), limits.checks):
        attempts.release(own, claim)   # no password was checked: not a failure
        return BUSY
    if not check():
        return WRONG   # the claim stays: it is the failure
    attempts.clear(own)
    return SIGNED_IN


def source_address(remote_addr: str | None, forwarded_for: str | None, trust_forwarded: bool) -> str:
    """Who is signing in: the peer's address, or behind the province's own reverse proxy
    (``CONSOLE.trust_forwarded_for``) the address that proxy saw, the last in
    ``X-Forwarded-For`` (earlier entries are whatever the client chose to send)."""
    if trust_forwarded and forwarded_for:
        return forwarded_for.split(",")[-1].strip() or (remote_addr or "unknown")
    return remote_addr or "unknown"
