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
    delivery_failed,
    delivery_record,
    subscription_lease,
    subscription_release,
    subscription_skip_to,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.0
# A receiver silent this long is cut off; so is one still answering this long after the connection
# was made (a slow drip of bytes), by a watchdog that shuts the socket.
RESPONSE_TIMEOUT = 5.0
TOTAL_TIMEOUT = 8.0
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

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), CONNECT_TIMEOUT)
        sock.settimeout(RESPONSE_TIMEOUT)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, **kwargs: Any) -> None:
        super().__init__(target.host, target.port, **kwargs)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), CONNECT_TIMEOUT)
        self.sock.settimeout(RESPONSE_TIMEOUT)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str]:
    """POST `body`; (status code or None, error, excerpt of the answer)."""
    try:
        target = resolve(url)
    except UnsafeURL as refused:
        return None, str(refused), ""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, context=ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(target)
    watchdog = threading.Timer(TOTAL_TIMEOUT, _cut_off, args=(connection,))
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(READ_AT_MOST)[:200].decode("utf-8", "replace")
        return response.status, "", excerpt
    except (OSError, http.client.HTTPException) as error:
        if not watchdog.is_alive():
            return None, f"The receiver took more than {TOTAL_TIMEOUT:g} seconds; cut off.", ""
        return None, f"{type(error).__name__}: {error}" if str(error) else type(error).__name__, ""
    finally:
        watchdog.cancel()
        connection.close()


def _cut_off(connection: http.client.HTTPConnection) -> None:
    if connection.sock is not None:
        with contextlib.suppress(OSError):
            connection.sock.shutdown(socket.SHUT_RDWR)


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


def _deliver(subscription: Subscription, outcome: Outcome, *, until: float) -> None:
    drafts_visible = roles.sees_drafts(subscription.owner)
    wanted = set(subscription.events)
    cursor = subscription.delivered_position
    while time.monotonic() < until:
        rows = changes_after(after=cursor, limit=BATCH)
        if not rows:
            return
        for row in rows:
            if time.monotonic() >= until:
                return
            position = row["position"]
            if row["type"] not in wanted:
                cursor = position
                continue
            if cursor > subscription.delivered_position:
                subscription_skip_to(subscription_id=subscription.pk, position=cursor)
                subscription.delivered_position = cursor
            attempt = _attempt(subscription, row, drafts_visible=drafts_visible)
            if not attempt.succeeded:
                _failed(subscription, attempt)
                outcome.failed = True
                return
            delivery_record(subscription_id=subscription.pk, attempt=attempt)
            subscription.delivered_position = cursor = position
            outcome.delivered += 1
        if cursor > subscription.delivered_position:
            subscription_skip_to(subscription_id=subscription.pk, position=cursor)
            subscription.delivered_position = cursor


def _attempt(subscription: Subscription, row: dict[str, Any], *, drafts_visible: bool) -> Attempt:
    body = webhook_body(row, drafts_visible=drafts_visible)
    now = datetime.now(UTC)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **sign(subscription.secret, message_id(subscription.pk, row["position"]), now, body),
    }
    started = time.monotonic()
    status, error, excerpt = post(subscription.url, body, headers)
    if status is not None and not 200 <= status < 300 and not error:
        error = f"The receiver answered {status}."
    return Attempt(
        position=row["position"],
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
