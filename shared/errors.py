"""The platform's one error convention, and the exception every owning service raises
when it refuses a county's record.

A use case raises a domain exception (a service's own in ``services/<svc>/exceptions.py``,
those that cross services here, since no service imports another); it
is mapped once at the edge: ``rpc(expected_exceptions=...)`` for RPC callers, an HTTP
status in the console, and for an event, ``reliable_event_handler`` parks it with its
error. Nothing returns ``{"error": ...}`` dicts to say no.

Plain exceptions, free of nameko, so use cases and their unit tests import them; a
caller that wants one back as itself rather than as nameko's ``RemoteError`` registers
it with :func:`travel_as_themselves` (``shared.nameko.providers.RemoteErrors`` does so
when a container starts).
"""
from __future__ import annotations


class RecordRefused(Exception):
    """The owning service refuses a county's record (a ``*.upsert`` or a single record):
    ``errors`` maps each field of the payload to its messages, as the receipt shows them
    under ``payload.<field>``. 拒收."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return field_errors_text(self.errors)


def field_errors_text(errors: dict[str, list[str]]) -> str:
    """``field: message; other: message`` (an exception's text when it has field errors)."""
    return "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in errors.items())


def travel_as_themselves(*exception_types: type[Exception]) -> None:
    """Have nameko rebuild these exceptions from an RPC reply (their ``args`` must be
    JSON-ready), instead of a ``RemoteError`` that keeps only their text."""
    from nameko.exceptions import deserialize_to_instance

    for exception_type in exception_types:
        deserialize_to_instance(exception_type)


class RequestRefused(Exception):
    """A desk's request that the current state does not allow (the alert is already
    resolved, the silence is not this desk's): the message says why. HTTP 409."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class RequestInvalid(Exception):
    """A request with a wrong field: ``errors`` maps each field to its messages. HTTP 400."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    def __str__(self) -> str:
        return field_errors_text(self.errors)
