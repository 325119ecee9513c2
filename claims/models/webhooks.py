"""Webhook subscriptions, and every attempt to deliver a change to one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims.models.base import AppendOnlyModel

URL_MAX = 2000
# What a delivery attempt keeps of the receiver's answer: enough to debug, never a stored copy.
EXCERPT_MAX = 200
ERROR_MAX = 500


class Subscription(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=URL_MAX)
    events = models.JSONField()
    # The Standard Webhooks signing secret, `whsec_` + base64. Kept as is: signing needs it.
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    # Every change up to here has been delivered (or was not for this subscriber); the worker
    # delivers what follows, in position order.
    delivered_position = models.BigIntegerField(default=0)
    # Back-off: consecutive failures, since when, and when the next attempt may run.
    failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker that delivers for this subscription holds it until then (docs/FEED.md).
    leased_until = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=ERROR_MAX, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_position__gte=0),
                name="claims_subscription_position_not_negative",
                violation_error_message="A delivered position is never negative.",
            ),
            models.CheckConstraint(
                condition=Q(disabled_at__isnull=True) | ~Q(disabled_reason=""),
                name="claims_subscription_disabled_says_why",
                violation_error_message="A disabled subscription says why.",
            ),
        ]
        indexes = [
            # The worker's sweep: active subscriptions, behind the feed.
            models.Index(
                fields=["delivered_position"],
                name="claims_subscription_active",
                condition=Q(disabled_at__isnull=True),
            ),
            # GET /webhooks/ of one token holder, and the cap on how many it may have.
            models.Index(fields=["owner", "id"], name="claims_subscription_owner"),
        ]

    def __str__(self) -> str:
        return f"webhook {self.pk} to {self.url}"


class Delivery(AppendOnlyModel):
    """One attempt to deliver one change to one subscription."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    position = models.BigIntegerField()
    # When the attempt was made: the worker records attempts in batches, after the fact.
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=ERROR_MAX, blank=True)
    response_excerpt = models.CharField(max_length=EXCERPT_MAX, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # GET /webhooks/{id}/deliveries/ in id order.
            models.Index(fields=["subscription", "id"], name="claims_delivery_subscription"),
        ]

    def __str__(self) -> str:
        return f"delivery of {self.position} to webhook {self.subscription_id}"
