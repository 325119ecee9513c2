"""A claim as a W3C Web Annotation."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.annotations import MEDIA_TYPE, annotation_json
from claims.api.views import examples
from claims.platform.errors import NotFound
from claims.platform.renderers import JsonLdRenderer, OrjsonRenderer
from claims.platform.schema import READERS, describe, path_id, problems
from claims.selectors.claims import claim_with_context


class ClaimAnnotationView(APIView):
    renderer_classes = [JsonLdRenderer, OrjsonRenderer]

    @extend_schema(
        operation_id="claims_annotation_retrieve",
        summary="A claim as a W3C Web Annotation",
        description=describe(
            "The claim as a Web Annotation (JSON-LD, `application/ld+json; "
            'profile="http://www.w3.org/ns/anno.jsonld"`), for Hypothesis and other annotation '
            "clients: its target is the article (its own URL, else this service's page for it) "
            "with a TextQuoteSelector (exact, prefix, suffix) and a TextPositionSelector (start, "
            "end, in code points). Its body is the verdict once published, and nothing of a draft, "
            "whoever asks. `Accept: application/json` gets the same document as plain JSON.",
            who=READERS,
        ),
        parameters=[path_id("claim_id", "claim")],
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="A Web Annotation."
            ),
            **problems(404),
        },
        examples=[
            OpenApiExample(
                "A pending claim of the seed column",
                value=examples.annotation(2),
                response_only=True,
                media_type="application/ld+json",
            )
        ],
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = claim_with_context(claim_id=claim_id)
        if claim is None:
            raise NotFound(f"There is no claim {claim_id}.")
        target = claim["article__url"] or request.build_absolute_uri(f"/articles/{claim['article_id']}/")
        data = annotation_json(
            claim,
            annotation_url=request.build_absolute_uri(reverse("claim-annotation", args=[claim_id])),
            target_url=target,
            prefix=claim["prefix"],
            suffix=claim["suffix"],
        )
        linked_data = getattr(request, "accepted_renderer", None) is not None and (
            request.accepted_renderer.format == JsonLdRenderer.format
        )
        return Response(data, content_type=MEDIA_TYPE if linked_data else None)
