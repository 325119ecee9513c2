"""Claims, where they stand in their article, their verdicts and their evidence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from claims.anchoring.quotes import CONTEXT_CHARS
from claims.models.articles import Article
from claims.models.base import TimeStampedModel, not_blank

SUMMARY_MAX = 10_000


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


class AnchorKind(models.TextChoices):
    """How sure the service is that a claim stands where its offsets say, after corrections."""

    EXACT = "exact", "Exact"
    FUZZY = "fuzzy", "Fuzzy"
    ORPHANED = "orphaned", "Orphaned"


class Claim(TimeStampedModel):
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    quote = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # Up to 32 characters either side of the quote, so it can be found again if the text changes.
    prefix = models.CharField(max_length=CONTEXT_CHARS, blank=True)
    suffix = models.CharField(max_length=CONTEXT_CHARS, blank=True)
    claimant = models.CharField(max_length=200, validators=[not_blank])
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    # NULL until a verdict exists; the contract serves it as null.
    rating = models.CharField(max_length=16, choices=Rating.choices, null=True, blank=True)  # noqa: DJ001
    summary = models.TextField(max_length=SUMMARY_MAX, blank=True)
    version = models.PositiveIntegerField(default=1)
    published_at = models.DateTimeField(null=True, blank=True)
    # The article revision whose body `start`, `end` and `quote` refer to; for exact and fuzzy
    # claims it is the article's current one.
    revision = models.PositiveIntegerField(default=1)
    anchor = models.CharField(max_length=8, choices=AnchorKind.choices, default=AnchorKind.EXACT)
    # How sure the last automatic re-anchoring was (0..1); NULL when a person placed the claim.
    anchor_score = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values),
                name="claims_claim_status_valid",
                violation_error_message="The status must be pending, in_review, published or not_checkable.",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__in=Rating.values),
                name="claims_claim_rating_valid",
                violation_error_message="The rating must be one of the rating scale's values.",
            ),
            models.CheckConstraint(
                condition=Q(start__gte=0),
                name="claims_claim_start_not_negative",
                violation_error_message="`start` may not be negative.",
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="claims_claim_start_before_end",
                violation_error_message="`start` must be less than `end`.",
            ),
            models.CheckConstraint(
                condition=Q(quote__length=F("end") - F("start")),
                name="claims_claim_quote_fits_span",
                violation_error_message="The quote must be exactly `end - start` characters long.",
            ),
            models.CheckConstraint(
                condition=~Q(claimant=""),
                name="claims_claim_claimant_not_empty",
                violation_error_message="The claimant may not be empty.",
            ),
            models.CheckConstraint(
                condition=Q(summary__length__lte=SUMMARY_MAX),
                name="claims_claim_summary_max_length",
                violation_error_message="The summary is too long.",
            ),
            models.CheckConstraint(
                condition=Q(anchor__in=AnchorKind.values),
                name="claims_claim_anchor_valid",
                violation_error_message="The anchor must be exact, fuzzy or orphaned.",
            ),
            models.CheckConstraint(
                condition=Q(anchor_score__isnull=True) | (Q(anchor_score__gte=0) & Q(anchor_score__lte=1)),
                name="claims_claim_anchor_score_range",
                violation_error_message="An anchor score is between 0 and 1.",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1),
                name="claims_claim_revision_positive",
                violation_error_message="Revisions count from 1.",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="claims_claim_version_positive",
                violation_error_message="The version starts at 1.",
            ),
            # A published verdict always has a rating and an explanation.
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.PUBLISHED)
                | (Q(rating__isnull=False) & ~Q(summary="") & Q(published_at__isnull=False)),
                name="claims_claim_published_has_verdict",
                violation_error_message="A published claim needs a rating, a summary and a publication time.",
            ),
            # One claim per span: anchoring the same words twice is a duplicate, not a new claim.
            # (Per revision: an orphaned claim keeps the span it had in an older text.)
            models.UniqueConstraint(
                fields=["article", "revision", "start", "end"],
                name="claims_claim_unique_span",
                violation_error_message="Another claim already anchors this quote at these offsets.",
            ),
        ]
        indexes = [
            # GET /claims/?status=  (then keyset on id)
            models.Index(fields=["status", "id"], name="claims_claim_status"),
            # GET /claims/?anchor=fuzzy|orphaned, the editors' queue: only the few unsettled rows.
            models.Index(
                fields=["anchor", "id"], condition=~Q(anchor=AnchorKind.EXACT), name="claims_claim_unsettled"
            ),
            # GET /claims/?rating=  (then keyset on id)
            models.Index(fields=["rating", "id"], name="claims_claim_rating"),
            # GET /claims/?ordering=-updated_at  and  ?updated_after=  (keyset on updated_at, id)
            models.Index(fields=["updated_at", "id"], name="claims_claim_updated"),
            # GET /claims/?article=  is served by the unique span constraint's (article, ...) index.
            # ?claimant= (a case-insensitive substring) is served on PostgreSQL by the trigram
            # index of migration 0002.
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
