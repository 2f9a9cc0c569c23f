"""HTTP plumbing for the console: JSON in and out, the session cookie, the CSRF guard."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from http.cookies import SimpleCookie

from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from shared.errors import RequestInvalid, RequestRefused

COOKIE = "wagewatch_session"
# Every request that changes something must carry this header. A browser sends a custom
# header cross-site only after a CORS preflight, which the console never grants, so a
# page elsewhere cannot make a signed-in operator's browser act (with SameSite=Strict).
CSRF_HEADER = "X-WageWatch-Console"


class BadRequest(RequestInvalid):
    """The request's JSON does not fit the endpoint's schema (400, field by field)."""


def json_response(data, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=_plain), status=status, headers=headers,
                    mimetype="application/json")


def _plain(value):
    """Money (Decimal) and dates from other services' answers, as JSON shows them."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def error(status: int, message: str, **extra) -> Response:
    return json_response({"error": message, **extra}, status)


def refusal_response(refusal: RequestInvalid | RequestRefused) -> Response:
    """The one mapping of a refusal (shared/errors.py) to HTTP: a wrong field is 400 with
    ``errors`` by field; a request the state does not allow is 409 with its ``error``."""
    if isinstance(refusal, RequestInvalid):
        return json_response({"errors": refusal.errors}, 400)
    return error(409, str(refusal))


def read_json(request, schema: Schema) -> dict:
    """The request's JSON object loaded by the endpoint's schema; a precise error naming
    each missing, mistyped or unknown field."""
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise BadRequest({"body": ["Not valid JSON."]}) from None
    if not isinstance(body, dict):
        raise BadRequest({"body": ["Must be a JSON object."]})
    try:
        return schema.load(body)
    except ValidationError as invalid:
        raise BadRequest(invalid.normalized_messages()) from None


def session_token(request) -> str | None:
    return request.cookies.get(COOKIE)


def session_cookie(token: str, max_age: int, secure: bool) -> str:
    cookie = SimpleCookie()
    cookie[COOKIE] = token
    morsel = cookie[COOKIE]
    morsel.update({"path": "/", "max-age": str(max_age), "httponly": True,  # type: ignore[arg-type]  # typeshed: str only
                   "samesite": "Strict"})
    if secure:
        morsel["secure"] = True
    return morsel.OutputString()


def cleared_cookie() -> str:
    return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"


def forged(request) -> bool:
    return request.headers.get(CSRF_HEADER) != "1"
