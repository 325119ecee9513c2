"""What every request meets before a view reads it, and every response on its way out."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from contextlib import suppress

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers

from claims.platform.etags import none_match
from claims.platform.problems import database_unavailable, problem_response, request_too_large
from claims.platform.ratelimit import (
    OVER_QUOTA,
    PENDING_ADDRESS,
    AddressRateThrottle,
    LoginRateThrottle,
    add_verdicts,
    client_address,
    verdicts_of,
)

ACCEPTED_CHARSETS = {"utf-8", "utf8"}
API_PREFIX = "/api/v1/"
# Public paths that count against the per-address quota too: Google-compatible search.
ADDRESS_LIMITED_PREFIXES = (API_PREFIX, "/v1alpha1/")

Handler = Callable[[HttpRequest], HttpResponse]


class RequestLimitsMiddleware:
    """Refuses, before a byte of the body is parsed:

    - a declared body over MAX_REQUEST_BODY_BYTES (413), so the worker never buffers it;
    - a chunked body (no Content-Length) that the server cannot tell the end of (411), or that
      turns out larger than the limit (413); one that fits is read whole, so the view sees it;
    - a charset other than UTF-8 (415): Python's codec registry would otherwise let a client pick
      `bz2_codec` or `zlib_codec` and have the parser inflate a small body into a huge one;
    - NUL characters in the path or the query string (400), which PostgreSQL cannot store and
      which no legitimate client sends.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or ""
        if not declared and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            refused = self._read_chunked(request)
            if refused is not None:
                return refused
            declared = request.META["CONTENT_LENGTH"]
        try:
            length = int(declared or "0")
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

    def _read_chunked(self, request: HttpRequest) -> HttpResponse | None:
        """Read a chunked body whole, up to the limit, and hand it on as if it had come with a
        Content-Length. Only a server that marks the input's end (gunicorn sets
        `wsgi.input_terminated`) lets us know where a chunked body ends."""
        if not request.META.get("wsgi.input_terminated"):
            return problem_response(
                411, "This server cannot read a chunked request body; send it with a Content-Length."
            )
        limit = settings.MAX_REQUEST_BODY_BYTES
        stream = request.META["wsgi.input"]
        body = bytearray()
        while len(body) <= limit:
            chunk = stream.read(min(64 * 1024, limit + 1 - len(body)))
            if not chunk:
                break
            body.extend(chunk)
        if len(body) > limit:
            return request_too_large()
        request.META["CONTENT_LENGTH"] = str(len(body))
        request._stream = LimitedStream(io.BytesIO(bytes(body)), len(body))  # type: ignore[assignment]
        return None


class TrailingSlashMiddleware:
    """Every path answers with or without its trailing slash. A path without one that only
    resolves with it is served as if it had it: never redirected, since a client that follows a
    redirect may resend a POST as a GET, or drop its body, and lose the write."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not path.endswith("/"):
            try:
                resolve(path)
            except Resolver404:
                try:
                    resolve(f"{path}/")
                except Resolver404:
                    pass
                else:
                    request.path_info = f"{path}/"
                    request.path = f"{request.path}/"
        return self.get_response(request)


class AddressRateLimitMiddleware:
    """A quota per client address (RATE_LIMIT_ADDRESS) on the API and on `/v1alpha1/` (the public
    search), so that guessing tokens is slowed down as much as using one. On the way out, every
    such response says how much of its quotas is left (RateLimit-Limit, -Remaining, -Reset, as the
    IETF draft names them).

    A request without a token is counted here, before its view. One with a token has its address
    counted with its token, in one round trip (`TokenRateThrottle`), instead of one round trip
    each; if it never gets that far (a bad token, an unknown path), its address is counted after
    its answer. An address this process has seen over its quota is refused here, before anything
    is counted or looked up, until its window ends; so a burst of bad tokens gets, per worker, at
    most one answer more than the quota allows before the 429s."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # path_info: the path inside the application, whatever sub-path (SCRIPT_NAME) it is
        # deployed under.
        if not request.path_info.startswith(ADDRESS_LIMITED_PREFIXES):
            return self.get_response(request)
        throttle = AddressRateThrottle()
        key = throttle.key_of(request)
        refusal = OVER_QUOTA.refusal(key) if throttle.is_on() else None
        if refusal is not None:
            throttle.verdict = refusal
            add_verdicts(request, refusal)
            allowed = False
        elif throttle.is_on() and "HTTP_AUTHORIZATION" in request.META:
            setattr(request, PENDING_ADDRESS, (throttle, key))
            response = self.get_response(request)
            # Counted now, after its answer, unless that answer is that the service cannot serve
            # (a 503: the database is down, and asking it again would hold the client as long).
            if getattr(request, PENDING_ADDRESS, None) is not None and response.status_code != 503:
                delattr(request, PENDING_ADDRESS)
                with suppress(OperationalError, InterfaceError):
                    throttle.allow_request(request, None)
            return self._with_quota_headers(request, response)
        else:
            try:
                allowed = throttle.allow_request(request, None)
            except (OperationalError, InterfaceError):
                return database_unavailable()
        if not allowed:
            wait = int(throttle.wait() or 1)
            response = problem_response(
                429,
                f"Too many requests from {client_address(request.META)}; try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )
        else:
            response = self.get_response(request)
        return self._with_quota_headers(request, response)

    @staticmethod
    def _with_quota_headers(request: HttpRequest, response: HttpResponse) -> HttpResponse:
        verdicts = verdicts_of(request)
        if verdicts:
            tightest = min(verdicts, key=lambda v: (v.remaining, -v.retry_after))
            response["RateLimit-Limit"] = str(tightest.limit)
            response["RateLimit-Remaining"] = str(tightest.remaining)
            response["RateLimit-Reset"] = str(tightest.retry_after)
        return response


class LoginRateLimitMiddleware:
    """Slows down password guessing on the admin's login form: attempts are counted per address
    and per username (RATE_LIMIT_LOGIN each), in the same store as the API's limits, and one over
    either quota is refused with 429 whatever the password."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info == settings.LOGIN_RATE_LIMITED_PATH:
            username = request.POST.get("username", "").strip().lower()
            keys = [f"login-addr:{client_address(request.META)}"]
            if username:
                keys.append(f"login-user:{username}")
            for key in keys:
                throttle = LoginRateThrottle(key)
                try:
                    allowed = throttle.allow_request(request, None)
                except (OperationalError, InterfaceError):
                    return database_unavailable()
                if not allowed:
                    wait = int(throttle.wait() or 1)
                    return problem_response(
                        429,
                        f"Too many login attempts; try again in {wait} seconds.",
                        headers={"Retry-After": str(wait)},
                    )
        return self.get_response(request)


class CachingHeadersMiddleware:
    """Says who may keep an API response and for how long, and answers a repeated GET with 304.

    Responses to token holders vary with the token (`Vary: Authorization`) and are private:
    no shared cache keeps one, and a browser revalidates before reusing it. A GET answered 200
    without an ETag of its own (articles, every list) gets one from its bytes, so a client that
    sends it back in If-None-Match gets 304 while nothing changed. Public, token-free responses
    say how long a shared cache may keep them (PUBLIC_CACHE_SECONDS)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path_info.startswith(API_PREFIX):
            return response
        patch_vary_headers(response, ("Authorization",))
        if "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_cache=True)
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
            return response
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None and none_match(if_none_match, response["ETag"]):
            not_modified = HttpResponseNotModified()
            for header in ("ETag", "Cache-Control", "Vary"):
                not_modified[header] = response[header]
            return not_modified
        return response
