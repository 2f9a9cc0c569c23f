"""Who may do what on the broker: each county speaks only for itself (属地), each desk
reads only its own alerts.

- A county's user ``county.<division>`` may publish only to ``wagewatch.ingress``, and only
  with routing keys ``county.<its division>.<type>`` (a RabbitMQ topic permission); it may
  read only its own receipts queue ``wagewatch.receipts.<division>``, and may declare,
  bind or delete nothing (see ``publisher_grant`` for why).
- A desk's user ``desk.<department>.<division>`` reads its own alerts queue
  ``wagewatch.desk.<department>.<division>`` (bound to ``alert.<department>.<division>.*``),
  and may make queues of its own under that name for its alerts and its grouped
  notifications (``notify.<department>.<division>.*``), but for no other desk.
- The platform's services share the user ``wagewatch`` with every right on the vhost (nameko
  declares its RPC, reply and event queues itself).

Those queues are declared at deployment, because no county or desk user may declare one.
Passwords are never part of these definitions: see docs/operations.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kombu import Queue

from shared.contract.alerts import DEPARTMENTS
from shared.contract.topology import (
    ALERTS_EXCHANGE_NAME,
    INGRESS_EXCHANGE_NAME,
    NOTIFICATIONS_EXCHANGE_NAME,
    alert_binding,
    alerts_exchange,
    receipt_key,
    receipts_exchange,
)
from shared.divisions import city_of, current_counties, province_of

PLATFORM_USER = "wagewatch"
DEFAULT_VHOST = "wagewatch"
NOTHING = "^$"   # a permission pattern that matches no name


def _literal(name: str) -> str:
    return "^" + name.replace(".", r"\.") + "$"


def county_user(division: str, prefix: str = "") -> str:
    return f"{prefix}county.{division}"


def desk_user(department: str, division: str, prefix: str = "") -> str:
    return f"{prefix}desk.{department}.{division}"


def desk_of_user(user: str) -> tuple[str, str] | None:
    """(department, division) of a desk's broker user (``desk.water.430102``, with any
    prefix), or None for any other user."""
    found = re.search(r"(?:^|[-.])desk\.([a-z]+)\.(\d{6})$", user)
    return (found.group(1), found.group(2)) if found else None


def receipts_queue(division: str) -> Queue:
    """A county's receipts, kept while its system is offline."""
    return Queue(f"wagewatch.receipts.{division}", exchange=receipts_exchange,
                 routing_key=receipt_key(division), durable=True, auto_delete=False)


def desk_queue(department: str, division: str) -> Queue:
    """A department desk's alerts (a county's, a city's 督办 or the province's)."""
    return Queue(f"wagewatch.desk.{department}.{division}", exchange=alerts_exchange,
                 routing_key=alert_binding(department, division), durable=True, auto_delete=False)


@dataclass(frozen=True)
class TopicGrant:
    """Routing keys a user may publish with (write) and bind with (read) on one exchange."""

    exchange: str
    write: str = NOTHING
    read: str = NOTHING


@dataclass(frozen=True)
class Grant:
    """One user's permissions on the vhost, and its topic permissions."""

    user: str
    configure: str
    write: str
    read: str
    topics: tuple[TopicGrant, ...] = ()

    def permission(self, vhost: str) -> dict[str, Any]:
        return {"user": self.user, "vhost": vhost, "configure": self.configure,
                "write": self.write, "read": self.read}

    def topic_permissions(self, vhost: str) -> list[dict[str, Any]]:
        return [{"user": self.user, "vhost": vhost, "exchange": t.exchange, "write": t.write, "read": t.read}
                for t in self.topics]

    def topic(self, exchange: str) -> TopicGrant:
        return next((t for t in self.topics if t.exchange == exchange), TopicGrant(exchange))


def _escaped(name: str) -> str:
    return name.replace(".", r"\.")


def _own(queue_name: str) -> str:
    """The queue itself, or any queue named under it (``<name>.<anything>``)."""
    return _escaped(queue_name) + r"(\..+)?"


def publisher_grant(user: str, ingress_keys: str, receipts: Queue) -> Grant:
    """A publisher (a county; the banks of contract 1.1 alike): it publishes to the
    ingress with its own keys and reads its own receipts queue, and that is all.

    It may declare, bind and delete nothing, because the write on ``wagewatch.ingress`` it
    needs to publish is all RabbitMQ asks of a queue that dead-letters there
    (``x-dead-letter-exchange``, with a dead-letter key naming another county), of an
    exchange whose ``alternate-exchange`` is the ingress, and of an exchange-to-exchange
    binding into the ingress; none of those is checked against topic permissions. With
    configure rights on any name, or read on any exchange, it could speak as another
    county (docs/operations.md). Its receipts queue is declared and bound at deployment.
    """
    return Grant(user, configure=NOTHING, write=_literal(INGRESS_EXCHANGE_NAME), read=_literal(receipts.name),
                 topics=(TopicGrant(INGRESS_EXCHANGE_NAME, write=ingress_keys),))


def county_grant(division: str, prefix: str = "") -> Grant:
    return publisher_grant(county_user(division, prefix), rf"^county\.{division}\..+$", receipts_queue(division))


_ONE_WORD = r"([a-z]+|\*|#)"


def desk_grant(department: str, division: str, prefix: str = "") -> Grant:
    """A desk reads its own alerts queue, and may declare, bind and delete queues named
    after it (``wagewatch.desk.<department>.<division>.<anything>``), bound to its own
    alerts and its own grouped notifications only. It may write to nothing but those
    queues, so nothing it declares can reach the ingress."""
    own = _own(desk_queue(department, division).name)
    streams = "|".join(map(_escaped, (ALERTS_EXCHANGE_NAME, NOTIFICATIONS_EXCHANGE_NAME)))
    return Grant(desk_user(department, division, prefix), configure=f"^{own}$", write=f"^{own}$",
                 read=f"^({streams}|{own})$",
                 topics=(TopicGrant(ALERTS_EXCHANGE_NAME, read=rf"^alert\.{department}\.{division}\.{_ONE_WORD}$"),
                         TopicGrant(NOTIFICATIONS_EXCHANGE_NAME,
                                    read=rf"^notify\.{department}\.{division}\.{_ONE_WORD}$")))


def platform_grant(prefix: str = "") -> Grant:
    return Grant(f"{prefix}{PLATFORM_USER}", configure=".*", write=".*", read=".*")


@dataclass(frozen=True)
class Scope:
    """The counties that publish, and the desks that read alerts, on one deployment."""

    counties: tuple[str, ...]
    desks: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, divisions: list[str], departments: list[str] | None = None) -> Scope:
        """Every current county within ``divisions`` (provinces, cities or counties), and a
        desk per department for each of those counties, their cities and provinces."""
        counties = sorted({c for d in divisions for c in current_counties(str(d))})
        levels = sorted({*counties, *map(city_of, counties), *map(province_of, counties)})
        departments = list(departments or DEPARTMENTS)
        return cls(tuple(counties), tuple((dept, div) for div in levels for dept in departments))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Scope:
        """``BROKER_ACCESS: {divisions: [430100], departments: [...]}`` in deploy/config.yml."""
        section = config.get("BROKER_ACCESS") or {}
        return cls.of([str(d) for d in section.get("divisions") or ()], section.get("departments"))

    def grants(self, prefix: str = "") -> list[Grant]:
        return ([platform_grant(prefix)] + [county_grant(c, prefix) for c in self.counties]
                + [desk_grant(dept, div, prefix) for dept, div in self.desks])

    def receipts_queues(self) -> list[Queue]:
        return [receipts_queue(c) for c in self.counties]

    def queues(self) -> list[Queue]:
        return self.receipts_queues() + [desk_queue(d, v) for d, v in self.desks]
