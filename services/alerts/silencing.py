"""Silences (静默): mute notifications of matching alerts for a while (they are still
recorded and published), end one early, and notice the ones that ran out."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.alerts.publication import Publication
from services.alerts.suppression import made_for_desk, silence_problems, silence_view
from shared.calendar import SHANGHAI, now_iso
from shared.contract.alerts import FIRING
from shared.errors import RequestInvalid, RequestRefused
from shared.internal import SILENCES_CHANGED


@dataclass
class Silences:
    out: Publication

    def silence(self, matchers: dict[str, Any], created_by: str, reason: str, ends_at: str,
                starts_at: str | None = None) -> dict[str, Any]:
        """Mute notifications of matching alerts (they are still recorded and published)."""
        now = self.out.clock.now_iso()
        try:
            request = {"matchers": matchers, "created_by": created_by, "reason": reason,
                       "starts_at": instant(starts_at) if starts_at else now, "ends_at": instant(ends_at)}
        except ValueError as exc:
            field = "starts_at" if starts_at and "start" in str(exc) else "ends_at"
            raise RequestInvalid({field: [str(exc)]}) from None
        problems = silence_problems(request, now)
        if problems:
            raise RequestInvalid(problems)
        silence = self.out.repository.add_silence({**request, "created_at": now})
        self._changed(silence)
        return silence_view(silence)

    def expire_silence(self, silence_id: str, by: str, desk: dict[str, Any] | None = None) -> dict[str, Any]:
        """End a silence now. A desk may end only silences made for it."""
        silence = self.out.repository.get_silence(silence_id)
        if silence is None or (desk and not made_for_desk(silence, desk["department"], desk["division"])):
            raise RequestRefused(f"no silence {silence_id} for this desk")
        ended = self.out.repository.expire_silence(silence_id, by, self.out.clock.now_iso())
        if ended is None:
            raise RequestRefused(f"silence {silence_id} has already ended")
        self._changed(ended)
        return silence_view(ended)

    def silences(self, department: str | None = None, division: str | None = None) -> list[dict[str, Any]]:
        current = self.out.repository.current_silences(self.out.clock.now_iso())
        return [silence_view(s) for s in current if not department or made_for_desk(s, department, division)]

    def notice_silences_ending(self) -> None:
        """A silence that ran out lets its alerts be notified again."""
        for silence in self.out.repository.silences_ended_unnoticed(self.out.clock.now_iso()):
            if self.out.repository.mark_end_noticed(silence["_id"]):
                self._changed(silence)

    def _changed(self, silence: dict[str, Any]) -> None:
        self.out.dispatch(SILENCES_CHANGED, silence_view(silence))
        self.out.desks.touch(self.out.repository.find(status=FIRING, limit=5000))


def instant(text: str) -> str:
    """An operator's date or timestamp as the platform's ISO form (Asia/Shanghai)."""
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return now_iso(moment)
