"""Reads of articles."""

from __future__ import annotations

from django.db.models import Count, Q

from claims.models import Article
from claims.platform.db.search import text_search
from claims.platform.db.statements import planned_for_values
from claims.platform.pagination import BY_ID, Page, paginate


def article_page(
    *, q: str | None, outlet: str | None, author: str | None, page_size: int, cursor: str | None
) -> Page:
    """A page of articles, without their bodies, each with its number of claims: one query."""
    articles = Article.objects.defer("body").annotate(claim_count=Count("claims"))
    if q:
        articles = text_search(articles, q, columns={"headline": Q(), "body": Q()})
    if outlet:
        articles = articles.filter(outlet=outlet)
    if author:
        articles = articles.filter(author=author)
    # A search's best plan depends on its terms (claims/platform/db/statements.py).
    with planned_for_values(bool(q)):
        return paginate(articles, ordering=BY_ID, page_size=page_size, cursor=cursor)


def article_detail(*, article_id: int) -> Article | None:
    return Article.objects.annotate(claim_count=Count("claims")).filter(pk=article_id).first()


def article_exists(*, article_id: int) -> bool:
    return Article.objects.filter(pk=article_id).exists()
