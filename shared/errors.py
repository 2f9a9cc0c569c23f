"""The platform's one error convention, and the exception every owning service raises
when it refuses a county's record.

A use case raises a domain exception (declared in ``services/<svc>/exceptions.py``); it
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
        return "; ".join(f"{field}: {' '.join(map(str, messages))}" for field, messages in self.errors.items())


def travel_as_themselves(*exception_types: type[Exception]) -> None:
    """Have nameko rebuild these exceptions from an RPC reply (their ``args`` must be
    JSON-ready), instead of a ``RemoteError`` that keeps only their text."""
    from nameko.exceptions import deserialize_to_instance

    for exception_type in exception_types:
        deserialize_to_instance(exception_type)
