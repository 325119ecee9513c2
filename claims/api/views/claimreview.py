"""Published verdicts as schema.org ClaimReview (JSON-LD), one claim or a whole article."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.views import examples
from claims.interop.claimreview import reviews_for_request
from claims.platform.errors import NotFound
from claims.platform.renderers import JsonLdRenderer, OrjsonRenderer
from claims.platform.schema import READERS, describe, path_id, problems
from claims.selectors.public import article_of, public_article, published_claim, published_claims

WHAT_IT_HOLDS = (
    "Each is a ClaimReview with what Google's fact-check markup requires and recommends: "
    "`claimReviewed` (the quote), `reviewRating` (`alternateName`, the rating's label; "
    "`ratingValue`, `bestRating` 5 and `worstRating` 1 where the scale gives a value), `url` (the "
    "claim's public page, `/claims/{id}/`), `author` (the fact-checking organisation: settings "
    "`PUBLISHER_NAME`, `PUBLISHER_URL`), `datePublished` (when the verdict was published) and "
    "`itemReviewed`, a `Claim` with its `author` (the claimant), `datePublished` (the article's) "
    "and `appearance` (the article: headline, url, author, publisher). It is what the public pages "
    "embed. Served as `application/ld+json`; `Accept: application/json` gets the same document "
    "as `application/json`."
)


def _linked_data(request: Request) -> str | None:
    renderer = getattr(request, "accepted_renderer", None)
    return JsonLdRenderer.media_type if renderer is not None and renderer.format == "jsonld" else None


class ClaimReviewView(APIView):
    renderer_classes = [JsonLdRenderer, OrjsonRenderer]

    @extend_schema(
        operation_id="claims_claimreview_retrieve",
        summary="A published verdict as ClaimReview",
        description=describe(
            "The claim's verdict as schema.org ClaimReview (JSON-LD). Only a published verdict has "
            "one: for a claim that is not published this is a 404, whoever asks (an editor reads "
            "the draft in `GET /api/v1/claims/{claim_id}/`). " + WHAT_IT_HOLDS,
            who=READERS,
        ),
        parameters=[path_id("claim_id", "claim")],
        responses={
            (200, "application/ld+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="A ClaimReview."),
            **problems(
                404,
                descriptions={404: "No such claim, or the claim is not published (its verdict is a draft)."},
            ),
        },
        examples=[
            OpenApiExample(
                "A published verdict of the seed column",
                value=examples.claim_review(examples.PUBLISHED_REVIEW),
                response_only=True,
                media_type="application/ld+json",
            )
        ],
    )
    def get(self, request: Request, claim_id: int) -> Response:
        row = published_claim(claim_id=claim_id)
        if row is None:
            raise NotFound(f"There is no published claim {claim_id}.")
        [review] = reviews_for_request(request, [row], article_of(row))
        return Response(review, content_type=_linked_data(request))


class ArticleClaimReviewView(APIView):
    renderer_classes = [JsonLdRenderer, OrjsonRenderer]

    @extend_schema(
        operation_id="articles_claimreview_list",
        summary="An article's published verdicts as ClaimReview",
        description=describe(
            "A JSON array with the ClaimReview of every published claim of the article, in the "
            "order they stand in its text (claims whose words a correction removed last); `[]` "
            "while none is published. Not paginated: an article has at most a few hundred claims. "
            + WHAT_IT_HOLDS,
            who=READERS,
        ),
        parameters=[path_id("article_id", "article")],
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                {"type": "array", "items": {"type": "object"}}, description="ClaimReviews."
            ),
            **problems(404, descriptions={404: "There is no article with this id."}),
        },
        examples=[
            OpenApiExample(
                "The seed column's published verdicts (the first shown)",
                value=[examples.claim_review(examples.PUBLISHED_REVIEW)],
                response_only=True,
                media_type="application/ld+json",
            )
        ],
    )
    def get(self, request: Request, article_id: int) -> Response:
        article = public_article(article_id=article_id, with_body=False)
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        reviews = reviews_for_request(request, published_claims(article_id=article_id), article)
        return Response(reviews, content_type=_linked_data(request))
