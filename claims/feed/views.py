"""The change feed and webhook subscriptions."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from claims.accounts import roles
from claims.accounts.permissions import AnyRole
from claims.api.serializers import PageParams
from claims.api.views.common import page_response
from claims.api.views.examples import API
from claims.feed.addresses import UnsafeURL, resolve
from claims.feed.payloads import entry
from claims.feed.serializers import (
    ChangeListParams,
    ChangeSerializer,
    DeliverySerializer,
    WebhookCreatedSerializer,
    WebhookCreateInput,
    WebhookSerializer,
    delivery_json,
    webhook_json,
)
from claims.models import Subscription
from claims.platform.errors import NotFound, ValidationFailed
from claims.platform.pagination import Page
from claims.platform.params import body, query_params
from claims.platform.schema import (
    READERS,
    describe,
    link_header,
    paginated,
    path_id,
    problems,
    validation_example,
)
from claims.selectors.changes import (
    change_page,
    delivery_page,
    last_position,
    subscription_get,
    subscription_page,
)
from claims.services.webhooks import MAX_SUBSCRIPTIONS_PER_OWNER, subscription_create, subscription_delete

# What a subscription's JSON shows: sent back in a body, these are ignored, not refused.
SUBSCRIPTION_FIELDS = frozenset(WebhookCreatedSerializer().fields)

# --- the schema's examples --------------------------------------------------------------------

_AT = "2026-03-02T09:15:00Z"
CHANGE_PAGE = {
    "next": f"{API}/changes/?after=4&page_size=4",
    "previous": None,
    "results": [
        {
            "position": 1,
            "at": _AT,
            "type": "article.created",
            "article": 1,
            "claim": None,
            "review": None,
            "version": 1,
        },
        {
            "position": 2,
            "at": _AT,
            "type": "claim.created",
            "article": 1,
            "claim": 1,
            "review": None,
            "version": 1,
        },
        {
            "position": 3,
            "at": _AT,
            "type": "claim.published",
            "article": 1,
            "claim": 1,
            "review": None,
            "version": 3,
        },
        {
            "position": 4,
            "at": _AT,
            "type": "review.imported",
            "article": None,
            "claim": None,
            "review": 7,
            "version": None,
        },
    ],
}
WEBHOOK = {
    "id": 1,
    "url": "https://partner.example/hooks/claims",
    "events": ["claim.published", "claim.corrected"],
    "owner": "partner",
    "created_at": _AT,
    "delivered_position": 3,
    "active": True,
    "failures": 0,
    "next_attempt_at": None,
    "disabled_at": None,
    "disabled_reason": "",
}
WEBHOOK_CREATED = WEBHOOK | {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
DELIVERY_PAGE = {
    "next": None,
    "previous": None,
    "results": [
        {
            "id": 1,
            "position": 3,
            "at": _AT,
            "status_code": 503,
            "error": "The receiver answered 503.",
            "response_excerpt": "Service Unavailable",
            "duration_ms": 41,
        },
        {
            "id": 2,
            "position": 3,
            "at": "2026-03-02T09:15:06Z",
            "status_code": 204,
            "error": "",
            "response_excerpt": "",
            "duration_ms": 38,
        },
    ],
}


def _example(name: str, value: object, *codes: int) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=list(codes) or None)


def _feed_links(
    request: Request, *, last: int | None, previous_after: int | None
) -> tuple[str | None, str | None]:
    url = request.build_absolute_uri()
    next_link = replace_query_param(url, "after", last) if last is not None else None
    if previous_after is None:
        previous_link = None
    elif previous_after == 0:
        previous_link = remove_query_param(url, "after")
    else:
        previous_link = replace_query_param(url, "after", previous_after)
    return next_link, previous_link


class ChangeListView(APIView):
    @extend_schema(
        operation_id="changes_list",
        summary="The change feed",
        description=describe(
            "Every change to articles and claims, in commit order, a page at a time: ask with "
            "`after` set to the last `position` you saw and you receive every committed change "
            "exactly once, in order, however many writers commit at once. `next` is null at the "
            "end; ask again later with the last position you saw to continue. A change carries "
            "no verdict: a client sees a change to an unpublished claim's verdict only as "
            "`claim.updated`. An `after` beyond the feed's last position is a 400: it is not one "
            "the feed gave.",
            who=READERS,
        ),
        parameters=[
            ChangeListParams,
            link_header('<https://claims.example/api/v1/changes/?after=50>; rel="next"'),
        ],
        responses={
            200: paginated(ChangeSerializer),
            **problems(
                descriptions={400: "A malformed `after` or `page_size`, or an `after` the feed never gave."},
                examples={
                    400: validation_example(
                        "after negative", {"after": ["Ensure this value is greater than or equal to 0."]}
                    )
                },
            ),
        },
        examples=[_example("The first changes", CHANGE_PAGE)],
    )
    def get(self, request: Request) -> Response:
        params = query_params(ChangeListParams, request)
        after = params["after"]
        page = change_page(after=after, page_size=params["page_size"])
        if not page.rows and after and after > last_position():
            raise ValidationFailed(
                {
                    "after": [
                        f"There is no position {after} in the feed yet; use a `position` the feed gave you."
                    ]
                }
            )
        next_link, previous_link = _feed_links(
            request, last=page.rows[-1]["position"] if page.more else None, previous_after=page.previous_after
        )
        link = Page.link_header(next_link, previous_link)
        return Response(
            {"next": next_link, "previous": previous_link, "results": [entry(row) for row in page.rows]},
            headers={"Link": link} if link else None,
        )


def _owner_name(subscription: Subscription) -> str:
    return subscription.owner.username


def _visible_subscription(request: Request, subscription_id: int) -> Subscription:
    """The subscription, if the token holder may see it: its own, or any for editors and admins."""
    subscription = subscription_get(subscription_id=subscription_id)
    if subscription is None or (
        subscription.owner_id != request.user.pk and not roles.sees_drafts(request.user)
    ):
        raise NotFound(f"There is no webhook subscription {subscription_id}.")
    return subscription


class WebhookListView(APIView):
    permission_classes = [AnyRole]

    @extend_schema(
        operation_id="webhooks_list",
        summary="List webhook subscriptions",
        description=describe(
            "Your own subscriptions, by `id`; editors and admins see everyone's.", who=READERS
        ),
        parameters=[
            PageParams,
            link_header(f'<{API}/webhooks/?cursor=eyJvIjoiaWQiLCJyIjpmYWxzZSwiayI6WzFdfQ>; rel="next"'),
        ],
        responses={200: paginated(WebhookSerializer), **problems()},
        examples=[_example("One subscription", {"next": None, "previous": None, "results": [WEBHOOK]})],
    )
    def get(self, request: Request) -> Response:
        params = query_params(PageParams, request)
        owner_id = None if roles.sees_drafts(request.user) else request.user.pk
        page = subscription_page(
            owner_id=owner_id, page_size=params["page_size"], cursor=params.get("cursor")
        )
        return page_response(request, page, [webhook_json(s, owner=_owner_name(s)) for s in page.rows])

    @extend_schema(
        operation_id="webhooks_create",
        summary="Subscribe to changes",
        description=describe(
            "Subscribes your token's user to the changes of the types in `events`, from now on: "
            "each is POSTed to `url`, signed as the Standard Webhooks specification says "
            "(`webhook-id`, `webhook-timestamp`, `webhook-signature`), with the secret this "
            "answer shows once. `url` must be https and resolve to public addresses only. "
            f"A token holder may have at most {MAX_SUBSCRIPTIONS_PER_OWNER} subscriptions (409 beyond).",
            who=READERS,
        ),
        request=WebhookCreateInput,
        responses={
            201: WebhookCreatedSerializer,
            **problems(
                409,
                413,
                415,
                descriptions={
                    400: "A `url` that is not https or leads to a non-public address, an unknown event type.",
                    409: f"Already {MAX_SUBSCRIPTIONS_PER_OWNER} subscriptions: delete one first.",
                },
                examples={
                    400: validation_example(
                        "A private address",
                        {
                            "url": [
                                "The host 10.0.0.7 resolves to 10.0.0.7, which is not a public address: "
                                "webhooks are delivered to public addresses only."
                            ]
                        },
                    )
                },
            ),
        },
        examples=[
            OpenApiExample(
                "Published verdicts",
                value={
                    "url": "https://partner.example/hooks/claims",
                    "events": ["claim.published", "claim.corrected"],
                },
                request_only=True,
            ),
            _example("Subscribed", WEBHOOK_CREATED, 201),
        ],
    )
    def post(self, request: Request) -> Response:
        data = body(WebhookCreateInput, request.data, read_only=SUBSCRIPTION_FIELDS)
        try:
            resolve(data["url"])
        except UnsafeURL as refused:
            raise ValidationFailed({"url": [str(refused)]}) from None
        subscription = subscription_create(owner=request.user, url=data["url"], events=data["events"])  # type: ignore[arg-type]
        location = request.build_absolute_uri(reverse("webhook-detail", args=[subscription.pk]))
        return Response(
            webhook_json(subscription, owner=request.user.get_username(), secret=True),
            status=http.HTTP_201_CREATED,
            headers={"Location": location},
        )


class WebhookDetailView(APIView):
    permission_classes = [AnyRole]

    @extend_schema(
        operation_id="webhooks_retrieve",
        summary="Get a webhook subscription",
        description=describe(
            "One of your subscriptions (editors and admins: anyone's), without its secret; "
            "`active` false and `disabled_reason` say when it failed for too long.",
            who=READERS,
        ),
        parameters=[path_id("webhook_id", "subscription")],
        responses={200: WebhookSerializer, **problems(404)},
        examples=[_example("A subscription", WEBHOOK)],
    )
    def get(self, request: Request, webhook_id: int) -> Response:
        subscription = _visible_subscription(request, webhook_id)
        return Response(webhook_json(subscription, owner=_owner_name(subscription)))

    @extend_schema(
        operation_id="webhooks_destroy",
        summary="Unsubscribe",
        description=describe(
            "Deletes one of your subscriptions (editors and admins: anyone's) and its record of deliveries.",
            who=READERS,
        ),
        parameters=[path_id("webhook_id", "subscription")],
        responses={204: OpenApiResponse(description="Deleted."), **problems(404)},
    )
    def delete(self, request: Request, webhook_id: int) -> Response:
        _visible_subscription(request, webhook_id)
        subscription_delete(subscription_id=webhook_id)
        return Response(status=http.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(APIView):
    permission_classes = [AnyRole]

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="A subscription's delivery attempts",
        description=describe(
            "Every attempt to deliver a change to the subscription, oldest first: the change's "
            "`position`, the receiver's `status_code` (null when none came), when, and the error.",
            who=READERS,
        ),
        parameters=[
            path_id("webhook_id", "subscription"),
            PageParams,
            link_header(
                f'<{API}/webhooks/1/deliveries/?cursor=eyJvIjoiaWQiLCJyIjpmYWxzZSwiayI6WzFdfQ>; rel="next"'
            ),
        ],
        responses={200: paginated(DeliverySerializer), **problems(404)},
        examples=[_example("A failure, then its retry", DELIVERY_PAGE)],
    )
    def get(self, request: Request, webhook_id: int) -> Response:
        params = query_params(PageParams, request)
        _visible_subscription(request, webhook_id)
        page = delivery_page(
            subscription_id=webhook_id, page_size=params["page_size"], cursor=params.get("cursor")
        )
        return page_response(request, page, [delivery_json(d) for d in page.rows])
