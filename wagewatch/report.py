"""``wagewatch report coverage``: the coverage a province reports, as a table or JSON."""
from __future__ import annotations

import unicodedata

from shared.contract.alerts import SEVERITIES

REPORT_TIMEOUT = 120  # seconds; one report reads a province's projects in a few queries


class ReportUnavailable(Exception):
    """The platform could not produce the report (a service is down, or it refused)."""


def run_coverage(config: dict, division: str, month: str) -> dict:
    from nameko.exceptions import RemoteError, UnknownService
    from nameko.standalone.rpc import ClusterRpcProxy

    try:
        with ClusterRpcProxy(config, timeout=REPORT_TIMEOUT) as cluster:
            return cluster.accounts.coverage(division, month)
    except UnknownService:
        raise ReportUnavailable("the accounts service is not running on this broker") from None
    except RemoteError as exc:
        raise ReportUnavailable(f"the accounts service refused: {exc.value}") from None


def format_coverage(report: dict) -> str:
    name = report["division_name"] or "unknown division"
    lines = [f"Coverage of required systems: {name} {report['division']} ({report['level']}), {report['month']}",
             f"projects under construction: {report['projects_under_construction']}", "",
             _row("system", "projects", "share")]
    for figure in (*report["systems"], report["paid_in_full_public"]):
        lines.append(_row(figure["label"], *_counts(figure)))
    lines += ["", "open alerts now (all months), by type and colour"
              + ("" if report["open_alerts"]["complete"] else " (at least: the list was cut short)"),
              _alert_row("type", *(s for s in reversed(SEVERITIES)), "total")]
    by_type = report["open_alerts"]["by_type"]
    for alert_type, counts in by_type.items():
        lines.append(_alert_row(alert_type, *(counts.get(s, 0) for s in reversed(SEVERITIES)), sum(counts.values())))
    lines.append(f"summary: {report['open_alerts']['total']} open alert(s) of {len(by_type)} type(s); "
                 f"{_weakest(report)}")
    return "\n".join(lines)


def _counts(figure: dict) -> tuple[str, str]:
    if figure["projects"] is None:
        return "unknown", "(workers service not running)"
    share = "-" if figure["share"] is None else f"{figure['share'] * 100:.1f}%"
    return f"{figure['projects']} / {figure['of']}", share


def _weakest(report: dict) -> str:
    known = [f for f in report["systems"] if f["share"] is not None]
    if not known:
        return "no project under construction" if not report["projects_under_construction"] else "no figures"
    weakest = min(known, key=lambda f: f["share"])
    return f"lowest coverage: {weakest['label']} at {weakest['share'] * 100:.1f}%"


def _row(label, count, share) -> str:
    return f"{_pad(label, 44)} {count:>10}  {share}"


def _alert_row(label, *cells) -> str:
    return f"{label:<28}" + "".join(f"{cell:>8}" for cell in cells)


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


def report_coverage(config: dict, args) -> int:
    """``wagewatch report coverage``: a readable table, or JSON with ``--json``."""
    import json
    import sys

    try:
        figures = run_coverage(config, args.division, args.month)
    except ReportUnavailable as exc:
        print(f"wagewatch report: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(figures, ensure_ascii=False, indent=2) if args.json else format_coverage(figures))
    return 0
