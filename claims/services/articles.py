"""Writes to articles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from claims.models import (
    ARTICLE_BODY_MAX,
    LANGUAGE_TAG,
    Article,
)
from claims.platform.errors import NotFound, PreconditionFailed, ValidationFailed


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""A field the caller did not send, as opposed to one sent as null."""


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
    url = url or None
    problems = {}
    if not headline.strip():
        problems["headline"] = ["The headline may not be empty."]
    if len(body) > ARTICLE_BODY_MAX:
        problems["body"] = [f"The body has {len(body)} characters; at most {ARTICLE_BODY_MAX} are allowed."]
    if not body:
        problems["body"] = ["The body may not be empty: claims are anchored in it."]
    if not LANGUAGE_TAG.fullmatch(language):
        problems["language"] = ["Use a BCP 47 language tag such as `en` or `pt-BR`."]
    if problems:
        raise ValidationFailed(problems)
    article = Article(
        headline=headline,
        body=body,
        author=author,
        outlet=outlet,
        url=url,
        published_at=published_at,
        language=language,
    )
    try:
        with transaction.atomic():
            if url is not None:
                existing = Article.objects.filter(url=url).values_list("id", flat=True).first()
                if existing is not None:
                    raise _duplicate_url(existing)
            article.save()
    except IntegrityError:
        taken_by = Article.objects.filter(url=url).values_list("id", flat=True).first() if url else None
        if taken_by is None:
            raise
        # Another request stored the same URL between our check and our insert.
        raise _duplicate_url(taken_by) from None
    return article


def _duplicate_url(existing_id: int | None) -> ValidationFailed:
    where = f" (article {existing_id})" if existing_id is not None else ""
    return ValidationFailed({"url": [f"An article with this URL already exists{where}."]})


def article_update(
    *,
    article_id: int,
    expected_updated_at: datetime | None = None,
    headline: str = UNSET,
    author: str = UNSET,
    outlet: str = UNSET,
    url: str | None = UNSET,
    published_at: datetime | None = UNSET,
    language: str = UNSET,
) -> Article:
    """Change an article's metadata. There is no way to change its body: every claim's offsets
    point into it.

    `expected_updated_at` is the `updated_at` the caller read (None: any). Articles have no
    version, so their last change stands in for one: if it is newer, someone else changed the
    article meanwhile, and nothing is written.
    """
    if url is not UNSET:
        url = url or None
    if headline is not UNSET and not headline.strip():
        raise ValidationFailed({"headline": ["The headline may not be empty."]})
    wanted: dict[str, Any] = {
        "headline": headline,
        "author": author,
        "outlet": outlet,
        "url": url,
        "published_at": published_at,
        "language": language,
    }
    try:
        with transaction.atomic():
            article = Article.objects.select_for_update().defer("body").filter(pk=article_id).first()
            if article is None:
                raise NotFound(f"There is no article {article_id}.")
            if expected_updated_at is not None and article.updated_at != expected_updated_at:
                raise PreconditionFailed(
                    f"The article has changed since you read it (last at {article.updated_at.isoformat()}). "
                    "Read it again, then retry."
                )
            changed = [
                field
                for field, value in wanted.items()
                if value is not UNSET and getattr(article, field) != value
            ]
            if not changed:
                return article
            if "url" in changed and url is not None:
                others = Article.objects.filter(url=url).exclude(pk=article_id)
                existing = others.values_list("id", flat=True).first()
                if existing is not None:
                    raise _duplicate_url(existing)
            for field in changed:
                setattr(article, field, wanted[field])
            article.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        taken_by = (
            Article.objects.filter(url=url).exclude(pk=article_id).values_list("id", flat=True).first()
            if url is not UNSET and url is not None
            else None
        )
        if taken_by is None:
            raise
        # Another request stored the same URL between our check and our update.
        raise _duplicate_url(taken_by) from None
    return article
