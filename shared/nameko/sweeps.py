"""The daily sweep of a monitoring service, run by whichever instance claims the day."""
from __future__ import annotations

from nameko.timer import timer


class DailySweep:
    """Mixed into a monitoring service that has ``settings.daily_sweep``, ``clock``,
    ``sweep(as_of)`` and ``_sweep_log()`` (its :class:`shared.sweeps.SweepLog`).

    Every instance asks each minute; the SweepLog's claim lets exactly one run the day, so
    two instances never sweep the same day twice (tests/e2e/test_scale_out.py).

    A service names it ``sweeps.DailySweep`` (``from shared.nameko import sweeps``), never
    imports the class itself: ``nameko run services.<name>.service`` takes every class of
    the module that has an entrypoint for a service, and this one has one."""

    @timer(interval=60)
    def sweep_daily(self):
        """Run the sweep once a day with today's date (every instance asks; one wins)."""
        if self.settings.daily_sweep:
            today = self.clock.today().isoformat()
            if self._sweep_log().claim(today):
                self.sweep(today)
