"""ingress: the public front door. Reads county messages, hands valid records to the
service that owns them, and answers every message with exactly one receipt."""
from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable

import eventlet
from nameko.exceptions import UnknownService
from nameko.messaging import Publisher
from nameko.rpc import RpcProxy, rpc

from services.ingress.consumer import Requeue, raw_consume
from services.ingress.domain import Delivery, Envelope, PayloadCheck
from services.ingress.handler import UnpublishableReceipt, WaitForRegistry, give_up, handle_delivery
from services.ingress.owners import owner_of
from services.ingress.repository import IngressRepository
from shared.contract.envelope import amqp_short_string
from shared.contract.topology import ingress_exchange, ingress_queue, parked_queue, receipt_key, receipts_exchange
from shared.contract.window import Window
from shared.errors import RecordRefused
from shared.internal import Submission
from shared.nameko.container import BROKER_CONNECTION_ERRORS
from shared.nameko.health import HealthCheck
from shared.nameko.providers import ClockProvider, RemoteErrors, Repository, Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5           # deliveries before a failing message is answered and quarantined
REGISTRY_WAITS = 3         # redeliveries a message naming an unknown project waits for its project
OWNER_WAIT_SECONDS = 5     # longest pause between tries while an owning service is absent
RETRY_PAUSE_SECONDS = 30   # longest pause before a failed message is retried
# An owning service answers a 1000-record batch in seconds. A reply that has not come by
# then was lost (say the broker went away twice): the message is retried, and the owner's
# idempotent write makes the second call harmless. Bounded, so a county never waits forever.
OWNER_REPLY_TIMEOUT_SECONDS = 120
# What a publish raises for a receipt the wire cannot carry (struct.error: a property too
# long for its field; UnicodeError: text that is not UTF-8), as opposed to a broker fault.
RECEIPT_FAULTS = (struct.error, UnicodeError, TypeError, ValueError, OverflowError)


class OwnerDidNotAnswer(Exception):
    """The owning service's reply did not come within OWNER_REPLY_TIMEOUT_SECONDS."""


def submission(envelope: Envelope, check: PayloadCheck, received_at: str) -> dict:
    """The internal form of a validated message, as owning services receive it."""
    batch = envelope.message_type.batch
    return Submission(county=envelope.county, message_id=envelope.message_id, type=envelope.type,
                      sent_at=envelope.sent_at, received_at=received_at,
                      records=[{"index": i, "record": r} for i, r in check.records] if batch else None,
                      payload=None if batch else check.payload,
                      schema_version=envelope.schema_version).dump()


class IngressService:
    name = "ingress"

    message_log = Repository(IngressRepository)   # what each county message got (``log`` is the logger)
    refusals = RemoteErrors(RecordRefused)        # owners refuse a record by raising it
    health = HealthCheck()
    clock = ClockProvider()
    window_settings = Settings(lambda config: config.get("INGRESS_WINDOW") or {})
    publish_receipt = Publisher(exchange=receipts_exchange, declare=[ingress_exchange, parked_queue, ingress_queue])
    projects = RpcProxy("projects")
    payroll = RpcProxy("payroll")
    complaints = RpcProxy("complaints")
    workers = RpcProxy("workers")
    accounts = RpcProxy("accounts")

    # One county's messages in publish order; counties in parallel.
    @raw_consume(ingress_queue, ordered_by=lambda delivery: delivery.key_division)
    def handle_county_message(self, delivery: Delivery):
        received_at = self.clock.now_iso()
        try:
            handle_delivery(delivery, message_log=self.message_log, dispatch=self._dispatch_to_owner(received_at),
                            publish=self._publish, received_at=received_at,
                            window=Window.arriving(received_at, self.window_settings))
        except WaitForRegistry:
            self._wait_for_registry(delivery, received_at)
        except BROKER_CONNECTION_ERRORS as exc:
            # Not the message's fault: it waits for the broker (bounded by the queue's
            # delivery limit), without using up its own retries.
            log.warning("ingress lost the broker on %s (%s); the message stays queued", delivery.routing_key, exc)
            time.sleep(1)
            raise Requeue() from None
        except Exception:  # noqa: BLE001 - a message is never dropped: retry, then answer
            attempts = self.message_log.count_failure(delivery)
            log.exception("ingress failed on %s (attempt %d)", delivery.routing_key, attempts)
            if attempts < MAX_ATTEMPTS:
                time.sleep(min(2 ** attempts / 4, RETRY_PAUSE_SECONDS))
                raise Requeue() from None
            self._give_up(delivery, received_at, attempts)

    def _wait_for_registry(self, delivery: Delivery, received_at: str) -> None:
        """Back to the queue a few times (its project.upsert may be behind it after a
        crash), then refused as the owner said: the project is unknown."""
        if self.message_log.count_failure(delivery) < REGISTRY_WAITS:
            time.sleep(0.5)
            raise Requeue()
        handle_delivery(delivery, message_log=self.message_log, dispatch=self._dispatch_to_owner(received_at),
                        publish=self._publish, received_at=received_at, hold_unknown=False,
                        window=Window.arriving(received_at, self.window_settings))
        self.message_log.forget_failures(delivery)

    def _give_up(self, delivery: Delivery, received_at: str, attempts: int) -> None:
        """Answer and quarantine a message that keeps failing; if even that fails, it
        stays queued (the broker parks it after INGRESS_DELIVERY_LIMIT deliveries)."""
        try:
            give_up(delivery, message_log=self.message_log, publish=self._publish, received_at=received_at,
                    attempts=attempts)
            self.message_log.forget_failures(delivery)
        except Exception:  # noqa: BLE001 - acknowledging now would lose it unanswered
            log.exception("could not answer %s after %d attempts; it stays queued",
                          delivery.routing_key, attempts)
            raise Requeue() from None

    @rpc
    def quarantined(self, county: str | None = None, limit: int = 100) -> list[dict]:
        """Recently quarantined messages (without their bodies), newest first."""
        return self.message_log.quarantined_messages(county, limit)

    @rpc
    def quarantined_sealed(self, quarantine_id: str) -> dict | None:
        """One quarantined message with its body still sealed (``wagewatch quarantine show``
        opens it where the auditor holds QUARANTINE_KEY; this service never returns it open)."""
        return self.message_log.sealed_body(quarantine_id)

    def _publish(self, receipt: dict, division: str | None) -> None:
        """Properties only from values that fit them; a receipt the wire cannot carry
        is the handler's to replace (UnpublishableReceipt), a broker fault is not."""
        try:
            self.publish_receipt(receipt, routing_key=receipt_key(division),
                                 message_id=amqp_short_string(receipt.get("message_id")) or None)
        except BROKER_CONNECTION_ERRORS:
            raise
        except RECEIPT_FAULTS as exc:
            log.warning("receipt for %s could not be published as it was (%s)", division, type(exc).__name__)
            raise UnpublishableReceipt(type(exc).__name__) from exc

    def owner_methods(self) -> dict[str, Callable[[dict], dict]]:
        """The RPC method that stores each message type, spelt out for readers and tools
        (shared/topology_table.py); OWNERS says the same as names, for those that call an
        owner directly (a test keeps the two alike)."""
        return {
            "project.upsert": self.projects.register_project,
            "payroll.paid": self.payroll.record_payroll,
            "complaint.filed": self.complaints.file_complaint,
            "worker.enrol": self.workers.enrol_workers,
            "worker.exit": self.workers.record_exits,
            "attendance.batch": self.workers.record_attendance,
            "account.opened": self.accounts.record_account,
            "allocation.received": self.accounts.record_allocation,
            "deposit.paid": self.accounts.record_deposit,
        }

    def _dispatch_to_owner(self, received_at: str):
        def dispatch(envelope: Envelope, check: PayloadCheck):
            service, _ = owner_of(envelope.type)
            call = self.owner_methods()[envelope.type]
            return self._call_patiently(call, submission(envelope, check, received_at), service)
        return dispatch

    @staticmethod
    def _call_patiently(call, body, service: str):
        """An owning service that has never started has no queue yet: wait for it rather
        than failing the message (the message stays unacknowledged meanwhile)."""
        pause = 1.0
        while True:
            try:
                with eventlet.Timeout(OWNER_REPLY_TIMEOUT_SECONDS,
                                      OwnerDidNotAnswer(f"{service} did not answer in time")):
                    return call(body)
            except UnknownService:
                log.warning("service %r is not running; holding its message", service)
                time.sleep(pause)
                pause = min(pause * 2, OWNER_WAIT_SECONDS)
