"""Limits every request meets before any view reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse

from claims.platform.problems import database_unavailable, problem_response, request_too_large
from claims.platform.ratelimit import AddressRateThrottle, client_address

ACCEPTED_CHARSETS = {"utf-8", "utf8"}


class RequestLimitsMiddleware:
    """Refuses, before a byte of the body is read:

    - a declared body over MAX_REQUEST_BODY_BYTES (413), so the worker never buffers it;
    - a charset other than UTF-8 (415): Python's codec registry would otherwise let a client pick
      `bz2_codec` or `zlib_codec` and have the parser inflate a small body into a huge one;
    - NUL characters in the path or the query string (400), which PostgreSQL cannot store and
      which no legitimate client sends.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return problem_response(400, f"Content-Length {declared!r} is not a number of bytes.")
        if length > settings.MAX_REQUEST_BODY_BYTES:
            return request_too_large()
        charset = (request.content_params or {}).get("charset")
        if charset is not None and charset.strip().lower() not in ACCEPTED_CHARSETS:
            return problem_response(
                415, f"Request bodies must be UTF-8; charset={charset!r} is not accepted."
            )
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return problem_response(400, "NUL characters are not allowed in the URL.")
        return self.get_response(request)


class AddressRateLimitMiddleware:
    """A quota per client address (RATE_LIMIT_ADDRESS) on the API, counted before the token is
    looked at, so that guessing tokens is slowed down as much as using one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info: the path inside the application, whatever sub-path (SCRIPT_NAME) it is
        # deployed under.
        if request.path_info.startswith("/api/v1/"):
            throttle = AddressRateThrottle()
            try:
                allowed = throttle.allow_request(request, None)
            except (OperationalError, InterfaceError):
                return database_unavailable()
            if not allowed:
                wait = int(throttle.wait() or 1)
                return problem_response(
                    429,
                    f"Too many requests from {client_address(request.META)}; try again in {wait} seconds.",
                    headers={"Retry-After": str(wait)},
                )
        return self.get_response(request)
