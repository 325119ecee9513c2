"""The change feed: one append-only row per change to an article, a claim or an imported review,
numbered in commit order (docs/FEED.md says how, and why it holds)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from claims.models.base import AppendOnlyModel


class ChangeType(models.TextChoices):
    ARTICLE_CREATED = "article.created"
    ARTICLE_REVISED = "article.revised"
    ARTICLE_UPDATED = "article.updated"
    CLAIM_CREATED = "claim.created"
    CLAIM_UPDATED = "claim.updated"
    CLAIM_PUBLISHED = "claim.published"
    CLAIM_CORRECTED = "claim.corrected"
    CLAIM_WITHDRAWN = "claim.withdrawn"
    CLAIM_DELETED = "claim.deleted"
    REVIEW_IMPORTED = "review.imported"


class Change(AppendOnlyModel):
    # Assigned under the feed's commit lock (services/changes.py), so positions follow commits.
    position = models.BigAutoField(primary_key=True)
    at = models.DateTimeField()
    type = models.CharField(max_length=20, choices=ChangeType.choices)
    # Plain ids, no foreign keys: a deleted claim's changes stay in the feed, as its history does.
    article_id = models.BigIntegerField(null=True, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True)
    review_id = models.BigIntegerField(null=True, blank=True)
    # The claim's (or the article's) version that the change made.
    version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=ChangeType.values),
                name="claims_change_type_valid",
                violation_error_message="Unknown change type.",
            ),
            models.CheckConstraint(
                condition=Q(type__startswith="claim.", claim_id__isnull=False)
                | Q(type__startswith="article.", article_id__isnull=False, claim_id__isnull=True)
                | Q(type="review.imported", review_id__isnull=False),
                name="claims_change_subject_given",
                violation_error_message="A change names what it changed.",
            ),
        ]
        # GET /changes/?after= reads by position: the primary key.

    def __str__(self) -> str:
        return f"{self.position}: {self.type}"
