"""Others' fact-checks: ClaimReview records imported from fact-checkers' pages and feeds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from claims.models.base import not_blank

REVIEW_URL_MAX = 2000
CLAIM_REVIEWED_MAX = 10_000
NAME_MAX = 500
# `alternateName` is sometimes a whole sentence ("The claim is misleading because ...").
RATING_LABEL_MAX = 2000


class Review(models.Model):
    """One imported ClaimReview, known by its `url`: importing the same review again updates this
    row (or, unchanged, leaves it alone). Stored as the record said, never invented: a value the
    record lacks is NULL or empty."""

    url = models.URLField(max_length=REVIEW_URL_MAX)
    claim_reviewed = models.TextField(max_length=CLAIM_REVIEWED_MAX, validators=[not_blank])
    claimant = models.CharField(max_length=NAME_MAX, blank=True)
    claim_date = models.DateTimeField(null=True, blank=True)
    publisher_name = models.CharField(max_length=NAME_MAX, blank=True)
    # The publisher's host, lower case and without `www.` (`politifact.com`), as Google's API
    # names it: from the publisher's own URL, else from the review's.
    publisher_site = models.CharField(max_length=255)
    title = models.CharField(max_length=NAME_MAX, blank=True)
    rating_label = models.TextField(max_length=RATING_LABEL_MAX, blank=True)
    rating_value = models.FloatField(null=True, blank=True)
    best_rating = models.FloatField(null=True, blank=True)
    worst_rating = models.FloatField(null=True, blank=True)
    review_date = models.DateTimeField(null=True, blank=True)
    # BCP 47 as the record gave it (`inLanguage`), or empty when it gave none.
    language = models.CharField(max_length=35, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    # Moves only when an import changed something: importing the same record again writes nothing.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                name="claims_review_url_unique",
                violation_error_message="A review with this URL has already been imported.",
            ),
            # Stored URLs are followed by readers' browsers: never `javascript:` or `data:`.
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="claims_review_url_http",
                violation_error_message="A review's URL must be an http or https URL.",
            ),
            models.CheckConstraint(
                condition=~Q(claim_reviewed=""),
                name="claims_review_claim_not_empty",
                violation_error_message="A review needs the claim it reviewed.",
            ),
            models.CheckConstraint(
                condition=~Q(publisher_site=""),
                name="claims_review_site_not_empty",
                violation_error_message="A review needs its publisher's site.",
            ),
        ]
        indexes = [
            # GET /reviews/?publisher=  and  claims:search?reviewPublisherSiteFilter=  (then id)
            models.Index(fields=["publisher_site", "id"], name="claims_review_site"),
            # GET /reviews/?language=  and  claims:search?languageCode=  (then id)
            models.Index(fields=["language", "id"], name="claims_review_language"),
            # ?q= is served on PostgreSQL by the stored vector's GIN index (migration 0010).
        ]

    def __str__(self) -> str:
        return f"{self.publisher_name or self.publisher_site}: {self.claim_reviewed[:60]}"
