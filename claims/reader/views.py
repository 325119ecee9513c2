"""The public reader pages: no token, HTML that needs no JavaScript, published verdicts only.

Each page answers a conditional GET before it reads its data: its ETag comes from one small
query (`selectors.public.article_state`, `claim_state`) over the versions its content depends on,
so a repeat visit costs that query and no rendering. A page is the same for every reader, so
shared caches may keep it for PAGE_MAX_AGE seconds.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from claims.interop.claimreview import claim_path_prefix, reviews_for_request
from claims.models import AnchorKind, Rating
from claims.platform.etags import none_match
from claims.reader.cards import verdict_card
from claims.reader.text import Span, column_html
from claims.selectors.claims import VerdictDetails, verdict_details
from claims.selectors.public import (
    article_of,
    article_state,
    claim_state,
    column_list,
    public_article,
    published_claim,
    published_claims,
)

PAGE_MAX_AGE = 60
COLUMNS_PER_PAGE = 50
# Part of every page's ETag: raise it when a change to the templates changes what a page says
# for the same rows, so that no cache keeps the old wording past its max-age.
RENDERING = 2


def json_ld(data: Any) -> SafeString:
    """`data` as JSON to put inside `<script type="application/ld+json">`, escaped as Django's
    `json_script` escapes (`<`, `>`, `&`), so that nothing in it (`</script>` in a quote) can
    close the element. Written by orjson, as the API's renderer writes: a column's reviews run to
    a hundred kilobytes."""
    text = orjson.dumps(data).decode()
    # Safe: the three characters HTML could read as markup are JSON escapes now.
    return mark_safe(text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026"))


def page_etag(request: HttpRequest, *state: Any) -> str:
    """A page's tag: the state of the rows it shows, and everything else that goes into it (the
    templates' RENDERING, the publisher, and the host its absolute URLs name)."""
    seed = repr(
        (
            RENDERING,
            settings.PUBLISHER_NAME,
            settings.PUBLISHER_URL,
            request.scheme,
            request.get_host(),
            state,
        )
    )
    return f'"r{hashlib.sha256(seed.encode()).hexdigest()[:32]}"'


def _public(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=PAGE_MAX_AGE)
    return response


def _not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if header is not None and none_match(header, etag):
        return _public(HttpResponseNotModified(), etag)
    return None


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    context = {"message": message, "publisher": settings.PUBLISHER_NAME}
    response = render(request, "reader/not_found.html", context, status=404)
    # It may be published a minute from now: a cache asks again rather than keep the 404.
    patch_cache_control(response, no_cache=True)
    return response


def _verdict(claim: dict[str, Any], details: VerdictDetails, pages: str) -> dict[str, Any]:
    """What a verdict's card shows; `pages` is `claim_path_prefix()`."""
    return {
        **claim,
        "label": Rating(claim["rating"]).label,
        "evidence": details.evidence.get(claim["id"], []),
        "corrections": [
            {
                **correction,
                "from_label": Rating(correction["from_rating"]).label,
                "to_label": Rating(correction["to_rating"]).label,
            }
            for correction in details.corrections.get(claim["id"], [])
        ],
        "fuzzy": claim["anchor"] == AnchorKind.FUZZY,
        "page": f"{pages}{claim['id']}/",
    }


def _stands_in(claim: dict[str, Any], article: dict[str, Any]) -> bool:
    """Whether the claim's offsets point into the article's current text (an orphaned claim's
    point into the older revision its words were removed from)."""
    return claim["revision"] == article["revision"] and claim["anchor"] != AnchorKind.ORPHANED


@require_safe
def article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    """The column as it now stands, each published claim marked in place, its verdict beside it.

    Queries: the ETag's state; then the article with its current revision's date and note, its
    published claims, and their evidence and corrections (none when nothing is published)."""
    state = article_state(article_id=article_id)
    if state is None:
        return _not_found(request, f"There is no article {article_id}.")
    etag = page_etag(request, "article", article_id, state)
    if (not_modified := _not_modified(request, etag)) is not None:
        return not_modified
    article = public_article(article_id=article_id)
    if article is None:  # deleted between the two reads
        return _not_found(request, f"There is no article {article_id}.")
    claims = published_claims(article_id=article_id)
    details = verdict_details(rows=claims, drafts_visible=False)
    pages = claim_path_prefix()
    verdicts = {claim["id"]: _verdict(claim, details, pages) for claim in claims}
    standing = [claim for claim in claims if _stands_in(claim, article)]
    paragraphs = column_html(
        article["body"],
        (
            Span(claim["id"], claim["start"], claim["end"], claim["rating"], verdicts[claim["id"]]["label"])
            for claim in standing
        ),
    )
    context = {
        "article": article,
        # The cards are built escaped (reader/cards.py).
        "passages": [
            (
                paragraph,
                mark_safe(
                    "".join(verdict_card(verdicts[i], level=2, link_page=True) for i in paragraph.claims)
                ),
            )
            for paragraph in paragraphs
        ],
        "removed": mark_safe(
            "".join(
                verdict_card(verdicts[claim["id"]], level=3, link_page=True)
                for claim in claims
                if not _stands_in(claim, article)
            )
        ),
        "verdict_count": len(claims),
        "json_ld": json_ld(reviews_for_request(request, claims, article)) if claims else None,
        "publisher": settings.PUBLISHER_NAME,
    }
    return _public(render(request, "reader/article.html", context), etag)


@require_safe
def claim_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One published verdict. Queries: the ETag's state; then the claim with its article, and its
    evidence and corrections."""
    state = claim_state(claim_id=claim_id)
    if state is None:
        return _not_found(request, f"There is no published verdict on claim {claim_id}.")
    etag = page_etag(request, "claim", claim_id, state)
    if (not_modified := _not_modified(request, etag)) is not None:
        return not_modified
    claim = published_claim(claim_id=claim_id)
    if claim is None:  # withdrawn between the two reads
        return _not_found(request, f"There is no published verdict on claim {claim_id}.")
    article = article_of(claim)
    details = verdict_details(rows=[claim], drafts_visible=False)
    context = {
        "article": article,
        "verdict": (verdict := _verdict(claim, details, claim_path_prefix())),
        "card": verdict_card(verdict, level=2, link_page=False),
        "removed": claim["revision"] != article["revision"] or claim["anchor"] == AnchorKind.ORPHANED,
        "json_ld": json_ld(reviews_for_request(request, [claim], article)[0]),
        "publisher": settings.PUBLISHER_NAME,
    }
    return _public(render(request, "reader/claim.html", context), etag)


@require_safe
def column_index(request: HttpRequest) -> HttpResponse:
    """The columns, newest first, COLUMNS_PER_PAGE at a time (`?before=<id>` for older ones). One
    query; its ETag is computed from the bytes, which a page this small affords."""
    values = request.GET.getlist("before")
    before = None
    if values:
        if len(values) > 1 or not values[0].isascii() or not values[0].isdigit() or len(values[0]) > 19:
            response = render(
                request,
                "reader/bad_request.html",
                {
                    "message": "`before` is the id of a column: one positive whole number.",
                    "publisher": settings.PUBLISHER_NAME,
                },
                status=400,
            )
            return response
        before = int(values[0])
    rows = column_list(before=before, page_size=COLUMNS_PER_PAGE)
    columns = rows[:COLUMNS_PER_PAGE]
    older = columns[-1]["id"] if len(rows) > COLUMNS_PER_PAGE else None
    response = render(
        request,
        "reader/index.html",
        {
            "columns": columns,
            "older": older,
            "paged": before is not None,
            "publisher": settings.PUBLISHER_NAME,
        },
    )
    etag = f'"i{hashlib.sha256(response.content).hexdigest()[:32]}"'
    return _not_modified(request, etag) or _public(response, etag)
