"""Writes to articles."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.contrib.auth.models import User
from django.db import transaction
from typing_extensions import Unpack

from claims.models import Article, ArticleRevision, ChangeType
from claims.platform.db.updates import apply_changes
from claims.platform.db.validation import validate_and_save
from claims.platform.errors import NotFound, PreconditionFailed, ValidationFailed
from claims.services.changes import ChangeRow, change_record, changes_record
from claims.services.revisions import record_revision


class ArticleChanges(TypedDict, total=False):
    """What an article update may change: only the fields the caller sent."""

    headline: str
    author: str
    outlet: str
    url: str | None
    published_at: datetime | None
    language: str
    body: str


def article_create(
    *,
    actor: User | None = None,
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
    with transaction.atomic():
        validate_and_save(article, taken=lambda: _url_taken(article))
        # The text as first stored is revision 1; corrections add the next ones.
        ArticleRevision.objects.create(article=article, number=1, body=article.body, actor=actor)
        change_record(type=ChangeType.ARTICLE_CREATED, article_id=article.pk, version=article.version)
    return article


def article_update(
    *,
    actor: User,
    article_id: int,
    expected_versions: frozenset[int] | None = None,
    note: str = "",
    **changes: Unpack[ArticleChanges],
) -> Article:
    """Change an article's metadata or its body. A new body is a correction: it is stored as the
    article's next revision, with `note` (why), and every claim is re-anchored in it in this same
    transaction (`claims.services.revisions`). Metadata-only changes make no revision.

    `expected_versions` are the versions the caller accepts (its If-Match; None: any). A request
    that changes nothing returns the article as it is.
    """
    if "url" in changes:
        changes["url"] = changes["url"] or None
    with transaction.atomic():
        articles = Article.objects.select_for_update()
        article = (articles if "body" in changes else articles.defer("body")).filter(pk=article_id).first()
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        if expected_versions is not None and article.version not in expected_versions:
            raise PreconditionFailed(
                f"The article has changed since you read it: it is at version {article.version}. "
                "Fetch it again, then retry with its new ETag."
            )
        old_body = article.body if "body" in changes else ""
        changed = apply_changes(article, changes)
        if not changed:
            return article
        article.version += 1
        if "body" in changed:
            article.revision += 1
        validate_and_save(
            article,
            taken=lambda: _url_taken(article),
            fields=changed,
            update_fields=[*changed, "version", "revision", "updated_at"],
        )
        reanchored = []
        if "body" in changed:
            reanchored = record_revision(article=article, actor=actor, old_body=old_body, note=note)
        revised = "body" in changed
        changes_record(
            [
                ChangeRow(
                    type=ChangeType.ARTICLE_REVISED if revised else ChangeType.ARTICLE_UPDATED,
                    article_id=article.pk,
                    version=article.version,
                ),
                *(
                    ChangeRow(
                        type=ChangeType.CLAIM_UPDATED, article_id=article.pk, claim_id=c.pk, version=c.version
                    )
                    for c in reanchored
                ),
            ]
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
