"""Writes of imported reviews: others' fact-checks, each known by its `url`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from django.db import IntegrityError, transaction

from claims.models import Review
from claims.platform.db.updates import apply_changes
from claims.platform.db.validation import full_clean
from claims.platform.errors import ValidationFailed


class ReviewOutcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def review_import(
    *,
    url: str,
    claim_reviewed: str,
    publisher_site: str,
    publisher_name: str = "",
    claimant: str = "",
    claim_date: datetime | None = None,
    title: str = "",
    rating_label: str = "",
    rating_value: float | None = None,
    best_rating: float | None = None,
    worst_rating: float | None = None,
    review_date: datetime | None = None,
    language: str = "",
) -> tuple[Review, ReviewOutcome]:
    """Store one review: a new `url` is imported; a known one is updated with what changed, or,
    when nothing did, left alone (no write, `updated_at` unmoved). One transaction; a review the
    model refuses is a ValidationFailed, and nothing of it is stored."""
    values = {
        "url": url,
        "claim_reviewed": claim_reviewed,
        "publisher_site": publisher_site,
        "publisher_name": publisher_name,
        "claimant": claimant,
        "claim_date": claim_date,
        "title": title,
        "rating_label": rating_label,
        "rating_value": rating_value,
        "best_rating": best_rating,
        "worst_rating": worst_rating,
        "review_date": review_date,
        "language": language,
    }
    if not url.startswith(("http://", "https://")):
        # The model's constraint says the same, but only the database would check it here.
        raise ValidationFailed({"url": ["A review's URL must be an http or https URL."]})
    try:
        return _import(values)
    except IntegrityError:
        # Another import of the same URL committed between our look and our insert: it is there
        # now, so this one is an update of it (or changes nothing).
        return _import(values)


def _import(values: dict) -> tuple[Review, ReviewOutcome]:
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(url=values["url"]).first()
        if review is None:
            review = Review(**values)
            # The constraints are the field validators' rules again (and the URL's scheme,
            # checked above), and each would cost a query: the database keeps them.
            full_clean(review, constraints=False)
            review.save(force_insert=True)
            _announce(review, ReviewOutcome.IMPORTED)
            return review, ReviewOutcome.IMPORTED
        changed = apply_changes(review, values)
        if not changed:
            return review, ReviewOutcome.UNCHANGED
        full_clean(review, fields=changed, constraints=False)
        review.save(update_fields=[*changed, "updated_at"])
        _announce(review, ReviewOutcome.UPDATED)
        return review, ReviewOutcome.UPDATED


def _announce(review: Review, outcome: ReviewOutcome) -> None:
    """Every write of a review passes here, inside its transaction: the change feed's
    `review.imported` belongs here, so that it commits (or rolls back) with the write."""
