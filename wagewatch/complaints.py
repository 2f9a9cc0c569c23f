"""``wagewatch complaints …`` (a desk's case work) and ``wagewatch report complaints`` (the
figures), over RPC to the running complaints service.

The argument definitions at the top import nothing that opens a socket (the domain's
names only), so ``cli.py`` can build its parser before eventlet is patched in; the RPC
client is imported when a command runs.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import unicodedata
from decimal import Decimal, InvalidOperation

from services.complaints.domain import OUTCOMES, STATUSES  # plain Python: no nameko, no eventlet
from shared.contract.alerts import DEPARTMENTS

RPC_TIMEOUT = 60
# The service names fields as its RPC does; an operator knows them by their flags.
FLAGS = {"amount_recovered": "--recovered", "workers_paid": "--workers-paid", "to_division": "--to-division",
         "amount_paid": "--paid", "largest_one_worker": "--largest",
         "to_department": "--to-department", "as_of": "--as-of", "from": "--from", "to": "--to"}


# ---- arguments --------------------------------------------------------------------------

def _yuan(text: str) -> float:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount in yuan: {text!r}") from None
    return float(amount)   # the service checks sign and decimals, and names the field


def _operator() -> str:
    return os.environ.get("WAGEWATCH_OPERATOR") or getpass.getuser()


def add_case_commands(commands, date_type) -> None:
    """``wagewatch complaints <action> …``."""
    parser = commands.add_parser("complaints", help="complaint cases: list, show, and a desk's changes")
    actions = parser.add_subparsers(dest="action", required=True)

    listing = actions.add_parser("list", help="cases, newest first")
    listing.add_argument("--division", help="county, city or province code")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--project", help="project code")
    listing.add_argument("--employer", help="employer's credit code (uscc)")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--as-of", type=date_type, help="read the clocks as of this date (default: today)")
    listing.add_argument("--json", action="store_true")

    show = actions.add_parser("show", help="one case with its clock and its record of changes")
    show.add_argument("case_id", help="<county>/<complaint_id>, e.g. 430102/TS-2026-0001")
    show.add_argument("--as-of", type=date_type)
    show.add_argument("--json", action="store_true")

    def change(name, help_text, reason=False):
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("case_id", help="<county>/<complaint_id>")
        sub.add_argument("--by", default=_operator(), help="who makes the change (default: $WAGEWATCH_OPERATOR "
                                                           "or your login name)")
        sub.add_argument("--on", type=date_type, help="the date it takes effect (default: today)")
        sub.add_argument("--json", action="store_true")
        if reason:
            sub.add_argument("--reason", required=True, help="why (recorded with the change)")
        else:
            sub.add_argument("--note")
        return sub

    change("accept", "受理: accept the case; the 60-working-day investigation clock starts")
    change("refuse", "不予受理: refuse it in writing", reason=True)
    change("investigate", "start the investigation")
    change("suspend", "中止: wait (materials, another authority); the clock pauses", reason=True)
    change("resume", "resume after waiting")
    resolve = change("resolve", "处理完毕: record the outcome")
    resolve.add_argument("--outcome", choices=tuple(OUTCOMES), required=True)
    resolve.add_argument("--recovered", type=_yuan, required=True, metavar="YUAN", help="wages recovered")
    resolve.add_argument("--workers-paid", type=int, required=True, metavar="N")
    change("close", "结案: close a resolved case")
    transfer = change("transfer", "转办: hand the case to another division or department", reason=True)
    transfer.add_argument("--to-division", help="6-digit division code")
    transfer.add_argument("--to-department", choices=tuple(DEPARTMENTS))
    change("reopen", "reopen a closed or refused case", reason=True)
    change("extend", "延期: extend the investigation deadline by 30 working days, once", reason=True)
    order = change("order", "责令支付: record the order to pay and its deadline; unheeded at the provincial "
                            "threshold, the daily sweep raises CRIMINAL_REFERRAL_DUE")
    order.add_argument("--deadline", type=date_type, required=True, help="the last day to pay (YYYY-MM-DD)")
    order.add_argument("--amount", type=_yuan, required=True, metavar="YUAN", help="wages ordered paid, in total")
    order.add_argument("--workers", type=int, required=True, metavar="N", help="workers they are owed to")
    order.add_argument("--months", type=int, required=True, metavar="M",
                       help="the longest run of months any one of them went unpaid")
    order.add_argument("--largest", type=_yuan, metavar="YUAN", help="the most owed to one worker, if known")
    paid = change("paid", "record wages paid under the order to pay (on --on, default today)")
    paid.add_argument("--paid", type=_yuan, required=True, metavar="YUAN", help="the amount paid")


def add_report(reports, date_type) -> None:
    """``wagewatch report complaints``."""
    report = reports.add_parser("complaints", help="filed, accepted, closed, closure and on-time rates, "
                                                   "recovered, workers helped")
    report.add_argument("--division", required=True, help="county, city or province code, e.g. 430100")
    report.add_argument("--from", dest="date_from", type=date_type, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", type=date_type, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--as-of", type=date_type, help="count the cases as they stood then (default: today)")
    report.add_argument("--json", action="store_true", help="the figures as JSON")
    report.set_defaults(handler="wagewatch.complaints:report_complaints")


# ---- running them -----------------------------------------------------------------------

def _call(config: dict, method: str, *args, **kwargs):
    from nameko.exceptions import UnknownService
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.complaints.exceptions import travel_as_themselves

    travel_as_themselves()
    try:
        with ClusterRpcProxy(config, timeout=RPC_TIMEOUT) as cluster:
            return getattr(cluster.complaints, method)(*args, **kwargs)
    except UnknownService:
        raise SystemExit("error: the complaints service is not running on this broker (start it with `wagewatch up`)") from None


def run_case_command(config: dict, args, out=sys.stdout) -> int:
    from services.complaints.exceptions import CaseError

    try:
        answer = _case_request(config, args)
    except CaseError as error:
        print(f"error: {explain(error)}", file=sys.stderr)
        return 1
    if getattr(args, "json", False):
        print(json.dumps(answer, ensure_ascii=False, indent=2), file=out)
    elif args.action == "list":
        print(format_list(answer), file=out)
    elif args.action == "show":
        print(format_case(answer), file=out)
    else:
        print(format_changed(args.action, answer), file=out)
    return 0


def explain(error) -> str:
    """The service's message, with fields named by the flags that set them."""
    errors = getattr(error, "errors", None)
    if not isinstance(errors, dict):
        return str(error)
    return " ".join(f"{FLAGS.get(field, '--' + field.replace('_', '-'))}: {' '.join(map(str, messages))}"
                     for field, messages in errors.items())


def _case_request(config: dict, args):
    as_of = args.as_of.isoformat() if getattr(args, "as_of", None) else None
    if args.action == "list":
        return _call(config, "list_cases", division=args.division, status=args.status, project_code=args.project,
                     employer_uscc=args.employer, limit=args.limit, as_of=as_of)
    if args.action == "show":
        return _call(config, "get_case", args.case_id, as_of=as_of)
    request = {"by": args.by, "on": args.on.isoformat() if args.on else None}
    for name in ("note", "reason", "outcome", "workers_paid", "to_division", "to_department"):
        if getattr(args, name, None) is not None:
            request[name] = getattr(args, name)
    if args.action == "resolve":
        request["amount_recovered"] = args.recovered
    if args.action == "order":
        request.update(deadline=args.deadline.isoformat(), amount=args.amount, workers=args.workers,
                       months=args.months, largest_one_worker=args.largest)
        return _call(config, "order_payment", args.case_id, **request)
    if args.action == "paid":
        return _call(config, "record_payment", args.case_id, amount_paid=args.paid, **request)
    return _call(config, args.action, args.case_id, **request)


def report_complaints(config: dict, args, out=sys.stdout) -> int:
    from services.complaints.exceptions import CaseError

    try:
        figures = _call(config, "figures", args.division, args.date_from.isoformat(), args.date_to.isoformat(),
                        as_of=args.as_of.isoformat() if args.as_of else None)
    except CaseError as error:
        print(f"error: {explain(error)}", file=sys.stderr)
        return 1
    print(json.dumps(figures, ensure_ascii=False, indent=2) if args.json else format_figures(figures), file=out)
    return 0


# ---- formatting -------------------------------------------------------------------------

def _width(text: str) -> int:
    """Columns a terminal gives the text (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(text, width: int, right: bool = False) -> str:
    text = str(text)
    pad = " " * max(width - _width(text), 0)
    return pad + text if right else text + pad


def _table(headers: list[str], rows: list[list], right_from: int) -> str:
    widths = [max(_width(str(v)) for v in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for row in (headers, *rows):
        lines.append("  ".join(_cell(v, w, i >= right_from) for i, (v, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    return "\n".join(lines)


def _percent(rate) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


FIGURE_HEADERS = ["division", "name", "filed", "accepted", "refused", "closed", "closure rate", "on time",
                  "open", "overdue", "recovered (yuan)", "workers helped"]


def _figure_row(code: str, name: str | None, f: dict) -> list:
    return [code, name or "", f["filed"], f["accepted"], f["refused"], f["closed"], _percent(f["closure_rate"]),
            _percent(f["on_time_rate"]), f["open"], f["overdue"], f"{f['amount_recovered']:,.2f}", f["workers_helped"]]


def format_figures(figures: dict) -> str:
    rows = [_figure_row(r["division"], r["name"], r) for r in figures["by_division"]]
    rows.append(_figure_row("total", figures["name"], figures["total"]))
    title = (f"Complaints filed {figures['from']} to {figures['to']} in {figures['division']} "
             f"{figures['name'] or ''}, as they stood on {figures['as_of']}")
    notes = ("closure rate = closed / accepted (办结率); on time = closed within the investigation deadline / "
             "closed; overdue = open past a deadline")
    return f"{title}\n\n{_table(FIGURE_HEADERS, rows, right_from=2)}\n\n{notes}"


def _clock(clock: dict | None) -> str:
    if not clock:
        return "-"
    if clock["overdue"]:
        return f"{clock['stage']} OVERDUE ({clock['elapsed']}/{clock['allowed']} working days, due {clock['deadline']})"
    due = f"due {clock['deadline']}" if clock["running"] else "paused"
    return f"{clock['stage']} {clock['elapsed']}/{clock['allowed']} working days, {due}"


def _flag(case: dict) -> str:
    if case.get("referral_due"):
        return "REFERRAL DUE"
    return f"order to pay by {case['order_deadline']}" if case.get("order_deadline") else "-"


def format_list(cases: list[dict]) -> str:
    if not cases:
        return "no cases"
    rows = [[c["case_id"], c["filed_on"], c["status"], f"{c['department']}@{c['division']}",
             c["project_code"] or "-", c["workers_affected"], f"{c['amount_claimed']:,.2f}",
             _flag(c), _clock(c["clock"])] for c in cases]
    headers = ["case", "filed", "status", "desk", "project", "workers", "claimed (yuan)", "flag", "clock"]
    return f"{_table(headers, rows, right_from=99)}\n{len(cases)} case(s)"


def format_case(case: dict) -> str:
    person = case["complainant"]
    project = case["project"] or {}
    lines = [
        f"case {case['case_id']}  ({case['channel']}, filed {case['filed_at']})",
        f"  status      {case['status']} at {case['department']}@{case['division']}"
        + (f" (waiting; resumes as {case['resume_status']})" if case["resume_status"] else ""),
        f"  clock       {_clock(case['clock'])}",
        f"  project     {case['project_code'] or '-'}"
        + (f" {project.get('name')} ({project.get('sector')}, {project.get('division')})" if project else
           (" (not registered)" if case["project_code"] else "")),
        f"  employer    {case['employer']['name']} {case['employer'].get('uscc') or ''}"
        + (f" [{case['employer_role']}]" if case["employer_role"] else ""),
        f"  complainant {' '.join(person.get(k, '') for k in ('name', 'phone', 'id_number')).strip()}",
        f"  claim       {case['workers_affected']} worker(s), {case['amount_claimed']:,.2f} yuan",
        f"  order       {_order(case['order'])}",
        f"  referral    {('DUE: ' + case['referral']['reason']) if case['referral']['due'] else 'not due'}",
        f"  related     {', '.join(case['related']) or '-'}",
    ]
    if case["resolution"]:
        r = case["resolution"]
        lines.append(f"  outcome     {r['outcome']}: {r['amount_recovered']:,.2f} yuan recovered, "
                     f"{r['workers_paid']} worker(s) paid")
    lines.append(f"  description {case['description']}")
    lines.append("  record:")
    for entry in case["history"]:
        details = ", ".join(f"{k}={v}" for k, v in entry["details"].items())
        lines.append(f"    {entry['seq']:>2}. {entry['on']} {entry['action']:<11} {entry['from_status'] or '-':>13} → "
                     f"{entry['to_status']:<13} by {entry['by']} at {entry['at']}" + (f"  ({details})" if details else ""))
    return "\n".join(lines)


def _order(order: dict | None) -> str:
    if not order:
        return "-"
    largest = f", at most {order['largest_one_worker']:,.2f} to one worker" if order["largest_one_worker"] else ""
    return (f"责令支付 {order['ordered_on']} by {order['by']}: {order['amount']:,.2f} yuan to {order['workers']} "
            f"worker(s){largest}, up to {order['months']} month(s) unpaid; due {order['deadline']}; paid "
            f"{order['paid_by_deadline']:,.2f} by the deadline, {order['paid']:,.2f} in all")


def format_changed(action: str, case: dict) -> str:
    return (f"{action}: case {case['case_id']} is now {case['status']} at {case['department']}@{case['division']}; "
            f"clock: {_clock(case['clock'])}")
