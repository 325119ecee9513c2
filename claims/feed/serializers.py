"""Request and response shapes of the change feed and the webhooks."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from claims.models import ChangeType
from claims.models.webhooks import URL_MAX
from claims.platform.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from claims.platform.schema import MAX_ID


class ChangeListParams(serializers.Serializer):
    after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ID,
        default=0,
        help_text="The last `position` you saw; the changes after it. 0 or left out: from the start.",
    )
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=DEFAULT_PAGE_SIZE,
        help_text=f"Changes per page, 1 to {MAX_PAGE_SIZE}.",
    )


class ChangeSerializer(serializers.Serializer):
    position = serializers.IntegerField(help_text="Increases in commit order; ask for `after` it.")
    at = serializers.DateTimeField(help_text="When the change was written.")
    type = serializers.ChoiceField(choices=ChangeType.choices)
    article = serializers.IntegerField(allow_null=True, help_text="The article changed, or the claim's.")
    claim = serializers.IntegerField(allow_null=True, help_text="The claim changed; null for an article's.")
    review = serializers.IntegerField(
        allow_null=True, help_text="The imported review of a `review.imported`; null for the other types."
    )
    version = serializers.IntegerField(
        allow_null=True, help_text="The claim's (or the article's) version the change made."
    )


class WebhookCreateInput(serializers.Serializer):
    url = serializers.CharField(
        max_length=URL_MAX, help_text="Where to POST: https, on a public address.", trim_whitespace=False
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=ChangeType.choices),
        allow_empty=False,
        min_length=1,
        max_length=len(ChangeType.values),
        help_text="The change types to receive.",
    )


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=ChangeType.choices))
    owner = serializers.CharField(help_text="The username of the token holder it belongs to.")
    created_at = serializers.DateTimeField()
    delivered_position = serializers.IntegerField(
        help_text="Every change up to this position has been delivered (or was not subscribed to)."
    )
    active = serializers.BooleanField(help_text="False once disabled after failing for too long.")
    failures = serializers.IntegerField(help_text="Consecutive failed attempts.")
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="While failing: when the next attempt is due."
    )
    disabled_at = serializers.DateTimeField(allow_null=True)
    disabled_reason = serializers.CharField(help_text="Why it was disabled; empty while active.")


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="The signing secret, `whsec_` and base64: shown this once, never again."
    )


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text="The change delivered.")
    at = serializers.DateTimeField(help_text="When the attempt was made.")
    status_code = serializers.IntegerField(allow_null=True, help_text="The receiver's; null if none came.")
    error = serializers.CharField(help_text="Why it failed; empty on success.")
    response_excerpt = serializers.CharField(
        help_text="The start of the receiver's answer, at most 200 characters."
    )
    duration_ms = serializers.IntegerField()


def webhook_json(subscription: Any, *, owner: str, secret: bool = False) -> dict[str, Any]:
    data = {
        "id": subscription.pk,
        "url": subscription.url,
        "events": subscription.events,
        "owner": owner,
        "created_at": subscription.created_at,
        "delivered_position": subscription.delivered_position,
        "active": subscription.disabled_at is None,
        "failures": subscription.failures,
        "next_attempt_at": subscription.next_attempt_at,
        "disabled_at": subscription.disabled_at,
        "disabled_reason": subscription.disabled_reason,
    }
    if secret:
        data["secret"] = subscription.secret
    return data


def delivery_json(delivery: Any) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "position": delivery.position,
        "at": delivery.at,
        "status_code": delivery.status_code,
        "error": delivery.error,
        "response_excerpt": delivery.response_excerpt,
        "duration_ms": delivery.duration_ms,
    }
