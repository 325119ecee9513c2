"""Articles: the columns claims are anchored in."""

from __future__ import annotations

import re

from django.db import models
from django.db.models import Q

from claims.models.base import TimeStampedModel

ARTICLE_BODY_MAX = 100_000
# BCP 47, loosely: a 2-3 letter language, then subtags (`en`, `pt-BR`, `zh-Hant-TW`).
LANGUAGE_TAG = re.compile(r"\A[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z")


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
