"""``wagewatch alerts tail``: print a desk's live alert stream."""
from __future__ import annotations

import sys

from shared.contract.client import alerts_listener

COLOURS = {"red": "\033[31m", "orange": "\033[33m", "yellow": "\033[93m", "blue": "\033[34m"}
RESET = "\033[0m"


def format_alert(alert: dict, colour: bool = False) -> str:
    severity = alert["severity"].upper()
    if colour:
        severity = f"{COLOURS.get(alert['severity'], '')}{severity}{RESET}"
    flag = " P1" if alert.get("p1") else ""
    return (f"{alert['raised_at']}  {severity:<6}{flag} {alert['status']:<8} {alert['type']:<26} "
            f"{alert['department']}@{alert['division']} ({alert['level']}) "
            f"{alert.get('project_code') or '-'} {alert.get('month') or '-'}  {alert['summary']}")


def tail(amqp_uri: str, department=None, division=None, severity=None, out=sys.stdout) -> None:
    listener = alerts_listener(amqp_uri, department, division, severity)
    colour = out.isatty()
    print(f"watching alerts ({department or 'any department'}, {division or 'any division'}, "
          f"{severity or 'any severity'}); Ctrl-C to stop", file=out, flush=True)
    try:
        while True:
            for message in listener.take(1.0):
                print(format_alert(message["body"], colour), file=out, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
