"""Reads of articles."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from claims.models import (
    Article,
)
from claims.platform.db.search import text_search


def article_list(*, q: str | None = None) -> QuerySet[Article]:
    """Articles without their bodies, each with its number of claims (one query a page)."""
    articles = Article.objects.defer("body").annotate(claim_count=Count("claims"))
    if q:
        articles = text_search(articles, q, columns={"headline": None, "body": None})
    return articles


def article_detail(*, article_id: int) -> Article | None:
    return Article.objects.annotate(claim_count=Count("claims")).filter(pk=article_id).first()
