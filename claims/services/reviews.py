"""Writes of imported reviews: others' fact-checks, each known by its `url`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction

from claims.models import ChangeType, Review
from claims.platform.db.updates import apply_changes
from claims.platform.db.validation import full_clean
from claims.platform.errors import ValidationFailed
from claims.services.changes import ChangeRow, changes_record


class ReviewOutcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


Outcome = tuple[Review, ReviewOutcome]


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
) -> Outcome:
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
    _validated(values)
    known = Review.objects.filter(url=url).first()
    if known is not None and not _differs(known, values):
        return known, ReviewOutcome.UNCHANGED
    try:
        return _import(values)
    except IntegrityError:
        # Another import of the same URL committed between our look and our insert: it is there
        # now, so this one is an update of it (or changes nothing).
        return _import(values)


def review_import_many(*, records: Sequence[Mapping[str, Any]]) -> list[Outcome | ValidationFailed]:
    """`review_import` for each of `records` (its keyword arguments), with the same outcomes, at
    a fraction of the cost: the known reviews are read in one query, and the new ones inserted
    together in one transaction (each whole or not at all). A record the model refuses is its
    ValidationFailed in the answer, and the others are stored all the same."""
    results: list[Outcome | ValidationFailed | None] = [None] * len(records)
    candidates: list[tuple[int, Review]] = []
    for index, values in enumerate(records):
        try:
            candidates.append((index, _validated(values)))
        except ValidationFailed as refused:
            results[index] = refused
    known = {r.url: r for r in Review.objects.filter(url__in=[review.url for _, review in candidates])}
    new: list[tuple[int, Review]] = []
    one_by_one: list[int] = []
    seen: set[str] = set()
    for index, review in candidates:
        if review.url in seen:
            one_by_one.append(index)  # its first occurrence must be stored before it is compared
            continue
        seen.add(review.url)
        existing = known.get(review.url)
        if existing is None:
            new.append((index, review))
        elif not _differs(existing, records[index]):
            results[index] = (existing, ReviewOutcome.UNCHANGED)
        else:
            one_by_one.append(index)
    if new:
        try:
            with transaction.atomic():
                Review.objects.bulk_create([review for _, review in new])
                for index, review in new:
                    results[index] = (review, ReviewOutcome.IMPORTED)
                _announce([review for _, review in new])
        except IntegrityError:
            # A concurrent import stored one of these URLs first: each on its own, then.
            one_by_one.extend(index for index, _ in new)
    for index in sorted(one_by_one):
        try:
            results[index] = review_import(**records[index])
        except ValidationFailed as refused:
            results[index] = refused
    return [result for result in results if result is not None]


def _validated(values: Mapping[str, Any]) -> Review:
    """The review `values` describe, validated as the model's rules say; ValidationFailed if not."""
    if not str(values.get("url", "")).startswith(("http://", "https://")):
        # The model's constraint says the same, but only the database would check it here.
        raise ValidationFailed({"url": ["A review's URL must be an http or https URL."]})
    review = Review(**values)
    # The constraints are the field validators' rules again (and the URL's scheme, checked
    # above), and each would cost a query: the database keeps them.
    full_clean(review, constraints=False)
    return review


def _differs(review: Review, values: Mapping[str, Any]) -> bool:
    return any(getattr(review, field) != value for field, value in values.items())


def _import(values: dict[str, Any]) -> Outcome:
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(url=values["url"]).first()
        if review is None:
            review = Review(**values)
            review.save(force_insert=True)
            _announce([review])
            return review, ReviewOutcome.IMPORTED
        changed = apply_changes(review, values)
        if not changed:
            return review, ReviewOutcome.UNCHANGED
        review.save(update_fields=[*changed, "updated_at"])
        _announce([review])
        return review, ReviewOutcome.UPDATED


def _announce(reviews: list[Review]) -> None:
    """Every write of reviews ends here, inside its transaction: the feed's `review.imported`
    for each (new or updated), so that it commits (or rolls back) with the write. Last, as the
    feed asks (`services/changes.py`)."""
    changes_record([ChangeRow(type=ChangeType.REVIEW_IMPORTED, review_id=review.pk) for review in reviews])
