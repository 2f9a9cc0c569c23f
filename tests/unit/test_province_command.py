"""``wagewatch province`` without --publish or --check: the seeded province's size and the
alerts it must raise, worked out without a platform."""
from __future__ import annotations

from testkit.province import generate
from wagewatch import commands
from wagewatch.cli import parser
from wagewatch.province import spec_of

ARGS = ["province", "--as-of", "2026-11-23", "--counties", "2", "--projects-per-county", "3",
        "--workers-per-project", "2", "--every-violation"]


def test_province_command_reports_the_size_and_expected_alerts_of_the_seeded_province(capsys):
    args = parser().parse_args(ARGS)

    assert commands.province(args) == 0

    out = capsys.readouterr().out
    province = generate(spec_of(args))
    volume = province.volume()
    assert "province: 2 counties, 6 projects, 12 workers" in out
    assert f"messages: {sum(m for m, _r in volume.values()):,} carrying {sum(r for _m, r in volume.values()):,}" in out
    assert f"expected alerts: {sum(province.expected_alerts.values())} message(s)" in out
