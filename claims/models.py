"""Articles, the claims anchored in them, their evidence and their append-only history.

Writes go through `claims.services`; reads through `claims.selectors`. The database enforces every
invariant it can, so the admin, the shell and management commands cannot bypass them.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length

ARTICLE_BODY_MAX = 100_000
# BCP 47, loosely: a 2-3 letter language, then subtags (`en`, `pt-BR`, `zh-Hant-TW`).
LANGUAGE_TAG = re.compile(r"\A[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
SUMMARY_MAX = 10_000
CONTEXT_CHARS = 32


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    NOT_CHECKABLE = "not_checkable", "Not checkable"


class Rating(models.TextChoices):
    TRUE = "true", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    HALF_TRUE = "half_true", "Half true"
    MOSTLY_FALSE = "mostly_false", "Mostly false"
    FALSE = "false", "False"
    MISLEADING = "misleading", "Misleading"
    UNPROVEN = "unproven", "Unproven"


# ClaimReview `ratingValue` on a 1..5 scale; ratings off the scale have none.
RATING_VALUES: dict[str, int | None] = {
    Rating.TRUE: 5,
    Rating.MOSTLY_TRUE: 4,
    Rating.HALF_TRUE: 3,
    Rating.MOSTLY_FALSE: 2,
    Rating.FALSE: 1,
    Rating.MISLEADING: None,
    Rating.UNPROVEN: None,
}


# `quote__length`, `body__length`: LENGTH() in constraints, on every backend.
models.CharField.register_lookup(Length)
models.TextField.register_lookup(Length)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Article(TimeStampedModel):
    headline = models.CharField(max_length=500)
    author = models.CharField(max_length=200, blank=True)
    outlet = models.CharField(max_length=200, blank=True)
    # NULL, not "", for "no URL": uniqueness applies only to URLs that are set.
    url = models.URLField(max_length=2000, null=True, blank=True)  # noqa: DJ001
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=35, default="en")
    # The body is fixed once the article exists: every claim's offsets point into it.
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=Q(url__isnull=False), name="claims_article_url_unique"
            ),
            models.CheckConstraint(
                condition=Q(body__length__lte=ARTICLE_BODY_MAX), name="claims_article_body_max_length"
            ),
            models.CheckConstraint(condition=~Q(headline=""), name="claims_article_headline_not_empty"),
        ]
        indexes = [
            # GET /articles/?outlet=  and  ?author=  (exact match, then keyset on id)
            models.Index(fields=["outlet", "id"], name="claims_article_outlet"),
            models.Index(fields=["author", "id"], name="claims_article_author"),
        ]

    def __str__(self) -> str:
        return self.headline


class Claim(TimeStampedModel):
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    quote = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # Up to 32 characters either side of the quote, so it can be found again if the text changes.
    prefix = models.CharField(max_length=CONTEXT_CHARS, blank=True)
    suffix = models.CharField(max_length=CONTEXT_CHARS, blank=True)
    claimant = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    # NULL until a verdict exists; the contract serves it as null.
    rating = models.CharField(max_length=16, choices=Rating.choices, null=True, blank=True)  # noqa: DJ001
    summary = models.TextField(max_length=SUMMARY_MAX, blank=True)
    version = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="claims_claim_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__in=Rating.values),
                name="claims_claim_rating_valid",
            ),
            models.CheckConstraint(condition=Q(start__gte=0), name="claims_claim_start_not_negative"),
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="claims_claim_start_before_end"),
            models.CheckConstraint(
                condition=Q(quote__length=F("end") - F("start")), name="claims_claim_quote_fits_span"
            ),
            models.CheckConstraint(condition=~Q(claimant=""), name="claims_claim_claimant_not_empty"),
            models.CheckConstraint(
                condition=Q(summary__length__lte=SUMMARY_MAX), name="claims_claim_summary_max_length"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claims_claim_version_positive"),
            # A published verdict always has a rating and an explanation.
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.PUBLISHED)
                | (Q(rating__isnull=False) & ~Q(summary="") & Q(published_at__isnull=False)),
                name="claims_claim_published_has_verdict",
            ),
            # One claim per span: anchoring the same words twice is a duplicate, not a new claim.
            models.UniqueConstraint(fields=["article", "start", "end"], name="claims_claim_unique_span"),
        ]
        indexes = [
            # GET /claims/?status=  (then keyset on id)
            models.Index(fields=["status", "id"], name="claims_claim_status"),
            # GET /claims/?rating=  (then keyset on id)
            models.Index(fields=["rating", "id"], name="claims_claim_rating"),
            # GET /claims/?ordering=-updated_at  and  ?updated_after=  (keyset on updated_at, id)
            models.Index(fields=["updated_at", "id"], name="claims_claim_updated"),
            # GET /claims/?article=  is served by the unique span constraint's (article, ...) index.
            # ?claimant= is a case-insensitive substring match: on PostgreSQL a trigram index
            # would serve it; at this size a scan of the status/id order is cheaper to keep.
        ]

    def __str__(self) -> str:
        return f"{self.claimant}: {self.quote[:60]}"


class Evidence(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    note = models.TextField(max_length=SUMMARY_MAX, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name_plural = "evidence"
        # The claim's evidence list is read by claim_id, in id order, through the FK index.

    def __str__(self) -> str:
        return self.title or self.url


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be deleted.")


class AppendOnlyModel(models.Model):
    """A row that is written once. The database refuses changes too (see the migration's triggers)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are append-only and cannot be deleted.")


class EventAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    STATUS_CHANGED = "status_changed", "Status changed"
    CORRECTED = "corrected", "Corrected"
    EVIDENCE_ADDED = "evidence_added", "Evidence added"
    DELETED = "deleted", "Deleted"


class ClaimEvent(AppendOnlyModel):
    # No database foreign key: a deleted claim keeps its history, which records the deletion.
    claim = models.ForeignKey(Claim, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=EventAction.choices)
    changes = models.JSONField(default=dict)
    note = models.TextField(max_length=SUMMARY_MAX, blank=True)
    version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=EventAction.values),
                name="claims_claimevent_action_valid",
            ),
            # One event per version of a claim: two writers can never both record version n.
            models.UniqueConstraint(fields=["claim", "version"], name="claims_claimevent_one_per_version"),
        ]
        # GET /claims/{id}/history/ reads by claim in version order: the unique index above.

    def __str__(self) -> str:
        return f"{self.action} v{self.version} of claim {self.claim_id}"


class Correction(AppendOnlyModel):
    """A change to a published verdict, shown to readers beside it."""

    # Like the history, a correction outlives its claim (see ClaimEvent.claim).
    claim = models.ForeignKey(
        Claim, on_delete=models.DO_NOTHING, db_constraint=False, related_name="corrections"
    )
    at = models.DateTimeField(auto_now_add=True)
    from_rating = models.CharField(max_length=16, choices=Rating.choices)
    to_rating = models.CharField(max_length=16, choices=Rating.choices)
    note = models.TextField(max_length=SUMMARY_MAX)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="claims_correction_note_not_empty"),
        ]
        # The claim's corrections are read by claim_id, in id order, through the FK index.

    def __str__(self) -> str:
        return f"correction of claim {self.claim_id} at {self.at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the prefix finds the row without a scan.

    The token itself is `ct_<prefix>_<secret>`, shown once when created (see `claims.tokens`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(digest__length=64), name="claims_apitoken_digest_sha256"),
        ]
        # Every API request looks its token up by prefix: the unique index on prefix.

    def __str__(self) -> str:
        return f"ct_{self.prefix}_… ({self.user})"


class RateLimitCounter(models.Model):
    """Hits of one token or address in its current window (see `claims.ratelimit`). Written only
    with one atomic upsert; on PostgreSQL the table is UNLOGGED, since counts need not survive a
    crash."""

    key = models.CharField(max_length=200, primary_key=True)
    bucket = models.BigIntegerField(help_text="The window counted: seconds since the epoch // window length.")
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} in window {self.bucket}"
