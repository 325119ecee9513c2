"""Writes to articles."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.db import transaction
from typing_extensions import Unpack

from claims.models import Article
from claims.platform.db.updates import apply_changes
from claims.platform.db.validation import validate_and_save
from claims.platform.errors import NotFound, PreconditionFailed, ValidationFailed


class ArticleMetadata(TypedDict, total=False):
    """An article's metadata, as a partial update sends it: only the fields to change."""

    headline: str
    author: str
    outlet: str
    url: str | None
    published_at: datetime | None
    language: str


def article_create(
    *,
    headline: str,
    body: str,
    author: str = "",
    outlet: str = "",
    url: str | None = None,
    published_at: datetime | None = None,
    language: str = "en",
) -> Article:
    article = Article(
        headline=headline,
        body=body,
        author=author,
        outlet=outlet,
        url=url or None,
        published_at=published_at,
        language=language,
    )
    validate_and_save(article, taken=lambda: _url_taken(article))
    return article


def article_update(
    *, article_id: int, expected_updated_at: datetime | None = None, **metadata: Unpack[ArticleMetadata]
) -> Article:
    """Change an article's metadata. There is no way to change its body: every claim's offsets
    point into it.

    `expected_updated_at` is the `updated_at` the caller read (None: any). Articles have no
    version, so their last change stands in for one: if it is newer, someone else changed the
    article meanwhile, and nothing is written.
    """
    if "url" in metadata:
        metadata["url"] = metadata["url"] or None
    with transaction.atomic():
        article = Article.objects.select_for_update().defer("body").filter(pk=article_id).first()
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        if expected_updated_at is not None and article.updated_at != expected_updated_at:
            raise PreconditionFailed(
                f"The article has changed since you read it (last at {article.updated_at.isoformat()}). "
                "Read it again, then retry."
            )
        changes = apply_changes(article, metadata)
        if not changes:
            return article
        validate_and_save(
            article, taken=lambda: _url_taken(article), fields=changes, update_fields=[*changes, "updated_at"]
        )
    return article


def _url_taken(article: Article) -> ValidationFailed | None:
    """The problem to raise if another article already has this one's URL."""
    if article.url is None:
        return None
    others = Article.objects.filter(url=article.url).exclude(pk=article.pk)
    existing = others.values_list("id", flat=True).first()
    if existing is None:
        return None
    return ValidationFailed({"url": [f"An article with this URL already exists (article {existing})."]})
