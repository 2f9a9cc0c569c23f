"""Console settings from the nameko config (``CONSOLE`` section)."""
from __future__ import annotations

from dataclasses import dataclass, field

from services.console.sign_in import SignInLimits


@dataclass(frozen=True)
class ConsoleSettings:
    session_hours: float = 8.0
    secure_cookie: bool = False
    coverage_service: str | None = None   # an optional RPC giving a project's coverage
    coverage_method: str | None = None
    sign_in: SignInLimits = field(default_factory=SignInLimits)
    trust_forwarded_for: bool = False       # behind the province's own reverse proxy only

    @classmethod
    def from_config(cls, config: dict) -> ConsoleSettings:
        section = config.get("CONSOLE") or {}
        coverage = section.get("coverage") or {}
        return cls(session_hours=float(section.get("session_hours", 8)),
                   secure_cookie=_flag(section.get("secure_cookie")),
                   coverage_service=coverage.get("service"), coverage_method=coverage.get("method"),
                   sign_in=SignInLimits.from_config(section.get("sign_in") or {}),
                   trust_forwarded_for=_flag(section.get("trust_forwarded_for")))


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "yes")
