"""Rate limits per token and per client address, counted in a store every worker shares.

Fixed windows: a key's counter holds the window it counts and is reset when a new one starts.
The increment is one atomic statement, so two workers can neither double a quota nor lose a hit:

- by default, a table in the service's own database (`INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING`), UNLOGGED on PostgreSQL so counting writes no WAL and waits for no disk flush;
- Redis when `REDIS_URL` is set (`INCR` and `EXPIRE` in one transaction).

A fixed window lets a client spend up to twice its quota across a window boundary; that is the
price of one cheap statement per request, and it is well within what the limits are for (keeping
one token or one address from starving the others, and slowing down token guessing).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError, connection

logger = logging.getLogger(__name__)

UNITS = {
    **dict.fromkeys(("s", "sec", "second"), 1),
    **dict.fromkeys(("m", "min", "minute"), 60),
    **dict.fromkeys(("h", "hour"), 3600),
    **dict.fromkeys(("d", "day"), 86400),
}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """`"600/minute"` -> Rate(600, 60); `"off"` -> None (no limit)."""
        if text.strip().lower() in {"off", "none", ""}:
            return None
        count, _, unit = text.partition("/")
        try:
            rate = cls(int(count), UNITS[unit.strip().lower()])
        except (ValueError, KeyError):
            raise ImproperlyConfigured(
                f"Rate {text!r} is not of the form '<count>/<second|minute|hour|day>' or 'off'."
            ) from None
        if rate.count < 1:
            raise ImproperlyConfigured(f"Rate {text!r} must allow at least one request.")
        return rate


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int
    """Seconds until the window ends (when a refused client may try again)."""


class CounterStore(Protocol):
    def hit(self, key: str, window: int, seconds: int) -> int:
        """Count one hit of `key` in `window`; return the window's count including it."""


class DatabaseCounterStore:
    SQL = (
        "INSERT INTO claims_ratelimitcounter (key, bucket, hits) VALUES (%s, %s, 1) "
        "ON CONFLICT (key) DO UPDATE SET "
        "hits = CASE WHEN claims_ratelimitcounter.bucket = excluded.bucket "
        "THEN claims_ratelimitcounter.hits + 1 ELSE 1 END, "
        "bucket = excluded.bucket "
        "RETURNING hits"
    )

    def hit(self, key: str, window: int, seconds: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(self.SQL, [key, window])
            return int(cursor.fetchone()[0])


class RedisCounterStore:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)

    def hit(self, key: str, window: int, seconds: int) -> int:
        name = f"claims:rl:{key}:{window}"
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, seconds + 1)
        hits, _ = pipe.execute()
        return int(hits)


@cache
def counter_store(redis_url: str | None) -> CounterStore:
    return RedisCounterStore(redis_url) if redis_url else DatabaseCounterStore()


@cache
def rate_of(text: str) -> Rate | None:
    return Rate.parse(text)


def check(key: str, rate: Rate) -> Verdict:
    now = time.time()
    window = int(now // rate.seconds)
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
    try:
        hits = counter_store(settings.REDIS_URL).hit(key, window, rate.seconds)
    except (OperationalError, InterfaceError):
        # The counters live in the service's own database: if it cannot be reached, neither can
        # anything the request needs. Fail now with the 503 it would get anyway, rather than
        # wait for a second connect timeout on the token lookup.
        raise
    except Exception:
        # The limits protect the service; they must not take it down with their store. If the
        # database is down, the request fails on its own with a 503 a moment later.
        logger.warning("rate-limit store unavailable; letting the request through", exc_info=True)
        return Verdict(allowed=True, retry_after=retry_after)
    return Verdict(allowed=hits <= rate.count, retry_after=retry_after)


def client_address(meta: dict[str, str]) -> str:
    """The client's address: REMOTE_ADDR, or, behind `RATE_LIMIT_PROXY_COUNT` trusted proxies,
    the address the outermost of them saw (X-Forwarded-For is appended to by each proxy, so only
    the entries our own proxies added can be trusted)."""
    proxies = settings.RATE_LIMIT_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return meta.get("REMOTE_ADDR", "") or "unknown"


class TokenRateThrottle:
    """DRF throttle: a quota per API token (RATE_LIMIT_TOKEN), checked after authentication."""

    def __init__(self) -> None:
        self.verdict: Verdict | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        rate = rate_of(settings.RATE_LIMIT_TOKEN)
        token = getattr(request, "auth", None)
        if rate is None or token is None:
            return True
        self.verdict = check(f"token:{token.prefix}", rate)
        return self.verdict.allowed

    def wait(self) -> float | None:
        return self.verdict.retry_after if self.verdict else None
