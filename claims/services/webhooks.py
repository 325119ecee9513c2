"""Writes to webhook subscriptions: subscribing, unsubscribing, and the delivery worker's
bookkeeping (its lease, the cursor it advances, the back-off it schedules)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.models import Change, ChangeType, Delivery, Subscription
from claims.models.webhooks import ERROR_MAX, EXCERPT_MAX
from claims.platform.errors import Conflict, NotFound, ValidationFailed

# How many subscriptions one token holder may have: enough for a site's environments and
# receivers, few enough that one token cannot make the worker's fan-out its own.
MAX_SUBSCRIPTIONS_PER_OWNER = 25
MAX_EVENTS = len(ChangeType.values)


def _new_secret() -> str:
    # Standard Webhooks: `whsec_` and the base64 of 24 to 64 random bytes.
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def subscription_create(*, owner: User, url: str, events: list[str]) -> Subscription:
    """Subscribe `owner` to the changes of types `events`, from the feed's current end on. The
    URL has been checked for where it leads (`claims.feed.addresses`) by the caller."""
    unknown = sorted(set(events) - set(ChangeType.values))
    if unknown:
        raise ValidationFailed(
            {"events": [f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(ChangeType.values)}."]}
        )
    if not events:
        raise ValidationFailed({"events": ["Name at least one event type."]})
    with transaction.atomic():
        # The owner's row, locked, so that two requests cannot both take the last place.
        User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
        if Subscription.objects.filter(owner_id=owner.pk).count() >= MAX_SUBSCRIPTIONS_PER_OWNER:
            raise Conflict(
                f"A token holder may have at most {MAX_SUBSCRIPTIONS_PER_OWNER} webhook subscriptions; "
                "delete one you no longer use first."
            )
        start = Change.objects.order_by("-position").values_list("position", flat=True).first() or 0
        return Subscription.objects.create(
            owner=owner,
            url=url,
            events=sorted(set(events), key=ChangeType.values.index),
            secret=_new_secret(),
            delivered_position=start,
        )


def subscription_delete(*, subscription_id: int) -> None:
    deleted, _ = Subscription.objects.filter(pk=subscription_id).delete()
    if not deleted:
        raise NotFound(f"There is no webhook subscription {subscription_id}.")


# --- the delivery worker's bookkeeping --------------------------------------------------------


def subscription_lease(*, subscription_id: int, seconds: float) -> bool:
    """Take the subscription for one worker for `seconds`, if it is active, not in back-off and no
    other worker holds it; whether it was taken. One conditional UPDATE: the database decides
    between two workers racing for it."""
    now = timezone.now()
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    taken = Subscription.objects.filter(free, due, pk=subscription_id, disabled_at__isnull=True).update(
        leased_until=now + timedelta(seconds=seconds)
    )
    return taken == 1


def subscription_release(*, subscription_id: int) -> None:
    Subscription.objects.filter(pk=subscription_id).update(leased_until=None)


@dataclass(frozen=True)
class Attempt:
    position: int
    at: datetime
    status_code: int | None
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _delivery(subscription_id: int, attempt: Attempt) -> Delivery:
    return Delivery(
        subscription_id=subscription_id,
        position=attempt.position,
        at=attempt.at,
        status_code=attempt.status_code,
        error=attempt.error[:ERROR_MAX],
        response_excerpt=attempt.excerpt[:EXCERPT_MAX],
        duration_ms=attempt.duration_ms,
    )


def deliveries_record(*, subscription_id: int, attempts: list[Attempt], position: int) -> None:
    """Attempts that reached the receiver with a 2xx, in order, and the cursor moved to
    `position` (the last of them, or past changes the subscriber does not receive): one
    transaction."""
    if any(not attempt.succeeded for attempt in attempts):
        raise ValueError("Only successful attempts move the cursor.")
    with transaction.atomic():
        Delivery.objects.bulk_create([_delivery(subscription_id, attempt) for attempt in attempts])
        cleared = {"failures": 0, "failing_since": None, "next_attempt_at": None} if attempts else {}
        Subscription.objects.filter(pk=subscription_id, delivered_position__lt=position).update(
            delivered_position=position, **cleared
        )


def delivery_failed(
    *, subscription_id: int, attempt: Attempt, retry_at: datetime, disable_reason: str | None
) -> None:
    """A failed attempt: recorded, and the subscription backs off until `retry_at`, or is
    disabled with `disable_reason`."""
    with transaction.atomic():
        _delivery(subscription_id, attempt).save(force_insert=True)
        now = timezone.now()
        changes: dict[str, object] = {
            "failures": F("failures") + 1,
            "failing_since": Coalesce(F("failing_since"), now),
            "next_attempt_at": retry_at,
        }
        if disable_reason:
            changes |= {"disabled_at": now, "disabled_reason": disable_reason[:ERROR_MAX]}
        Subscription.objects.filter(pk=subscription_id).update(**changes)
