"""Reads of the change feed and of webhook subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, Subquery
from django.utils import timezone

from claims.models import Change, Delivery, Subscription
from claims.platform.db import raw
from claims.platform.pagination import BY_ID, Page, paginate

FEED_COLUMNS = ("position", "at", "type", "article_id", "claim_id", "review_id", "version")


@dataclass
class ChangePage:
    rows: list[dict[str, Any]]
    more: bool
    # The `after` of the page before this one: None when there is none, 0 for the first page.
    previous_after: int | None


def change_page(*, after: int, page_size: int) -> ChangePage:
    """The changes after position `after`, in position order, which is commit order. Queries:
    the page (one row more, to know whether there is a next); when `after` is not 0, where the
    page before it starts.

    Speed trick: hand-written statements, because building, compiling and converting the ORM's
    two queries cost more than the rest of the request (docs/PERFORMANCE.md)."""
    using = raw.reading(Change)
    table = raw.table(Change, using)
    rows = [
        dict(zip(FEED_COLUMNS, (*values[:1], raw.aware(values[1]), *values[2:]), strict=True))
        for values in raw.fetch_all(
            using,
            f"SELECT {', '.join(FEED_COLUMNS)} FROM {table} WHERE position > %s ORDER BY position LIMIT %s",
            [after, page_size + 1],
        )
    ]
    more = len(rows) > page_size
    previous_after = None
    if after:
        # The page before ends at `after`; it starts after the position page_size + 1 back.
        before = raw.fetch_all(
            using,
            f"SELECT position FROM {table} WHERE position <= %s ORDER BY position DESC LIMIT %s",
            [after, page_size + 1],
        )
        if len(before) > page_size:
            previous_after = before[-1][0]
        elif before:
            previous_after = 0
    return ChangePage(rows=rows[:page_size], more=more, previous_after=previous_after)


def last_position() -> int:
    """The greatest position recorded so far, 0 before the first change."""
    return Change.objects.aggregate(last=Max("position"))["last"] or 0


def changes_after(*, after: int, limit: int) -> list[dict[str, Any]]:
    return list(Change.objects.filter(position__gt=after).order_by("position").values(*FEED_COLUMNS)[:limit])


def subscription_page(*, owner_id: int | None, page_size: int, cursor: str | None) -> Page:
    """Subscriptions by id: one token holder's, or everyone's (`owner_id` None). One query."""
    queryset = Subscription.objects.select_related("owner")
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    return paginate(queryset, ordering=BY_ID, page_size=page_size, cursor=cursor)


def subscription_get(*, subscription_id: int) -> Subscription | None:
    return Subscription.objects.select_related("owner").filter(pk=subscription_id).first()


def subscription_count(*, owner_id: int) -> int:
    return Subscription.objects.filter(owner_id=owner_id).count()


def delivery_page(*, subscription_id: int, page_size: int, cursor: str | None) -> Page:
    """A subscription's delivery attempts, oldest first. One query."""
    queryset = Delivery.objects.filter(subscription_id=subscription_id)
    return paginate(queryset, ordering=BY_ID, page_size=page_size, cursor=cursor)


def subscriptions_due() -> list[int]:
    """Active subscriptions behind the feed, free, and not waiting out a back-off. One query."""
    now = timezone.now()
    return list(
        Subscription.objects.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now),
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            disabled_at__isnull=True,
            delivered_position__lt=Subquery(Change.objects.order_by("-position").values("position")[:1]),
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
