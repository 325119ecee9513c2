"""Claims, their evidence and their history."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.accounts.permissions import EditorsOnly
from claims.api.representations import claims_json
from claims.api.serializers import (
    ClaimCreateInput,
    ClaimEventSerializer,
    ClaimListParams,
    ClaimSerializer,
    ClaimUpdateInput,
    EvidenceCreateInput,
    EvidenceSerializer,
    PageParams,
)
from claims.api.views import examples
from claims.api.views.common import actor, drafts_visible, if_match, page_response
from claims.platform.errors import NotFound
from claims.platform.etags import claim_etag, none_match
from claims.platform.params import body, query_params
from claims.platform.schema import (
    EDITORS,
    IF_MATCH,
    IF_MATCH_OPTIONAL,
    IF_NONE_MATCH,
    READERS,
    describe,
    etag_header,
    link_header,
    location_header,
    paginated,
    path_id,
    problem_example,
    problems,
    validation_example,
)
from claims.selectors.claims import (
    ClaimFilters,
    claim_detail,
    claim_exists,
    claim_page,
    claim_row,
    verdict_details,
)
from claims.selectors.history import claim_history_page
from claims.services.claims import Placing, claim_create, claim_delete, claim_update
from claims.services.evidence import evidence_add

# What a claim's JSON shows: sent back in a body, these are ignored, not refused.
CLAIM_FIELDS = frozenset(ClaimSerializer().fields)
EVIDENCE_FIELDS = frozenset(EvidenceSerializer().fields)

# --- schema only: what the operations' descriptions and examples share ---------------------------

VERDICTS_FOR_CLIENTS = (
    "A client sees a claim's verdict (`rating`, `summary`, `evidence`, `corrections`) only once it "
    "is `published`: before that they are null and `[]`. Editors and admins see drafts as they stand."
)
IF_MATCH_RULES = (
    "`If-Match` is required: the `ETag` of your last GET of the claim, or of your last write to it "
    "(`*` accepts any version; of a comma-separated list, one current tag is enough). Missing: "
    "428. Not the current version (stale, weak, the other view's, another claim's, or malformed): "
    "412, and nothing was changed: GET the claim again and retry."
)
READ_ONLY_ROLE = problem_example(
    "A client's token", 403, "Your role may only read; writing needs an editor's token."
)
WRITERS_403 = "A client's token (clients only read), or one whose user has no role."
NO_SUCH_CLAIM = problem_example(
    "No such claim",
    404,
    f"There is no claim {examples.UNKNOWN_CLAIM}.",
    slug="not-found",
    title="Not found",
)
CLAIM_404 = "There is no claim with this id (or it was deleted)."


class ClaimListView(APIView):
    @extend_schema(
        operation_id="claims_list",
        summary="List and filter claims",
        description=describe(
            "Claims with their evidence and corrections, by `id` (or most recently changed first, "
            "`ordering=-updated_at`), a page at a time: `next` and `previous` (and the `Link` "
            "header) lead to the pages either side, keeping the other parameters; a cursor stays "
            "with the `ordering` it came from. Filters combine. To keep up with changes, ask again "
            "with `updated_after` set to the newest `updated_at` you have seen. "
            + VERDICTS_FOR_CLIENTS
            + " For clients, `rating` and `q` match published verdicts only.",
            who=READERS,
        ),
        parameters=[ClaimListParams, link_header(examples.CLAIM_PAGE_LINK)],
        responses={
            200: paginated(ClaimSerializer),
            **problems(
                descriptions={
                    400: "A malformed parameter (named under `errors`: an unknown `status` or "
                    "`rating`, a bad timestamp, `page_size` out of 1..200, a `cursor` that is not "
                    "one of ours or came with another `ordering`), or a malformed request.",
                },
                examples={
                    400: validation_example(
                        "Unknown status", {"status": ['"archived" is not a valid choice.']}
                    )
                },
            ),
        },
        examples=[
            OpenApiExample(
                "Published verdicts of the seed column, two a page",
                description=f"`GET /api/v1/claims/{examples.CLAIM_PAGE_QUERY}`",
                value=examples.CLAIM_PAGE,
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        params = query_params(ClaimListParams, request)
        viewer_sees_drafts = drafts_visible(request)
        page, details = claim_page(
            drafts_visible=viewer_sees_drafts,
            filters=ClaimFilters(**{f.name: params.get(f.name) for f in fields(ClaimFilters)}),
            ordering=params["ordering"],
            page_size=params["page_size"],
            cursor=params.get("cursor"),
        )
        return page_response(
            request, page, claims_json(page.rows, details, drafts_visible=viewer_sees_drafts)
        )

    @extend_schema(
        operation_id="claims_create",
        summary="Anchor a claim in an article",
        description=describe(
            "Anchors a quote of an article's body as a new claim, `pending` at version 1. The quote "
            "must stand in the body exactly, case and spaces included: without `start` and `end` it "
            "must occur exactly once; with them (both or neither), `body[start:end]` must be the "
            "quote, in Unicode code points, end exclusive. The same span anchored twice is refused. "
            "`status`, `rating`, `summary` and `version` cannot be set here; fields the service "
            "writes are ignored if sent.",
            who=EDITORS,
            conditional="The 201 carries the new claim's `ETag`: send it as `If-Match` to change it.",
        ),
        parameters=[
            location_header(201, "claim", example=examples.claim_url(1)),
            etag_header(201, example=examples.claim_etag(1, 1)),
        ],
        request=ClaimCreateInput,
        responses={
            201: ClaimSerializer,
            **problems(
                413,
                415,
                descriptions={
                    400: "Invalid fields, named under `errors`: an unknown `article`, a quote that "
                    "is not in its body, occurs more than once without offsets, or is already "
                    "anchored there, bad offsets; or a malformed request.",
                    403: WRITERS_403,
                },
                examples={
                    400: [
                        validation_example(
                            "Already anchored",
                            {"quote": ["Claim 1 already anchors this quote at these offsets."]},
                        ),
                        validation_example(
                            "A quote that occurs more than once",
                            {
                                "quote": [
                                    "The quote occurs more than once in the article's body (at "
                                    "offsets 60, 208, 321, 426, 760, ...); give `start` and `end` "
                                    "to say which one."
                                ]
                            },
                        ),
                    ],
                    403: READ_ONLY_ROLE,
                },
            ),
        },
        examples=[
            OpenApiExample("A quote that occurs once", value=examples.create_request(1), request_only=True),
            OpenApiExample(
                "A quote at given offsets",
                value=examples.create_request(11, offsets=True),
                request_only=True,
            ),
            OpenApiExample(
                "The column's first claim, anchored",
                value=examples.created_claim(1),
                response_only=True,
                status_codes=[201],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = body(ClaimCreateInput, request.data, read_only=CLAIM_FIELDS)
        claim = claim_create(
            actor=actor(request),
            article_id=data["article"],
            quote=data["quote"],
            claimant=data["claimant"],
            start=data.get("start"),
            end=data.get("end"),
        )
        return _claim_response(request, claim.pk, status=http.HTTP_201_CREATED, created=True)


def _claim_response(
    request: Request,
    claim_id: int,
    *,
    status: int = 200,
    created: bool = False,
    row: dict[str, Any] | None = None,
) -> Response:
    claim, data = _claim_data(request, claim_id, row=row)
    headers = {"ETag": claim_etag(claim_id, claim["version"], drafts_visible=drafts_visible(request))}
    if created:
        headers["Location"] = request.build_absolute_uri(reverse("claim-detail", args=[claim_id]))
    return Response(data, status=status, headers=headers)


def _claim_data(
    request: Request, claim_id: int, *, row: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The claim's row (read, unless given) and its JSON as this viewer may see it, or 404."""
    viewer_sees_drafts = drafts_visible(request)
    claim = row if row is not None else claim_detail(claim_id=claim_id)
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    details = verdict_details(rows=[claim], drafts_visible=viewer_sees_drafts)
    return claim, claims_json([claim], details, drafts_visible=viewer_sees_drafts)[0]


class ClaimDetailView(APIView):
    @extend_schema(
        operation_id="claims_retrieve",
        summary="Get a claim",
        description=describe(
            "One claim, with its `ETag`. " + VERDICTS_FOR_CLIENTS + " The two views of a claim "
            'have different tags: `"<id>-<version>-c"` for clients, `-e` for editors and admins.',
            who=READERS,
            conditional="Send `If-None-Match` with the `ETag` you hold: while it is current (weak "
            "comparison, so `W/` is ignored; `*` matches any), the answer is 304 with the `ETag` "
            "and no body. A tag of the other view does not match.",
        ),
        parameters=[path_id("claim_id", "claim"), IF_NONE_MATCH, etag_header(200, 304)],
        responses={
            200: ClaimSerializer,
            304: OpenApiResponse(description="Not modified: your copy is current."),
            **problems(404, descriptions={404: CLAIM_404}, examples={404: NO_SUCH_CLAIM}),
        },
        examples=[
            OpenApiExample(
                "A claim in review, as an editor sees it",
                description='`ETag: "1-4-e"`',
                value=examples.claim(1),
                response_only=True,
            ),
            OpenApiExample(
                "The same claim, as a client sees it",
                description='`ETag: "1-4-c"`: no draft verdict.',
                value=examples.claim(1, drafts_visible=False),
                response_only=True,
            ),
            OpenApiExample(
                "A published verdict",
                description='`ETag: "18-4-e"` (`"18-4-c"` for a client, who sees the same).',
                value=examples.claim(18),
                response_only=True,
            ),
        ],
    )
    def get(self, request: Request, claim_id: int) -> Response:
        claim = claim_detail(claim_id=claim_id)
        if claim is None:
            raise NotFound(f"There is no claim {claim_id}.")
        viewer_sees_drafts = drafts_visible(request)
        etag = claim_etag(claim_id, claim["version"], drafts_visible=viewer_sees_drafts)
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None and none_match(if_none_match, etag):
            return Response(status=http.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        details = verdict_details(rows=[claim], drafts_visible=viewer_sees_drafts)
        return Response(
            claims_json([claim], details, drafts_visible=viewer_sees_drafts)[0], headers={"ETag": etag}
        )

    @extend_schema(
        operation_id="claims_partial_update",
        summary="Change a claim's status, verdict or claimant",
        description=describe(
            "Send only what changes; a PATCH that changes nothing writes nothing and returns the "
            "claim as it is. Every change raises `version` and is recorded in the history with its "
            "`note`.\n\n"
            "The workflow: `pending` → `in_review` or `not_checkable`; `in_review` → `pending`, "
            "`published` or `not_checkable`; `not_checkable` → `pending`; `published` → "
            "`in_review` (withdrawing the verdict), or staying `published` with a new `rating` or "
            "`summary` (a correction, listed in `corrections`). Withdrawing and correcting need a "
            "`note`. Publishing needs a `rating` and a non-empty `summary`, drafted before or sent "
            "in the same PATCH; it sets `published_at`, and leaving `published` clears it.",
            who=EDITORS,
            conditional=IF_MATCH_RULES + " The 200 carries the claim's new `ETag`.",
        ),
        parameters=[path_id("claim_id", "claim"), IF_MATCH, etag_header(200, example='"2-2-e"')],
        request=ClaimUpdateInput,
        responses={
            200: ClaimSerializer,
            **problems(
                404,
                409,
                412,
                413,
                415,
                428,
                descriptions={
                    400: "Invalid fields, named under `errors`: a bad value, publishing without a "
                    "`rating` or a non-empty `summary`, withdrawing or correcting a published "
                    "verdict without a `note`; or a malformed request.",
                    403: WRITERS_403,
                    404: CLAIM_404,
                    409: "A status change the workflow does not allow: `allowed` lists the "
                    "statuses the claim may move to. Nothing was changed.",
                    412: "If-Match does not name the claim's current version: nothing was changed.",
                },
                examples={
                    400: validation_example(
                        "Publishing without a verdict",
                        {
                            "rating": ["A published claim needs a rating."],
                            "summary": ["A published claim needs a non-empty summary."],
                        },
                    ),
                    403: READ_ONLY_ROLE,
                    404: NO_SUCH_CLAIM,
                },
            ),
        },
        examples=[
            OpenApiExample(
                "Take a claim into review",
                description='Claim 2 at `If-Match: "2-1-e"`.',
                value=examples.REVIEW_REQUEST,
                request_only=True,
            ),
            OpenApiExample(
                "Publish a verdict",
                description='Claim 1 at `If-Match: "1-4-e"`.',
                value=examples.PUBLISH_REQUEST,
                request_only=True,
            ),
            OpenApiExample(
                "Taken into review",
                description='Claim 2, now `ETag: "2-2-e"`.',
                value=examples.in_review_claim(2),
                response_only=True,
            ),
            OpenApiExample(
                "Published",
                description='Claim 1, now `ETag: "1-5-e"`.',
                value=examples.published_first_claim(),
                response_only=True,
            ),
        ],
    )
    def patch(self, request: Request, claim_id: int) -> Response:
        expected = if_match(request, claim_id)
        data = body(ClaimUpdateInput, request.data, read_only=CLAIM_FIELDS)
        place = {name: data.pop(name) for name in ("quote", "start", "end", "anchor") if name in data}
        placing = (
            Placing(
                quote=place.get("quote"),
                start=place.get("start"),
                end=place.get("end"),
                accept=place.get("anchor") == "exact",
            )
            if place
            else None
        )
        claim = claim_update(
            actor=actor(request), claim_id=claim_id, expected_versions=expected, placing=placing, **data
        )
        return _claim_response(request, claim_id, row=claim_row(claim))

    @extend_schema(
        operation_id="claims_destroy",
        summary="Delete a pending claim",
        description=describe(
            "Deletes a claim that is still `pending`, with its evidence. Its history is kept, "
            "ending with `deleted`, but is no longer served.",
            who=EDITORS,
            conditional=IF_MATCH_RULES,
        ),
        parameters=[path_id("claim_id", "claim"), IF_MATCH],
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problems(
                404,
                409,
                412,
                428,
                descriptions={
                    403: WRITERS_403,
                    404: CLAIM_404,
                    409: "The claim is not `pending`; `detail` gives the way back to `pending`.",
                },
                examples={
                    403: READ_ONLY_ROLE,
                    404: NO_SUCH_CLAIM,
                    409: problem_example(
                        "Not pending",
                        409,
                        "Only pending claims can be deleted; this one is 'in_review'. Move it back "
                        "to 'pending' first if it really should go (in_review -> pending).",
                        slug="conflict",
                        title="Conflict",
                    ),
                },
            ),
        },
    )
    def delete(self, request: Request, claim_id: int) -> Response:
        expected = if_match(request, claim_id)
        claim_delete(actor=actor(request), claim_id=claim_id, expected_versions=expected)
        return Response(status=http.HTTP_204_NO_CONTENT)


class ClaimHistoryView(APIView):
    permission_classes = [EditorsOnly]

    @extend_schema(
        operation_id="claims_history_list",
        summary="List a claim's history",
        description=describe(
            "Every change to the claim, oldest first, a page at a time like the other lists: who "
            "made it, the changed fields as `[old, new]`, the `note` sent with it, and the claim's "
            "`version` after it. History is append-only.",
            who=f"{EDITORS} Clients cannot read history, even of a published claim.",
        ),
        parameters=[
            path_id("claim_id", "claim"),
            PageParams,
            link_header(examples.history_link(18), example_name="A page between two others"),
        ],
        responses={
            200: paginated(ClaimEventSerializer),
            **problems(
                404,
                descriptions={
                    400: "A malformed parameter (`page_size` out of 1..200, a `cursor` that is not "
                    "one of ours), or a malformed request.",
                    403: "A client's token, or one whose user has no role: only editors and admins "
                    "read history.",
                    404: CLAIM_404,
                },
                examples={
                    400: validation_example(
                        "page_size out of range",
                        {"page_size": ["Ensure this value is less than or equal to 200."]},
                    ),
                    403: problem_example("A client's token", 403, "Only editors may see this."),
                    404: NO_SUCH_CLAIM,
                },
            ),
        },
        examples=[
            OpenApiExample(
                "A published verdict's history",
                description="`GET /api/v1/claims/18/history/`",
                value={"next": None, "previous": None, "results": examples.history(18)},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, claim_id: int) -> Response:
        params = query_params(PageParams, request)
        if not claim_exists(claim_id=claim_id):
            raise NotFound(f"There is no claim {claim_id}.")
        page = claim_history_page(
            claim_id=claim_id, page_size=params["page_size"], cursor=params.get("cursor")
        )
        return page_response(request, page, ClaimEventSerializer(page.rows, many=True).data)


class ClaimEvidenceView(APIView):
    @extend_schema(
        operation_id="claims_evidence_create",
        summary="Add evidence to a claim",
        description=describe(
            "Adds a source to a claim, in any status. The claim's `version` goes up and its history "
            "records `evidence_added`, with the evidence's `note` as the event's note. Clients see "
            "evidence once the claim is published.",
            who=EDITORS,
            conditional="`If-Match` is optional: sent, it must name the claim's current version "
            "(else 412, and nothing was added), so that evidence goes only to the version you "
            "read. The 201 carries the claim's new `ETag`, for your next PATCH.",
        ),
        parameters=[
            path_id("claim_id", "claim"),
            IF_MATCH_OPTIONAL,
            etag_header(201, example=examples.claim_etag(18, 3)),
        ],
        request=EvidenceCreateInput,
        responses={
            201: EvidenceSerializer,
            **problems(
                404,
                412,
                413,
                415,
                descriptions={
                    400: "Invalid fields, named under `errors` (a `url` that is not a web "
                    "address, say), or a malformed request.",
                    403: WRITERS_403,
                    404: CLAIM_404,
                },
                examples={
                    400: validation_example("Not a web address", {"url": ["Enter a valid URL."]}),
                    403: READ_ONLY_ROLE,
                    404: NO_SUCH_CLAIM,
                },
            ),
        },
        examples=[
            OpenApiExample("A source for claim 18", value=examples.evidence_request(18), request_only=True),
            OpenApiExample(
                "Added",
                value=examples.evidence(18)[0],
                response_only=True,
                status_codes=[201],
            ),
        ],
    )
    def post(self, request: Request, claim_id: int) -> Response:
        data = body(EvidenceCreateInput, request.data, read_only=EVIDENCE_FIELDS)
        expected = if_match(request, claim_id, required=False)
        evidence = evidence_add(actor=actor(request), claim_id=claim_id, expected_versions=expected, **data)
        # The claim's new tag, so the next PATCH needs no GET first.
        etag = claim_etag(claim_id, evidence.claim.version, drafts_visible=drafts_visible(request))
        return Response(
            EvidenceSerializer(evidence).data, status=http.HTTP_201_CREATED, headers={"ETag": etag}
        )
