"""Delivering a subscription's changes: in position order, each signed per the Standard Webhooks
specification, posted to the address its URL was checked to resolve to, with no redirect
followed, cut off when slow, and only an excerpt of the answer kept.

One worker at a time delivers for a subscription (its lease, `services.webhooks`); a failure
stops the subscription's deliveries and schedules the retry with growing back-off and jitter,
so a later change never overtakes an earlier one."""

from __future__ import annotations

import contextlib
import http.client
import logging
import random
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

from claims.accounts import roles
from claims.feed.addresses import Target, UnsafeURL, resolve
from claims.feed.payloads import webhook_body
from claims.models import Subscription
from claims.selectors.changes import changes_after, last_position, subscription_get
from claims.services.webhooks import (
    Attempt,
    deliveries_record,
    delivery_failed,
    subscription_lease,
    subscription_release,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0
# A receiver silent this long is cut off; so is one still answering this long after the connection
# was made (a slow drip of bytes), by a watchdog that shuts the socket.
RESPONSE_TIMEOUT = 5.0
TOTAL_TIMEOUT = 8.0
CUT_OFF = "The receiver took more than {:g} seconds; cut off."
# What is read of a receiver's answer (the rest is never read, let alone stored).
READ_AT_MOST = 1024
BATCH = 100
USER_AGENT = "claims-webhooks/1"


# A worker starts no attempt that could outlast its lease: another worker could then take the
# subscription over and deliver the next change before this one's answer is in.
ATTEMPT_MAX = CONNECT_TIMEOUT + TOTAL_TIMEOUT + 2.0


def lease_seconds() -> float:
    return max(float(getattr(settings, "WEBHOOK_LEASE_SECONDS", 30)), ATTEMPT_MAX + 1.0)


def backoff_seconds(failures: int, *, rng: random.Random | None = None) -> float:
    """The wait before the next attempt after `failures` consecutive failures (1, 2, ...): doubling
    from 5 seconds up to an hour, each with up to a quarter more or less of jitter, so that
    receivers coming back are not all retried in one instant."""
    base = min(5.0 * 2 ** min(failures - 1, 20), 3600.0)
    return base * (0.75 + 0.5 * (rng or random).random())


# A subscription is disabled once its attempts have kept failing this long, and this many times:
# retried for more than a day first, as the contract asks.
DISABLE_AFTER = timedelta(hours=26)
DISABLE_AFTER_FAILURES = 30


@dataclass
class Outcome:
    delivered: int = 0
    failed: bool = False
    busy: bool = False
    more: bool = False


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the address that was checked, with the host's name for SNI and the certificate."""

    def __init__(self, target: Target, **kwargs: Any) -> None:
        super().__init__(target.host, target.port, **kwargs)
        self._address = target.address
        # The TCP socket, kept for the watchdog: http.client lets go of `sock` as soon as an
        # answer says the connection will close, while the answer's body is still being read.
        self.tcp: socket.socket | None = None

    def connect(self) -> None:
        self.tcp = _tcp(self._address, self.port)
        self.sock = self._context.wrap_socket(self.tcp, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, **kwargs: Any) -> None:
        super().__init__(target.host, target.port, **kwargs)
        self._address = target.address
        self.tcp: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.tcp = _tcp(self._address, self.port)


def _tcp(address: str, port: int) -> socket.socket:
    tcp = socket.create_connection((address, port), CONNECT_TIMEOUT)
    tcp.settimeout(RESPONSE_TIMEOUT)
    # http.client sends a request's headers and its body in two writes; on a kept connection,
    # Nagle's algorithm would hold the body back until the receiver's delayed ACK (40 ms).
    tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return tcp


_Connection = _PinnedHTTPConnection | _PinnedHTTPSConnection


class _Watchdog(threading.Thread):
    """Shuts the socket of an attempt still running TOTAL_TIMEOUT after it started (a receiver
    dripping its answer a byte at a time defeats the socket's own timeout). One thread for a
    whole session: arming it for the next attempt wakes nobody, since the thread, waking at the
    earlier deadline, finds the new one and waits on."""

    def __init__(self) -> None:
        super().__init__(name="webhook-watchdog", daemon=True)
        self._condition = threading.Condition()
        self._armed: tuple[_Connection, float] | None = None
        self._idle = False
        self._fired = False
        self._stopped = False

    def arm(self, connection: _Connection) -> None:
        with self._condition:
            self._armed, self._fired = (connection, time.monotonic() + TOTAL_TIMEOUT), False
            if self._idle:
                self._condition.notify()

    def disarm(self) -> bool:
        """Disarm; whether it cut the attempt off."""
        with self._condition:
            self._armed = None
            return self._fired

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify()

    def run(self) -> None:
        with self._condition:
            while not self._stopped:
                self._idle = self._armed is None
                if self._armed is None:
                    self._condition.wait()
                    continue
                connection, deadline = self._armed
                left = deadline - time.monotonic()
                if left > 0:
                    self._condition.wait(left)
                    continue
                self._armed, self._fired = None, True
                if connection.tcp is not None:
                    with contextlib.suppress(OSError):
                        connection.tcp.shutdown(socket.SHUT_RDWR)


# What a connection kept alive from the attempt before can fail with when the receiver closed it
# meanwhile: the attempt is made again once, on a new connection.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class Session:
    """The attempts of one lease to one URL: the URL is checked and resolved once, and the
    connection to the checked address is kept alive from one attempt to the next while the
    receiver allows it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._target: Target | None = None
        self._refused: str | None = None
        self._connection: _Connection | None = None
        self._watchdog: _Watchdog | None = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop()
        if self._watchdog is not None:
            self._watchdog.stop()

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
        """POST `body`; (status code or None, error, excerpt of the answer)."""
        if self._target is None and self._refused is None:
            try:
                self._target = resolve(self.url)
            except UnsafeURL as refused:
                self._refused = str(refused)
        if self._target is None:
            return None, self._refused or "", ""
        # A kept connection may have been closed by the receiver since the last attempt.
        return self._exchange(body, headers, retry_stale=self._connection is not None)

    def _exchange(
        self, body: bytes, headers: dict[str, str], *, retry_stale: bool
    ) -> tuple[int | None, str, str]:
        assert self._target is not None
        if self._connection is None:
            self._connection = _connect(self._target)
        if self._watchdog is None:
            self._watchdog = _Watchdog()
            self._watchdog.start()
        connection = self._connection
        self._watchdog.arm(connection)
        try:
            connection.request("POST", self._target.path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(READ_AT_MOST)[:200].decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            if self._watchdog.disarm():
                return None, CUT_OFF.format(TOTAL_TIMEOUT), ""
            if retry_stale and isinstance(error, _STALE):
                return self._exchange(body, headers, retry_stale=False)
            return None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__, ""
        if self._watchdog.disarm():
            # Cut off while reading the answer's body, which then just ends early.
            self._drop()
            return None, CUT_OFF.format(TOTAL_TIMEOUT), ""
        if not response.isclosed() or response.will_close:
            # The rest of a long answer is never read, so this connection cannot carry another.
            self._drop()
        return response.status, "", excerpt

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _connect(target: Target) -> _Connection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(target, context=ssl.create_default_context())
    return _PinnedHTTPConnection(target)


def sign(secret: str, message_id: str, at: datetime, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body.decode()),
    }


def message_id(subscription_id: int, position: int) -> str:
    # The same for every attempt at one change, so that a receiver can drop a repeat.
    return f"msg_{subscription_id}_{position}"


def deliver_subscription(subscription_id: int) -> Outcome:
    """Deliver what the subscription has not received yet, for as long as its lease allows."""
    lease = lease_seconds()
    if not subscription_lease(subscription_id=subscription_id, seconds=lease):
        return Outcome(busy=True)
    outcome = Outcome()
    subscription = None
    try:
        subscription = subscription_get(subscription_id=subscription_id)
        if subscription is not None:
            _deliver(subscription, outcome, until=time.monotonic() + lease - ATTEMPT_MAX)
    finally:
        subscription_release(subscription_id=subscription_id)
    if not outcome.failed and subscription is not None:
        # A change that committed while the lease was held was announced to a worker that found
        # the subscription taken: look again now that it is free.
        current = subscription_get(subscription_id=subscription_id)
        outcome.more = current is not None and last_position() > current.delivered_position
    return outcome


class Ledger:
    """The attempts that succeeded, recorded with the cursor a batch at a time (one transaction
    for up to FLUSH_EVERY of them, or FLUSH_AFTER seconds' worth) rather than one transaction
    each. A worker killed before a flush leaves those changes to be delivered again, under the
    same webhook-id: at least once, as promised."""

    FLUSH_EVERY = 100
    FLUSH_AFTER = 0.25

    def __init__(self, subscription: Subscription) -> None:
        self.subscription = subscription
        self.cursor = subscription.delivered_position
        self._attempts: list[Attempt] = []
        self._since = 0.0

    def delivered(self, attempt: Attempt) -> None:
        if not self._attempts:
            self._since = time.monotonic()
        self._attempts.append(attempt)
        self.cursor = attempt.position
        if len(self._attempts) >= self.FLUSH_EVERY or time.monotonic() - self._since >= self.FLUSH_AFTER:
            self.flush()

    def passed(self, position: int) -> None:
        """A change of a type the subscriber does not receive."""
        self.cursor = position

    def flush(self) -> None:
        if self.cursor > self.subscription.delivered_position:
            deliveries_record(
                subscription_id=self.subscription.pk, attempts=self._attempts, position=self.cursor
            )
            self.subscription.delivered_position = self.cursor
        self._attempts = []


def _deliver(subscription: Subscription, outcome: Outcome, *, until: float) -> None:
    drafts_visible = roles.sees_drafts(subscription.owner)
    wanted = set(subscription.events)
    ledger = Ledger(subscription)
    with Session(subscription.url) as session:
        try:
            while time.monotonic() < until:
                rows = changes_after(after=ledger.cursor, limit=BATCH)
                if not rows:
                    return
                for row in rows:
                    if time.monotonic() >= until:
                        return
                    if row["type"] not in wanted:
                        ledger.passed(row["position"])
                        continue
                    attempt = _attempt(subscription, session, row, drafts_visible=drafts_visible)
                    if not attempt.succeeded:
                        ledger.flush()
                        _failed(subscription, attempt)
                        outcome.failed = True
                        return
                    ledger.delivered(attempt)
                    outcome.delivered += 1
        finally:
            ledger.flush()


def _attempt(
    subscription: Subscription, session: Session, row: dict[str, Any], *, drafts_visible: bool
) -> Attempt:
    body = webhook_body(row, drafts_visible=drafts_visible)
    now = datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **sign(subscription.secret, message_id(subscription.pk, row["position"]), now, body),
    }
    started = time.monotonic()
    status, error, excerpt = session.post(body, headers)
    if status is not None and not 200 <= status < 300 and not error:
        error = f"The receiver answered {status}."
    return Attempt(
        position=row["position"],
        at=timezone.now(),
        status_code=status,
        error=error,
        excerpt=excerpt,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _failed(subscription: Subscription, attempt: Attempt) -> None:
    failures = subscription.failures + 1
    now = timezone.now()
    since = subscription.failing_since or now
    reason = None
    if now - since >= DISABLE_AFTER and failures >= DISABLE_AFTER_FAILURES:
        reason = (
            f"Disabled after {failures} failed attempts since {since:%Y-%m-%d %H:%M} UTC; "
            f"the last: {attempt.error}"
        )
    retry_at = now + timedelta(seconds=backoff_seconds(failures))
    delivery_failed(
        subscription_id=subscription.pk, attempt=attempt, retry_at=retry_at, disable_reason=reason
    )
    subscription.failures, subscription.next_attempt_at = failures, retry_at
