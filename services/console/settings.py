"""Console settings from the nameko config (``CONSOLE`` section)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConsoleSettings:
    session_hours: float = 8.0
    secure_cookie: bool = False
    coverage_service: str | None = None   # an optional RPC giving a project's coverage
    coverage_method: str | None = None

    @classmethod
    def from_config(cls, config: dict) -> "ConsoleSettings":
        section = config.get("CONSOLE") or {}
        coverage = section.get("coverage") or {}
        return cls(session_hours=float(section.get("session_hours", 8)),
                   secure_cookie=str(section.get("secure_cookie", False)).lower() in ("1", "true", "yes"),
                   coverage_service=coverage.get("service"), coverage_method=coverage.get("method"))
