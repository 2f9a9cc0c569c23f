"""``wagewatch policy check``: validate the alert policy file and show where a sample
alert would go: its desks, how they are notified, and its acknowledgement clock."""
from __future__ import annotations

import sys
from datetime import date

from services.alerts.domain import routes
from services.alerts.matchers import labels_of, matches
from services.alerts.policy import AlertPolicy, PolicyError, policy_path
from shared.workdays import WorkingCalendar


def run(config: dict, args) -> int:
    path = args.file or policy_path(config)
    try:
        policy = AlertPolicy.from_file(path)
    except PolicyError as exc:
        print(f"{path}: the policy is not valid", file=sys.stderr)
        for field, messages in exc.problems.items():
            print(f"  {field}: {' '.join(messages)}", file=sys.stderr)
        return 1
    print(f"{path}: valid — {len(policy.routing.routes)} route(s), {len(policy.desk_rules)} desk rule(s), "
          f"{len(policy.inhibitions)} inhibition(s), acknowledgement "
          + (", ".join(f"{s} within {d} working day(s)" for s, d in policy.acknowledge_within.items()) or "off"))
    if args.type:
        for line in explain(policy, sample(args), WorkingCalendar.from_config(config), args.raised_on or date.today()):
            print(line)
    return 0


def sample(args) -> dict:
    return {"_id": "sample", "type": args.type, "severity": args.severity, "sector": args.sector,
            "funding": args.funding, "division": args.division, "level": args.level, "p1": args.p1,
            "project_code": args.project or "SAMPLE", "month": None, "status": "firing"}


def explain(policy: AlertPolicy, alert: dict, calendar, raised_on: date) -> list[str]:
    """Readable lines: the routes that matched, each desk and its notification rule."""
    owner, copies = policy.routing.walk(labels_of(alert))
    departments = policy.routing.departments(alert["type"], alert["sector"], alert["funding"],
                                             **{k: alert[k] for k in ("severity", "division", "level", "p1")})
    lines = [f"sample: {alert['severity']} {alert['type']} on a {alert['sector'] or '(no sector)'} project "
             f"({alert['funding'] or 'any funding'}) in {alert['division']}, level {alert['level']}"
             + (", P1" if alert["p1"] else ""),
             f"  owner route: {owner.name if owner else '(none: the fallback)'}"
             + "".join(f"\n  copy route:  {c.name or '(unnamed)'}" for c in copies)]
    for desk in routes(departments, alert["division"], alert["level"]):
        index, rule = policy.desk_rule(labels_of(alert, desk))
        repeat = rule.repeat_after(alert["severity"])
        lines.append(f"  → alert.{desk['department']}.{desk['division']}.{alert['severity']} "
                     f"({desk['level']} desk); notified by rule '{rule.name}': grouped by "
                     f"{', '.join(rule.group_by) or 'nothing'}, wait {human(rule.group_wait)}, "
                     f"repeat {'never' if repeat is None else 'every ' + human(repeat)}")
    inhibitors = [i.name or "(unnamed)" for i in policy.inhibitions if matches(i.target, labels_of(alert))]
    lines.append("  can be inhibited by: " + ("; ".join(inhibitors) if inhibitors else "no inhibition applies"))
    days = policy.acknowledge_within.get(alert["severity"])
    if days:
        due = calendar.add_working_days(raised_on, days)
        lines.append(f"  raised {raised_on}: unacknowledged after {due} it goes one level up")
    else:
        lines.append(f"  {alert['severity']} alerts do not escalate for want of acknowledgement")
    return lines


def human(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
