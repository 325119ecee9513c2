"""What every API view does the same way."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from rest_framework.request import Request
from rest_framework.response import Response

from claims.accounts import roles
from claims.platform.errors import PreconditionRequired
from claims.platform.etags import versions_matching
from claims.platform.pagination import Page


def page_response(request: Request, page: Page, results: Any) -> Response:
    """A list's page: `{next, previous, results}`, and the same links in a `Link` header."""
    next_link, previous_link = page.links(request.build_absolute_uri())
    link = page.link_header(next_link, previous_link)
    return Response(
        {"next": next_link, "previous": previous_link, "results": results},
        headers={"Link": link} if link else None,
    )


def actor(request: Request) -> User:
    # The permission classes have let only editors and admins this far: a real, active user.
    return cast(User, request.user)


def drafts_visible(request: Request) -> bool:
    return roles.sees_drafts(request.user)


def if_match(request: Request, claim_id: int, *, required: bool = True) -> frozenset[int] | None:
    """The versions the request's If-Match accepts (None: any). Missing, it is a 428 where
    `required`, and any version otherwise."""
    header = request.headers.get("If-Match")
    if header is None:
        if not required:
            return None
        raise PreconditionRequired(
            "This request needs an If-Match header with the claim's current ETag, so that it "
            "cannot overwrite a change you have not seen. GET the claim to read its ETag."
        )
    return versions_matching(header, claim_id, drafts_visible=drafts_visible(request))
