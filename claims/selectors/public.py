"""Reads for the public surfaces (the reader pages and ClaimReview): published verdicts only.

Nothing here takes a viewer: whoever asks sees what the public sees, and each query filters on
`visible_verdicts(drafts_visible=False)`, so no draft can reach a page through these reads. Each
read is one query, and the verdicts' evidence and corrections come from
`selectors.claims.verdict_details` (two more).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from claims.models import Article, ArticleRevision, Claim
from claims.platform.db import raw
from claims.selectors.claims import CLAIM_COLUMNS
from claims.selectors.visibility import visible_verdicts

PUBLIC = visible_verdicts(drafts_visible=False)

# The article as its page and its ClaimReview show it.
ARTICLE_COLUMNS = (
    "id",
    "headline",
    "author",
    "outlet",
    "url",
    "published_at",
    "language",
    "version",
    "revision",
)
# A claim's row, with the article fields its page and its ClaimReview need, `article_` first.
CLAIM_WITH_ARTICLE = {f"article_{name}": F(f"article__{name}") for name in ARTICLE_COLUMNS if name != "id"}


def article_state(*, article_id: int) -> tuple[int, int, int, datetime | None] | None:
    """What the article's page depends on, for its ETag, or None for no such article: the
    article's version, and its claims' count, summed versions and latest change. Every write to
    a claim raises its version, so a verdict published, corrected or withdrawn changes the sum;
    a deleted (pending) claim changes the count. One query.

    Speed trick: hand-written SQL, because a repeat visit is answered 304 from this alone, and
    compiling the ORM's join and aggregates cost more than running them (docs/PERFORMANCE.md)."""
    using = raw.reading(Article)
    row = raw.fetch_one(
        using,
        f"SELECT a.version, count(c.id), coalesce(sum(c.version), 0), max(c.updated_at) "
        f"FROM {raw.table(Article, using)} a LEFT JOIN {raw.table(Claim, using)} c ON c.article_id = a.id "
        "WHERE a.id = %s GROUP BY a.id, a.version",
        [article_id],
    )
    if row is None:
        return None
    version, claims, versions, latest = row
    return version, claims, versions, raw.aware(latest)


def claim_state(*, claim_id: int) -> tuple[int, int] | None:
    """The published claim's version and its article's version, for its page's ETag; None when
    there is no such claim or it is not published. One query."""
    # A slice, not .first(), which would add an ORDER BY to compile (selectors/claims.claim_detail).
    rows = list(Claim.objects.filter(PUBLIC, pk=claim_id).values_list("version", "article__version")[:1])
    return rows[0] if rows else None


def public_article(*, article_id: int, with_body: bool = True) -> dict[str, Any] | None:
    """The article (ARTICLE_COLUMNS, and `body`), with when and why its current text was
    corrected (`corrected_at`, `correction_note`: the current revision's, meaningful once
    `revision` > 1). One query."""
    current = ArticleRevision.objects.filter(article_id=OuterRef("pk"), number=OuterRef("revision"))
    columns = (*ARTICLE_COLUMNS, "body") if with_body else ARTICLE_COLUMNS
    return (
        Article.objects.filter(pk=article_id)
        .annotate(
            corrected_at=Subquery(current.values("created_at")[:1]),
            correction_note=Subquery(current.values("note")[:1]),
        )
        .values(*columns, "corrected_at", "correction_note")
        .first()
    )


def published_claims(*, article_id: int) -> list[dict[str, Any]]:
    """The article's published claims (CLAIM_COLUMNS), in the order they stand in the current
    text, then those that lost their place to a correction (they point into older revisions).
    One query."""
    return list(
        Claim.objects.filter(PUBLIC, article_id=article_id)
        .values(*CLAIM_COLUMNS)
        .order_by("-revision", "start", "end", "id")
    )


def published_claim(*, claim_id: int) -> dict[str, Any] | None:
    """One published claim (CLAIM_COLUMNS) with its article's fields (`article_headline`, ...),
    or None when there is no such claim or it is not published. One query."""
    return Claim.objects.filter(PUBLIC, pk=claim_id).values(*CLAIM_COLUMNS, **CLAIM_WITH_ARTICLE).first()


def article_of(row: dict[str, Any]) -> dict[str, Any]:
    """The article fields of a `published_claim` row, named as `public_article` names them."""
    return {"id": row["article_id"]} | {
        name: row[f"article_{name}"] for name in ARTICLE_COLUMNS if name != "id"
    }


def column_list(*, before: int | None, page_size: int) -> list[dict[str, Any]]:
    """Up to `page_size` + 1 articles, newest first, below id `before` if given, each with its
    number of published verdicts; the extra row says that there is an older page. One query: the
    count is a subquery per listed article, so a long table costs only its page."""
    verdicts = (
        Claim.objects.filter(PUBLIC, article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    articles = Article.objects.all()
    if before is not None:
        articles = articles.filter(pk__lt=before)
    page = (
        articles.order_by("-id")
        .annotate(verdicts=Coalesce(Subquery(verdicts[:1]), 0))
        .values("id", "headline", "author", "outlet", "published_at", "verdicts")[: page_size + 1]
    )
    return [dict(row) for row in page]
