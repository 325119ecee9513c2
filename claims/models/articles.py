"""Articles: the columns claims are anchored in."""

from __future__ import annotations

import re

from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from claims.models.base import TimeStampedModel, not_blank

ARTICLE_BODY_MAX = 100_000
# BCP 47, loosely: a 2-3 letter language, then subtags (`en`, `pt-BR`, `zh-Hant-TW`).
LANGUAGE_TAG = re.compile(r"\A[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")
LANGUAGE_TAG_MESSAGE = "Use a BCP 47 language tag such as `en` or `pt-BR`."
BODY_TOO_LONG = "The body has %(show_value)s characters; at most %(limit_value)s are allowed."


class Article(TimeStampedModel):
    headline = models.CharField(max_length=500, validators=[not_blank])
    author = models.CharField(max_length=200, blank=True)
    outlet = models.CharField(max_length=200, blank=True)
    # NULL, not "", for "no URL": uniqueness applies only to URLs that are set.
    url = models.URLField(max_length=2000, null=True, blank=True)  # noqa: DJ001
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=35, default="en", validators=[RegexValidator(LANGUAGE_TAG, LANGUAGE_TAG_MESSAGE)]
    )
    # The text as it now stands; every earlier text is kept as an ArticleRevision.
    body = models.TextField(
        validators=[MaxLengthValidator(ARTICLE_BODY_MAX, BODY_TOO_LONG)],
        error_messages={"blank": "The body may not be empty: claims are anchored in it."},
    )
    # +1 on every change (the ETag's); `revision` +1 on every change of the body.
    version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=Q(url__isnull=False),
                name="claims_article_url_unique",
                violation_error_code="unique",
                violation_error_message="An article with this URL already exists.",
            ),
            models.CheckConstraint(
                condition=Q(body__length__lte=ARTICLE_BODY_MAX),
                name="claims_article_body_max_length",
                violation_error_message=f"The body may be at most {ARTICLE_BODY_MAX} characters.",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1) & Q(revision__gte=1) & Q(revision__lte=F("version")),
                name="claims_article_version_counts",
                violation_error_message="An article's version and revision count from 1.",
            ),
            models.CheckConstraint(
                condition=~Q(headline=""),
                name="claims_article_headline_not_empty",
                violation_error_message="The headline may not be empty.",
            ),
        ]
        indexes = [
            # GET /articles/?outlet=  and  ?author=  (exact match, then keyset on id)
            models.Index(fields=["outlet", "id"], name="claims_article_outlet"),
            models.Index(fields=["author", "id"], name="claims_article_author"),
        ]

    def __str__(self) -> str:
        return self.headline
