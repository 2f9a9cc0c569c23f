"""Errors a desk's request can meet, each with a message that says what to do.

Plain exceptions, so the domain stays free of nameko; :func:`travel_as_themselves`
registers them with nameko, and a client that calls it (the service does, and so does
``wagewatch complaints``) receives them over RPC as themselves, not as ``RemoteError``.
"""
from __future__ import annotations

from shared import errors as shared_errors


class CaseError(Exception):
    """A request the complaints service refuses; the message says why."""


class CaseNotFound(CaseError):
    def __init__(self, case_id: str):
        super().__init__(case_id)
        self.case_id = case_id

    def __str__(self) -> str:
        return (f"No complaint case {self.case_id!r} (a case id is <county>/<complaint_id>, "
                "e.g. 430102/TS-2026-0001).")


class InvalidTransition(CaseError):
    """The change does not apply to the case in its current state."""


class InvalidChange(CaseError):
    """A field of the request is wrong; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return " ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in self.errors.items())


class ConcurrentChange(CaseError):
    """Someone else changed the case between reading and writing it."""


def travel_as_themselves() -> None:
    shared_errors.travel_as_themselves(CaseNotFound, InvalidTransition, InvalidChange, ConcurrentChange)
