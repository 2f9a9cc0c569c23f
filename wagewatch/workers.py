"""``wagewatch workers``: a project's roster and a month's attendance, masked, for operators."""
from __future__ import annotations

RPC_TIMEOUT = 60


def ask(config: dict, method: str, *args):
    from nameko.standalone.rpc import ClusterRpcProxy

    with ClusterRpcProxy(config, timeout=RPC_TIMEOUT) as cluster:
        return getattr(cluster.workers, method)(*args)


def format_roster(roster: dict) -> str:
    lines = [f"{'ID (masked)':<20} {'name':<6} {'phone':<12} {'team':<10} {'trade':<10} contract "
             f"{'entry':<10} {'exit':<10} on site"]
    for w in roster["workers"]:
        lines.append(f"{w['id_masked']:<20} {w['name_masked']:<6} {w['phone_masked'] or '-':<12} "
                     f"{w['team'] or '-':<10} {w['trade']:<10} {'yes' if w['contract_signed'] else 'NO':<8} "
                     f"{w['entry_date']:<10} {w['exit_date'] or '-':<10} {'yes' if w['on_site'] else 'no'}")
    lines.append(f"{roster['project_code']}: {roster['enrolled']} worker(s) enrolled, "
                 f"{roster['on_site']} on site as of {roster['as_of']}")
    return "\n".join(lines)


def format_attendance(summary: dict) -> str:
    lines = [f"{'ID (masked)':<20} {'name':<6} {'days':>4}  {'first':<10} {'last':<10} paid"]
    for w in summary["workers"]:
        paid = {None: "?", True: "NO", False: "yes"}[w["unpaid"]]
        lines.append(f"{w['id_masked']:<20} {w['name_masked'] or '?':<6} {w['days']:>4}  "
                     f"{w['first_day']:<10} {w['last_day']:<10} {paid}")
    lines.append(f"{summary['project_code']} {summary['month']}: {summary['attended']} worker(s) clocked in, "
                 f"{summary['worker_days']} worker-day(s)")
    check = summary["reconciliation"]
    if check is None:
        lines.append("against payroll: not reconciled yet (it is when the payroll arrives, or at the next sweep)")
    else:
        stale = "" if check["current"] else " (data changed since; the next sweep updates it)"
        lines.append(f"against payroll{stale}: {check['paid']} paid, {check['unpaid']} attended but unpaid, "
                     f"{check['short']} short, {check['not_enrolled']} payee(s) not enrolled")
    return "\n".join(lines)
