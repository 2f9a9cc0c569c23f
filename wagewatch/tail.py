"""``wagewatch alerts tail``: print a desk's live alert stream (or its grouped
notifications), with the same scope filters as the console: department, division,
colour, rule and project."""
from __future__ import annotations

import sys
from urllib.parse import urlparse

from amqp.exceptions import AccessRefused

from shared.contract.access import desk_of_user, desk_queue
from shared.contract.client import Listener
from shared.contract.topology import alert_binding, alerts_exchange, notification_binding, notifications_exchange

COLOURS = {"red": "\033[31m", "orange": "\033[33m", "yellow": "\033[93m", "blue": "\033[34m"}
RESET = "\033[0m"


def format_alert(alert: dict, colour: bool = False) -> str:
    severity = _paint(alert["severity"].upper(), alert["severity"], colour)
    flag = " P1" if alert.get("p1") else ""
    return (f"{alert['raised_at']}  {severity:<6}{flag} {alert['status']:<8} {alert['type']:<26} "
            f"{alert['department']}@{alert['division']} ({alert['level']}) "
            f"{alert.get('project_code') or '-'} {alert.get('month') or '-'}  {alert['summary']}")


def format_notification(note: dict, colour: bool = False) -> str:
    desk = note["desk"]
    group = ", ".join(f"{k}={v}" for k, v in note["group"].items()) or "the desk"
    muted = f", {len(note['suppressed'])} silenced/inhibited" if note["suppressed"] else ""
    return (f"{note['sent_at']}  {_paint(note['colour'].upper(), note['colour'], colour):<6} {note['reason']:<7} "
            f"{desk['department']}@{desk['division']} {group}: {len(note['firing'])} firing, "
            f"{len(note['resolved'])} resolved{muted}")


def _paint(text: str, severity: str, colour: bool) -> str:
    return f"{COLOURS.get(severity, '')}{text}{RESET}" if colour and severity in COLOURS else text


def wanted(body: dict, alert_type: str | None, project: str | None) -> bool:
    if alert_type and body.get("type") != alert_type:
        return False
    return not project or body.get("project_code") == project


def tail(amqp_uri: str, department=None, division=None, severity=None, out=sys.stdout, *,
         alert_type: str | None = None, project: str | None = None, notifications: bool = False,
         err=sys.stderr) -> int:
    """Print the stream until Ctrl-C (0). With a desk's broker user, the desk is the
    user's own unless given; a scope the broker refuses is said plainly (2)."""
    department, division = _desk_scope(amqp_uri, department, division)
    try:
        listener = _listen(amqp_uri, department, division, severity, notifications)
    except AccessRefused as refused:
        print(f"wagewatch alerts tail: the broker refused this: {refused.reply_text or refused}.\n"
              "Check the user and password in AMQP_URI. A desk's broker user (desk.<department>.<division>) "
              "may watch only its own desk: run it without --department/--division, or with its own.", file=err)
        return 2
    colour = out.isatty()
    print(f"watching {'notifications' if notifications else 'alerts'} ({department or 'any department'}, "
          f"{division or 'any division'}, {severity or 'any severity'}"
          + (f", {alert_type}" if alert_type else "") + (f", project {project}" if project else "")
          + "); Ctrl-C to stop", file=out, flush=True)
    try:
        while True:
            for message in listener.take(1.0):
                body = message["body"]
                if notifications:
                    print(format_notification(body, colour), file=out, flush=True)
                elif wanted(body, alert_type, project):
                    print(format_alert(body, colour), file=out, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
    return 0


def _desk_scope(amqp_uri: str, department: str | None, division: str | None) -> tuple[str | None, str | None]:
    """The desk a desk user's credentials belong to fills in what was not given."""
    own = desk_of_user(urlparse(amqp_uri).username or "")
    if own:
        return department or own[0], division or own[1]
    return department, division


def _listen(amqp_uri: str, department, division, severity, notifications: bool) -> Listener:
    # A queue named under the desk's own name when the scope is one desk: the only name a
    # desk's user may make; the platform's user may make it as well.
    owner = desk_queue(department, division).name if department and division else "wagewatch.listener"
    if notifications:
        binding = notification_binding(department, division, severity)
        return Listener(amqp_uri, notifications_exchange, [binding], owner)
    return Listener(amqp_uri, alerts_exchange, [alert_binding(department, division, severity)], owner)
