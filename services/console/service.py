"""console: the operators' web console (值班台), served by nameko's HTTP entrypoint.

An operator signs in to one desk and sees, live, the alerts that reach it; acknowledges,
resolves and silences them; opens a project. Every answer is cut to the operator's desk
on the server: the browser never receives an alert, a notification or a project outside
it. Accounts are managed with ``wagewatch console …`` over RPC.
"""
from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from pathlib import Path

from eventlet import tpool
from nameko.dependency_providers import Config
from nameko.events import BROADCAST, event_handler
from nameko.exceptions import RemoteError, UnknownService
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.console import app
from services.console.accounts import desk_of, expires_at, new_session_token, password_matches, token_key
from services.console.feed import LiveFeed, alert_reaches, sse
from services.console.repository import ConsoleRepository
from services.console.schemas import AcknowledgeSchema, ExpireSilenceSchema, ResolveSchema, SignInSchema, SilenceSchema
from services.console.settings import ConsoleSettings
from services.console.sign_in import BUSY, LOCKED, WRONG, source_address, try_sign_in
from services.console.web import (
    cleared_cookie,
    error,
    forged,
    json_response,
    read_json,
    refusal_response,
    session_cookie,
    session_token,
)
from shared.calendar import now_iso
from shared.contract.alerts import DEPARTMENTS
from shared.divisions import covers, name_of
from shared.errors import RequestInvalid, RequestRefused
from shared.internal import ALERT_CHANGED, DESK_NOTIFIED, SILENCES_CHANGED, AlertView
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, RemoteErrors, Repository, Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
KEEPALIVE_SECONDS = 15
OPTIONAL_TIMEOUT = 5
# Compared against when a username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def for_a_desk(changing: bool = False, schema=None):
    """An endpoint for the signed-in operator's desk: the session checked (and, for a
    change, the CSRF header), the JSON body read by ``schema``, and every refusal mapped
    to its status once (``refusal_response``). The method is called as
    ``method(self, request, session[, body])`` and returns a dict (200) or a Response."""
    def decorate(method):
        @functools.wraps(method)
        def endpoint(self, request):
            session, denied = self._session(request, changing)
            if denied:
                return denied
            try:
                body = () if schema is None else (read_json(request, schema()),)
                answer = method(self, request, session, *body)
            except (RequestInvalid, RequestRefused) as refusal:
                return refusal_response(refusal)
            return answer if isinstance(answer, Response) else json_response(answer)
        return endpoint
    return decorate


class ConsoleService:
    name = "console"

    health = HealthCheck()

    store = Repository(ConsoleRepository)
    settings = Settings(ConsoleSettings.from_config)
    feed = LiveFeed()
    clock = ClockProvider()
    config = Config()
    alerts_rpc = RpcProxy("alerts")
    projects_rpc = RpcProxy("projects")
    payroll_rpc = RpcProxy("payroll")
    refusals = RemoteErrors(RequestRefused, RequestInvalid)   # the alerts service's, as themselves

    # --- accounts (RPC, for `wagewatch console …`) ----------------------------------------
    @rpc(expected_exceptions=RequestInvalid)
    def add_account(self, username: str, password_hash: str, department: str, division: str,
                    display_name: str | None = None) -> dict:
        """Create an operator's account. The password arrives already hashed by the
        command line: it never crosses the broker in clear."""
        return {"account": _public(app.add_account(self.store, username, password_hash, department, division,
                                                   display_name, self.clock.now_iso()))}

    @rpc(expected_exceptions=RequestInvalid)
    def set_password(self, username: str, password_hash: str) -> dict:
        return {"account": _public(app.set_password(self.store, username, password_hash))}

    @rpc(expected_exceptions=RequestInvalid)
    def disable_account(self, username: str) -> dict:
        return {"account": _public(app.disable_account(self.store, username))}

    @rpc
    def list_accounts(self) -> list[dict]:
        return [_public(a) for a in self.store.all_accounts()]

    # --- signing in and out ---------------------------------------------------------------
    @http("GET", "/")
    def page(self, request):
        return _static("console.html", "text/html")

    @http("GET", "/console.js")
    def script(self, request):
        return _static("console.js", "text/javascript")

    @http("POST", "/api/session")
    def sign_in(self, request):
        if forged(request):
            return error(403, "missing the console's request header")
        try:
            body = read_json(request, SignInSchema())
        except RequestInvalid as bad:
            return refusal_response(bad)
        account = self.store.account(body["username"])
        address = source_address(request.remote_addr, request.headers.get("X-Forwarded-For"),
                                 self.settings.trust_forwarded_for)

        def check() -> bool:
            stored = account["password"] if account else _DUMMY_HASH
            matched = tpool.execute(password_matches, body["password"], stored)
            return bool(account and matched and not account.get("disabled"))

        limits = self.settings.sign_in
        outcome = try_sign_in(self.store, limits, body["username"], address, self.clock.now(), check)
        if outcome == LOCKED:
            minutes = round(limits.window.total_seconds() / 60)
            return error(429, f"尝试次数过多，请 {minutes} 分钟后再试 (too many attempts: try again in {minutes} minutes)")
        if outcome == BUSY:
            return error(429, "登录请求过多，请稍后再试 (too many sign-ins right now: try again in a minute)")
        if outcome == WRONG:
            return error(401, "用户名或密码错误 (wrong username or password)")
        return self._open_session(account)

    def _open_session(self, account: dict) -> Response:
        now = self.clock.now()
        token, ends = new_session_token(), expires_at(now, self.settings.session_hours)
        desk = desk_of(account)
        self.store.open_session(token_key(token), account["username"], desk, now_iso(now), now_iso(ends), ends)
        cookie = session_cookie(token, int(self.settings.session_hours * 3600), self.settings.secure_cookie)
        return json_response({"operator": _operator(account, now_iso(ends))}, headers={"Set-Cookie": cookie})

    @http("DELETE", "/api/session")
    def sign_out(self, request):
        if forged(request):
            return error(403, "missing the console's request header")
        token = session_token(request)
        if token:
            self.store.close_session(token_key(token))
        return json_response({"signed_out": True}, headers={"Set-Cookie": cleared_cookie()})

    @http("GET", "/api/me")
    @for_a_desk()
    def me(self, request, session):
        account = self.store.account(session["username"])
        return {"operator": _operator(account, session["expires_at"])}

    def _session(self, request, changing: bool = False) -> tuple[dict | None, Response | None]:
        """The signed-in operator's session, or the response that refuses the request."""
        if changing and forged(request):
            return None, error(403, "missing the console's request header")
        token = session_token(request)
        session = self.store.session(token_key(token)) if token else None
        if session is None or session["expires_at"] <= self.clock.now_iso():
            return None, error(401, "请重新登录 (sign in again)")
        account = self.store.account(session["username"])
        if account is None or account.get("disabled"):
            return None, error(401, "账户已停用 (account disabled)")
        return session, None

    # --- the desk's alerts ------------------------------------------------------------------
    @http("GET", "/api/alerts")
    @for_a_desk()
    def desk_alerts(self, request, session):
        desk = session["desk"]
        args = request.args
        found = self.alerts_rpc.desk_alerts(desk["department"], desk["division"], status=args.get("status") or None,
                                        project_code=args.get("project") or None, since=_since(self.clock.now()))
        wanted = {k: args.get(k) for k in ("severity", "type") if args.get(k)}
        found = [a for a in found if all(a.get(k) == v for k, v in wanted.items())]
        return {"desk": desk, "alerts": found, "outcomes": self.alerts_rpc.outcomes()}

    @http("GET", "/api/stream")
    @for_a_desk()
    def stream(self, request, session):
        """Server-sent events: every change to an alert that reaches the desk, as it happens."""
        request.environ["eventlet.minimum_write_chunk_size"] = 0   # send each event at once
        subscription = self.feed.subscribe(session["desk"])
        events = _events(subscription, session, self.store, self.clock, self.feed)
        return Response(events, mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @http("POST", "/api/alerts/acknowledge")
    @for_a_desk(changing=True, schema=AcknowledgeSchema)
    def acknowledge(self, request, session, body):
        desk = session["desk"]
        return self.alerts_rpc.acknowledge(body["fingerprint"], desk["department"], desk["division"],
                                           session["username"], body.get("note"))

    @http("POST", "/api/alerts/resolve")
    @for_a_desk(changing=True, schema=ResolveSchema)
    def resolve(self, request, session, body):
        desk = session["desk"]
        return self.alerts_rpc.resolve(body["fingerprint"], desk["department"], desk["division"],
                                       session["username"], body["outcome"], body.get("note"))

    # --- silences ---------------------------------------------------------------------------
    @http("GET", "/api/silences")
    @for_a_desk()
    def list_silences(self, request, session):
        desk = session["desk"]
        return {"silences": self.alerts_rpc.silences(desk["department"], desk["division"])}

    @http("POST", "/api/silences")
    @for_a_desk(changing=True, schema=SilenceSchema)
    def add_silence(self, request, session, body):
        """A desk silences only its own notifications: department and division are the desk's."""
        chosen = {k: body[k] for k in SilenceSchema.MATCHED if body.get(k)}
        desk = session["desk"]
        matchers = {**chosen, "department": desk["department"], "desk_division": desk["division"]}
        return self.alerts_rpc.silence(matchers, session["username"], body["reason"], body["ends_at"],
                                       body.get("starts_at"))

    @http("POST", "/api/silences/expire")
    @for_a_desk(changing=True, schema=ExpireSilenceSchema)
    def expire_silence(self, request, session, body):
        desk = session["desk"]
        return self.alerts_rpc.expire_silence(body["silence_id"], session["username"], desk["department"],
                                              desk["division"])

    @http("GET", "/api/notifications")
    @for_a_desk()
    def notifications(self, request, session):
        desk = session["desk"]
        return {"notifications": self.alerts_rpc.desk_notifications(desk["department"], desk["division"])}

    # --- a project ----------------------------------------------------------------------------
    @http("GET", "/api/project")
    @for_a_desk()
    def project(self, request, session):
        """A project in the desk's scope: its facts, its alerts on this desk, its payroll
        months and its coverage; a part whose service is absent says so."""
        code, desk = request.args.get("code", ""), session["desk"]
        project = self.projects_rpc.get_projects([code]).get(code)
        if project is None or not self._in_scope(project, desk):
            return error(404, f"项目 {code} 不在本岗位范围内 (not in this desk's scope)")
        alerts = [a for a in self.alerts_rpc.desk_alerts(desk["department"], desk["division"], project_code=code)
                  if alert_reaches(a, desk)]
        return {"project": project, "alerts": alerts,
                "payroll": self._optional(lambda: self.payroll_rpc.project_months(code), "payroll"),
                "coverage": self._coverage(code)}

    def _in_scope(self, project: dict, desk: dict) -> bool:
        """Within the desk's division, and a project whose alerts this department receives."""
        if not covers(desk["division"], project["division"]):
            return False
        return desk["department"] in self.alerts_rpc.project_departments(project.get("sector"), project.get("funding"))

    def _coverage(self, code: str) -> dict:
        service, method = self.settings.coverage_service, self.settings.coverage_method
        if not (service and method):
            return {"available": False, "reason": "coverage is not configured (CONSOLE.coverage)"}

        def call():
            from nameko.standalone.rpc import ClusterRpcProxy

            with ClusterRpcProxy(self.config, timeout=OPTIONAL_TIMEOUT) as cluster:
                return getattr(getattr(cluster, service), method)(code)
        return self._optional(call, service)

    @staticmethod
    def _optional(call, service: str) -> dict:
        try:
            return {"available": True, "data": call()}
        except UnknownService:
            return {"available": False, "reason": f"the {service} service is not running"}
        except RemoteError as exc:
            log.warning("optional %s call failed: %s", service, exc)
            return {"available": False, "reason": f"the {service} service could not answer ({exc.exc_type})"}

    # --- live changes from the alerts service (every console instance hears every one) -------
    # Unreliable delivery on purpose: a queue per running instance, gone with it. A tab
    # that reconnects (EventSource does by itself) reloads the desk's list first.
    @event_handler("alerts", ALERT_CHANGED, handler_type=BROADCAST, reliable_delivery=False)
    def handle_alert_changed(self, body):
        self.feed.alert_changed(AlertView.load(body))

    @event_handler("alerts", DESK_NOTIFIED, handler_type=BROADCAST, reliable_delivery=False)
    def handle_desk_notified(self, notification):
        self.feed.desk_notified(notification)

    @event_handler("alerts", SILENCES_CHANGED, handler_type=BROADCAST, reliable_delivery=False)
    def handle_silences_changed(self, silence):
        self.feed.silences_changed((silence.get("matchers") or {}).get("department"))


def _static(name: str, mimetype: str) -> Response:
    return Response((STATIC / name).read_bytes(), mimetype=mimetype, headers={
        "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"})


def _events(subscription, session: dict, store, clock, hub):
    """The stream's body. It runs after the worker has returned (the response is being
    written), so it is handed what it needs instead of reading the service's attributes.
    It ends when the session expires or is signed out."""
    try:
        yield "retry: 2000\n\n" + sse("hello", {"desk": session["desk"]})
        while session["expires_at"] > clock.now_iso() and store.session(session["_id"]):
            item = subscription.next(KEEPALIVE_SECONDS)
            yield sse(*item) if item else ": keep-alive\n\n"
        yield sse("signed_out", {})
    finally:
        hub.unsubscribe(subscription)


def _public(account: dict) -> dict:
    return {k: account.get(k) for k in ("username", "display_name", "department", "division", "created_at",
                                        "disabled")} | {"username": account.get("username") or account.get("_id")}


def _operator(account: dict, session_ends: str) -> dict:
    desk = desk_of(account)
    return {"username": account["_id"], "display_name": account.get("display_name"), "desk": desk,
            "department_name": DEPARTMENTS[desk["department"]], "division_name": name_of(desk["division"]),
            "session_expires_at": session_ends}


def _since(now: datetime) -> str:
    """Resolved alerts stay on the board for a week."""
    return now_iso(now - timedelta(days=7))
