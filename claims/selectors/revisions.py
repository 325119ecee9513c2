"""Reads of an article's revisions: the texts it has had."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.functions import Length

from claims.models import ArticleRevision
from claims.platform.pagination import BY_ID, Page, paginate


def _revisions(article_id: int) -> QuerySet[ArticleRevision]:
    return (
        ArticleRevision.objects.filter(article_id=article_id)
        .select_related("actor")
        .annotate(characters=Length("body"))
    )


def revision_page(*, article_id: int, page_size: int, cursor: str | None) -> Page:
    """A page of the article's revisions, oldest first, without their bodies: one query."""
    revisions = _revisions(article_id).defer("body")
    return paginate(revisions, ordering=BY_ID, page_size=page_size, cursor=cursor)


def revision_detail(*, article_id: int, number: int) -> ArticleRevision | None:
    """One revision with its body, or None."""
    return _revisions(article_id).filter(number=number).first()


def revision_body(*, article_id: int, number: int) -> str | None:
    return (
        ArticleRevision.objects.filter(article_id=article_id, number=number)
        .values_list("body", flat=True)
        .first()
    )
