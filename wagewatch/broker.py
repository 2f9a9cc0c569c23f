"""``wagewatch broker``: set up the broker's topology and access, and set passwords.

``setup`` is safe to run on every deployment: it creates the vhost and any missing user
*without a password* (existing users and their passwords are left alone, which a plain
definitions import would not do), then loads ``deploy/rabbitmq/definitions.json``
(queues, bindings, permissions, topic permissions). ``password`` sets one user's
password, read from standard input, so it never appears in a command line or a file.
Talks to the RabbitMQ management API with an administrator's credentials.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from shared.contract.access import PLATFORM_USER
from shared.contract.definitions import users

DEFAULT_DEFINITIONS = Path(__file__).resolve().parents[1] / "deploy" / "rabbitmq" / "definitions.json"
DEFAULT_MANAGEMENT_URL = "http://localhost:15672/api"


class ManagementApi:
    """The few calls of RabbitMQ's HTTP API that deployment needs (stdlib only)."""

    def __init__(self, url: str, user: str, password: str):
        self.url = url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"authorization": f"Basic {token}", "content-type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/{path}", data=data, method=method, headers=self.headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None

    def exists(self, path: str) -> bool:
        try:
            self.call("GET", path)
            return True
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise

    @staticmethod
    def quote(name: str) -> str:
        return urllib.parse.quote(name, safe="")


def setup(api: ManagementApi, document: dict) -> dict:
    """Create the vhost and missing users (no password), then load the definitions."""
    created = []
    for vhost in document.get("vhosts", ()):
        api.call("PUT", f"vhosts/{api.quote(vhost['name'])}", {})
    for user in users(document):
        if not api.exists(f"users/{api.quote(user)}"):
            api.call("PUT", f"users/{api.quote(user)}", {"password_hash": "", "tags": ""})
            created.append(user)
    api.call("POST", "definitions", document)
    return {"users_created": created, "users": len(users(document)),
            "queues": len(document.get("queues", ())), "permissions": len(document.get("permissions", ()))}


def set_password(api: ManagementApi, user: str, password: str) -> None:
    """Set a password, keeping the user's tags."""
    if not password:
        raise ValueError("an empty password is not allowed")
    tags = api.call("GET", f"users/{api.quote(user)}").get("tags", [])
    api.call("PUT", f"users/{api.quote(user)}",
             {"password": password, "tags": ",".join(tags) if isinstance(tags, list) else tags})


def api_from_environment(url: str | None = None) -> ManagementApi:
    """``RABBITMQ_MANAGEMENT_URL``, ``RABBITMQ_ADMIN_USER``, ``RABBITMQ_ADMIN_PASSWORD``
    (guest/guest on localhost, for a developer's machine)."""
    return ManagementApi(url or os.environ.get("RABBITMQ_MANAGEMENT_URL", DEFAULT_MANAGEMENT_URL),
                         os.environ.get("RABBITMQ_ADMIN_USER", "guest"),
                         os.environ.get("RABBITMQ_ADMIN_PASSWORD", "guest"))


def run(args) -> int:
    api = api_from_environment(args.management_url)
    if args.action == "setup":
        document = json.loads(Path(args.definitions or DEFAULT_DEFINITIONS).read_text(encoding="utf-8"))
        outcome = setup(api, document)
        print(f"[1/2] created {len(outcome['users_created'])} of {outcome['users']} users (without a password); "
              f"loaded {outcome['queues']} queues and {outcome['permissions']} permissions", flush=True)
        platform_password = os.environ.get("RABBITMQ_PASSWORD")
        if platform_password:
            set_password(api, PLATFORM_USER, platform_password)
            print(f"[2/2] set the password of {PLATFORM_USER} from RABBITMQ_PASSWORD")
        else:
            print(f"[2/2] RABBITMQ_PASSWORD not set: {PLATFORM_USER}'s password left as it was")
        print("summary: broker ready; counties' and desks' passwords: `wagewatch broker password USER`")
        return 0
    password = secrets.token_urlsafe(24) if args.generate else sys.stdin.readline().rstrip("\n")
    set_password(api, args.user, password)
    if args.generate:
        print(password)   # shown once, to hand to the county over a secure channel
    print(f"password of {args.user} set", file=sys.stderr)
    return 0
