"""Rate limits per token and per client address, counted in a store every worker shares.

Fixed windows: a key's counter holds the window it counts and is reset when a new one starts.
The increment is one atomic statement, so two workers can neither double a quota nor lose a hit:

- by default, a table in the service's own database (`INSERT ... ON CONFLICT DO UPDATE ...
  RETURNING`), UNLOGGED on PostgreSQL so counting writes no WAL and waits for no disk flush;
- Redis when `REDIS_URL` is set (`INCR` and `EXPIRE` in one script).

A fixed window lets a client spend up to twice its quota across a window boundary; that is the
price of one cheap statement per request, and it is well within what the limits are for (keeping
one token or one address from starving the others, and slowing down token guessing).

While a key is under half its quota, a worker claims RATE_LIMIT_BATCH hits of it at once and
spends them, lowest first, on its next requests without asking the store (`Leases`): most
requests then cost no round trip at all. The quota stays a hard ceiling (no worker spends a hit
the store did not give it); what a client may lose is the hits other workers claimed and did not
spend before the window ended (or held when a full table of leases dropped theirs): batch - 1
for each request a worker was serving when it claimed, never more than half the quota per
worker. `RateLimit-Remaining` is then what this worker knows.
Past half its quota a key is counted one request at a time, exactly, as before.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Protocol, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from rest_framework.throttling import SimpleRateThrottle

from claims.platform.db import raw

logger = logging.getLogger(__name__)

OFF = {"off", "none", ""}
# Where a request keeps its throttles' verdicts, for the response's RateLimit-* headers.
VERDICTS = "_claims_rate_limit_verdicts"
# Where a request carrying a token keeps its address's hit, (throttle, key), until the token's
# throttle counts both in one round trip (claims.platform.middleware.AddressRateLimitMiddleware).
PENDING_ADDRESS = "_claims_rate_limit_pending_address"
# How long a counter store that failed is left alone before it is asked again.
STORE_RETRY_SECONDS = 30


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int
    """Seconds until the window ends (when a refused client may try again), rounded up."""
    ends: float
    """When the window ends (epoch seconds)."""


# Hits of one key claimed at once: (key, window, seconds of the window, how many).
Hit = tuple[str, int, int, int]
# What the store counted them in: (window, that window's count including them).
Counted = tuple[int, int]


class CounterStore(Protocol):
    def hit_many(self, hits: Sequence[Hit]) -> list[Counted]:
        """Count each key's hits in one round trip: in its window, or in a later one the store
        has already moved the key to; return, in order, the window each was counted in and its
        count including them. The keys are distinct."""


class DatabaseCounterStore:
    """One row per key and window length (`<key>/<seconds>`, so that windows of one row are
    always of one length and compare: a quota whose period an operator changes starts a row of
    its own). A hit that read its window just before it ended and reaches the store after another
    worker's hit of the next one is counted in the next one, and says so: an ended window never
    comes back to reset the current one's count."""

    SQL = (
        "INSERT INTO {table} (key, bucket, hits) VALUES {rows} "
        "ON CONFLICT (key) DO UPDATE SET "
        "hits = CASE WHEN {table}.bucket < excluded.bucket THEN excluded.hits "
        "ELSE {table}.hits + excluded.hits END, "
        "bucket = CASE WHEN {table}.bucket < excluded.bucket THEN excluded.bucket "
        "ELSE {table}.bucket END "
        "RETURNING key, bucket, hits"
    )

    def hit_many(self, hits: Sequence[Hit]) -> list[Counted]:
        # Looked up, not imported: the platform sits below the models.
        model = apps.get_model("claims", "RateLimitCounter")
        using = raw.writing(model)
        sql = self.SQL.format(table=raw.table(model, using), rows=", ".join(["(%s, %s, %s)"] * len(hits)))
        rows = [(f"{key}/{seconds}", window, claimed) for key, window, seconds, claimed in hits]
        counted = {
            row: (int(bucket), int(count)) for row, bucket, count in raw.fetch_all(using, sql, _flat(rows))
        }
        return [counted[row] for row, _, _ in rows]


class RedisCounterStore:
    def __init__(self, url: str) -> None:
        import redis

        # Short timeouts: a request waits at most this long for a store that hangs, once; then the
        # breaker in `count_many` leaves the store alone for a while.
        self.client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)

        # One command, run atomically by Redis. A MULTI/INCR/EXPIRE/EXEC pipeline did the same in
        # four commands, whose replies cost the worker more to parse than the round trip. Every
        # hit renews the expiry, as before: a worker whose clock lags cannot bring back a window
        # that expired.
        self.script = self.client.register_script(
            "local hits = {} for i, key in ipairs(KEYS) do "
            "hits[i] = redis.call('INCRBY', key, ARGV[2 * i - 1]) "
            "redis.call('EXPIRE', key, ARGV[2 * i]) end return hits"
        )

    def hit_many(self, hits: Sequence[Hit]) -> list[Counted]:
        # A key per window: a late hit is counted in the window it read.
        counts = self.script(
            keys=[f"claims:rl:{key}:{window}" for key, window, _, _ in hits],
            args=_flat((claimed, seconds + 1) for _, _, seconds, claimed in hits),
        )
        return [(window, int(n)) for (_, window, _, _), n in zip(hits, counts, strict=True)]


def _flat(rows: Iterable[Sequence[Any]]) -> list[Any]:
    return [value for row in rows for value in row]


def purge_ended_counters() -> int:
    """Delete the database store's counters of windows that have ended, and those of periods no
    quota has now (a period changed, or a key from before counters were kept per period);
    returns how many. Without it the table would keep a row for every address and token it ever
    counted. Run now and then by the webhook worker (`claims.feed.worker.prune`)."""
    model = apps.get_model("claims", "RateLimitCounter")
    now = time.time()
    throttles = (TokenRateThrottle(), AddressRateThrottle(), LoginRateThrottle())
    current = Q(pk__in=[])  # nothing: with every quota off, no row is current
    for seconds in {int(t.duration or 0) for t in throttles if t.is_on()}:
        current |= Q(key__endswith=f"/{seconds}", bucket__gte=int(now // seconds))
    deleted, _ = model.objects.using(raw.writing(model)).exclude(current).delete()
    return deleted


@cache
def counter_store(redis_url: str | None) -> CounterStore:
    return RedisCounterStore(redis_url) if redis_url else DatabaseCounterStore()


class _Breaker:
    """Fails open, fast: once the store fails, requests pass without asking it for
    STORE_RETRY_SECONDS, and the outage is logged once when it starts and once when it ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.down = False

    def open(self) -> bool:
        return time.monotonic() < self.down_until

    def failed(self) -> None:
        with self.lock:
            self.down_until = time.monotonic() + STORE_RETRY_SECONDS
            if not self.down:
                self.down = True
                logger.warning(
                    "rate-limit store unavailable; requests pass unlimited, asking it again every %s s",
                    STORE_RETRY_SECONDS,
                    exc_info=True,
                )

    def succeeded(self) -> None:
        if self.down:
            with self.lock:
                self.down = False
            logger.warning("rate-limit store available again; limits apply")


@cache
def _breaker_for(redis_url: str | None) -> _Breaker:
    return _Breaker()


@dataclass
class Lease:
    """What this process knows of one key's window: the hits the store gave it that no request
    has spent yet, numbered from the window's first hit across all workers, as disjoint ranges
    [first, last] in order; the highest count the store has answered; and how many hits its
    threads have asked the store for and not heard back about."""

    window: int
    ends: float
    """When the window ends (epoch seconds): a lease past it can be dropped."""
    ranges: list[list[int]] = field(default_factory=list)
    top: int = 0
    pending: int = 0

    def spend(self) -> int | None:
        """The lowest hit held, taken out of the lease; None when none is held."""
        if not self.ranges:
            return None
        span = self.ranges[0]
        hit = span[0]
        if hit == span[1]:
            self.ranges.pop(0)
        else:
            span[0] += 1
        return hit


class Leases:
    """The hits this process holds of each key (see the module's docstring). Threads of one
    worker share them, so every change is made under a lock.

    A request first `take`s a held hit; when there is none it asks the store for the number
    `take` says and, once answered, `hold`s what it got (or `release`s the claim if the store
    was not asked or failed). The lowest held hit is always spent first, whoever asked for it:
    a hit within the quota is never left while a request is refused with a higher one."""

    MAX_KEPT = 10_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._held: dict[str, Lease] = {}

    def take(self, key: str, window: int, ends: float, limit: int) -> tuple[int, int]:
        """(hit, 0): the number of the hit this request spends from the key's lease; or (0, n):
        none is held, ask the store for n hits. n is a batch while the key, batch and the claims
        of this process's other threads included, stays within half its quota as far as this
        process knows; otherwise 1, so that near its quota a key is counted exactly."""
        batch = settings.RATE_LIMIT_BATCH
        with self.lock:
            lease = self._held.get(key)
            if lease is None or lease.window < window:
                lease = self._new(key, window, ends)
            elif lease.window > window:
                # This request read the clock as the window ended, and another thread has
                # already read the next one: ask the store for one hit, and leave the lease alone.
                return 0, 1
            hit = lease.spend()
            if hit is not None:
                return hit, 0
            claim = batch if batch > 1 and 2 * (lease.top + lease.pending + batch) <= limit else 1
            lease.pending += claim
            return 0, claim

    def hold(self, key: str, asked: int, counted: int, ends: float, claimed: int, top: int) -> int:
        """Keep what the store gave: `claimed` hits asked for in window `asked`, counted in window
        `counted` (later, for a late reader the database store moved on) and ending at `top`.
        Returns the number of the hit this request spends: the lowest this process holds of that
        window (the requests after it are refused when theirs is past the quota, as the store
        would refuse them)."""
        first = top - claimed + 1
        with self.lock:
            lease = self._held.get(key)
            if lease is not None and lease.window == asked:
                lease.pending = max(0, lease.pending - claimed)
            if lease is None or lease.window < counted:
                lease = self._new(key, counted, ends)
            elif lease.window > counted:
                return first  # hits of a window that has ended: the rest are of no use
            bisect.insort(lease.ranges, [first, top])
            lease.top = max(lease.top, top)
            return lease.spend() or first

    def release(self, key: str, window: int, claimed: int) -> None:
        """Forget a claim the store did not answer."""
        with self.lock:
            lease = self._held.get(key)
            if lease is not None and lease.window == window:
                lease.pending = max(0, lease.pending - claimed)

    def awaits(self, key: str) -> bool:
        """Whether a thread of this process is waiting for the store's answer to a claim of the
        key: hits within its quota may be on their way."""
        lease = self._held.get(key)
        return lease is not None and lease.pending > 0

    def _new(self, key: str, window: int, ends: float) -> Lease:
        """A fresh lease of the key's window, replacing an older one (under the lock)."""
        # Taken out and put back, so that the dict's order is the order leases were renewed in,
        # and the oldest are the least used.
        if self._held.pop(key, None) is None and len(self._held) >= self.MAX_KEPT:
            # A key dropped is asked of the store again.
            _make_room(self._held, lambda lease: lease.ends, self.MAX_KEPT)
        self._held[key] = lease = Lease(window=window, ends=ends)
        return lease

    def clear(self) -> None:
        with self.lock:
            self._held.clear()


_Kept = TypeVar("_Kept")


def _make_room(table: dict[str, _Kept], ends: Callable[[_Kept], float], room: int) -> None:
    """Make room in a full table of what a process keeps per key until a window ends, kept in
    the order it was last renewed in: drop what has ended, then the oldest while more than nine
    tenths of the room is taken. The caller holds the table's lock."""
    now = time.time()
    for key in [key for key, kept in table.items() if ends(kept) <= now]:
        del table[key]
    for key in list(itertools.islice(table, max(0, len(table) - room * 9 // 10))):
        del table[key]


LEASES = Leases()


def count_many(quotas: Sequence[tuple[str, int, int]], leases: Leases | None = None) -> list[Verdict]:
    """Count a hit of each (key, limit, seconds) in fixed windows: from this process's leases
    (`LEASES` unless told) where it holds some, the rest in one round trip to the store."""
    leases = leases if leases is not None else LEASES
    now = time.time()
    windows = [int(now // seconds) for _, _, seconds in quotas]
    ends = [(window + 1) * seconds for window, (_, _, seconds) in zip(windows, quotas, strict=True)]
    taken = [
        leases.take(key, window, end, limit)
        for (key, limit, _), window, end in zip(quotas, windows, ends, strict=True)
    ]
    # A hit of 0 is allowed: what a quota the store could not count gets (the breaker below).
    hits = [hit for hit, _ in taken]
    due = [(i, claim) for i, (_, claim) in enumerate(taken) if claim]
    if due:
        claims = [(quotas[i][0], windows[i], quotas[i][2], claim) for i, claim in due]
        try:
            answers: Sequence[Counted | None] = _ask_store(claims) or [None] * len(claims)
        except BaseException:
            for key, window, _, claim in claims:
                leases.release(key, window, claim)
            raise
        for (i, _), (key, window, seconds, claim), answer in zip(due, claims, answers, strict=True):
            if answer is None:
                leases.release(key, window, claim)
            else:
                counted, top = answer
                hits[i] = leases.hold(key, window, counted, (counted + 1) * seconds, claim, top)
    return [
        Verdict(
            allowed=hit <= limit,
            limit=limit,
            remaining=max(0, limit - hit),
            retry_after=max(1, math.ceil(end - now)),
            ends=end,
        )
        for hit, (_, limit, _), end in zip(hits, quotas, ends, strict=True)
    ]


def _ask_store(hits: Sequence[Hit]) -> list[Counted] | None:
    """The store's counts for these claims, or None while it is failing: the limits protect the
    service and must not take it down with their store, so their quotas then pass (the hits a
    worker already holds are still spent and judged)."""
    breaker = _breaker_for(settings.REDIS_URL)
    if breaker.open():
        return None
    try:
        counted = counter_store(settings.REDIS_URL).hit_many(hits)
    except (OperationalError, InterfaceError):
        # The counters live in the service's own database: if it cannot be reached, neither
        # can anything the request needs. Fail now with the 503 it would get anyway.
        raise
    except Exception:
        breaker.failed()
        return None
    breaker.succeeded()
    return counted


class OverQuota:
    """The keys this process has seen over their quota, until their window ends: an address
    found over its quota is refused before its request is counted or its token looked up.
    Another worker learns it from its own next count of that address."""

    MAX_KEPT = 10_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._until: dict[str, tuple[float, int]] = {}

    def note(self, key: str, verdict: Verdict) -> None:
        """Remember a refusal of `key` until its window ends."""
        with self.lock:
            # Taken out and put back, as leases are: the oldest refusals go first when it is full
            # (a key dropped is found over its quota again on its next count).
            if self._until.pop(key, None) is None and len(self._until) >= self.MAX_KEPT:
                _make_room(self._until, lambda known: known[0], self.MAX_KEPT)
            # Until the window's end, not now + Retry-After (rounded up, and read before the store
            # answered): a client that waits as long as it was told is not refused from memory.
            self._until[key] = (verdict.ends, verdict.limit)

    def refusal(self, key: str) -> Verdict | None:
        """A refusal of `key` while its window lasts, or None."""
        known = self._until.get(key)
        if known is None:
            return None
        until, limit = known
        now = time.time()
        if until <= now:
            with self.lock:  # not while a full table is being pruned
                if self._until.get(key) == known:
                    del self._until[key]
            return None
        return Verdict(
            allowed=False, limit=limit, remaining=0, retry_after=max(1, math.ceil(until - now)), ends=until
        )

    def clear(self) -> None:
        with self.lock:
            self._until.clear()


OVER_QUOTA = OverQuota()


def client_address(meta: dict[str, Any]) -> str:
    """The client's address: REMOTE_ADDR, or, behind `RATE_LIMIT_PROXY_COUNT` trusted proxies,
    the address the outermost of them saw (X-Forwarded-For is appended to by each proxy, so only
    the entries our own proxies added can be trusted)."""
    proxies = settings.RATE_LIMIT_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return meta.get("REMOTE_ADDR", "") or "unknown"


class StoreRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle, with its rate from a setting of its own ("<count>/<period>" or "off")
    and its hits counted in the shared counter store instead of Django's cache."""

    rate_setting: ClassVar[str] = ""

    def __init__(self, rate: str | None = None) -> None:
        # Not SimpleRateThrottle's __init__, which looks the rate up by scope in
        # DEFAULT_THROTTLE_RATES.
        self.rate = rate if rate is not None else getattr(settings, self.rate_setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.verdict: Verdict | None = None

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        if rate is None or rate.strip().lower() in OFF:
            return None, None
        try:
            count_, seconds = super().parse_rate(rate.strip())
        except (ValueError, KeyError, IndexError):
            raise ImproperlyConfigured(
                f"{self.rate_setting or 'A rate'}={rate!r} is not of the form "
                "'<count>/<second|minute|hour|day>' or 'off'."
            ) from None
        if count_ is None or count_ < 1:
            raise ImproperlyConfigured(
                f"{self.rate_setting or 'A rate'}={rate!r} must allow at least one request."
            )
        return count_, seconds

    # Whether this throttle also counts the address the middleware left to it (PENDING_ADDRESS).
    counts_pending_address: ClassVar[bool] = False
    # Whether a key found over its quota is refused from memory until its window ends (OVER_QUOTA).
    remembers_refusals: ClassVar[bool] = False

    def is_on(self) -> bool:
        return self.num_requests is not None and self.duration is not None

    def allow_request(self, request: Any, view: Any) -> bool:
        # DRF's Request wraps Django's; the verdicts live on Django's, which the middleware sees.
        django_request = getattr(request, "_request", request)
        due: list[tuple[StoreRateThrottle, str]] = []
        if self.counts_pending_address:
            pending = getattr(django_request, PENDING_ADDRESS, None)
            if pending is not None:
                delattr(django_request, PENDING_ADDRESS)
                due.append(pending)
        key = self.get_cache_key(request, view) if self.is_on() else None
        if key is not None:
            due.append((self, key))
        if not due:
            return True
        verdicts = count_many([(key, int(t.num_requests or 0), int(t.duration or 0)) for t, key in due])
        for (throttle, counted_key), verdict in zip(due, verdicts, strict=True):
            throttle.verdict = verdict
            # Not while this process awaits hits of the key: some may be within its quota.
            if throttle.remembers_refusals and not verdict.allowed and not LEASES.awaits(counted_key):
                OVER_QUOTA.note(counted_key, verdict)
        add_verdicts(django_request, *verdicts)
        refused = [verdict for verdict in verdicts if not verdict.allowed]
        if refused:
            self.verdict = max(refused, key=lambda v: v.retry_after)  # what wait() tells the client
        return not refused

    def wait(self) -> float | None:
        return self.verdict.retry_after if self.verdict else None


def verdicts_of(request: Any) -> list[Verdict]:
    """The verdicts of the throttles that counted this request so far."""
    return list(getattr(request, VERDICTS, []))


def add_verdicts(request: Any, *verdicts: Verdict) -> None:
    """Keep these verdicts on the (Django) request, for its RateLimit-* headers."""
    setattr(request, VERDICTS, [*verdicts_of(request), *verdicts])


class TokenRateThrottle(StoreRateThrottle):
    """A quota per API token (RATE_LIMIT_TOKEN), checked after authentication, counted in the same
    round trip as the address's hit when the middleware left that to it."""

    rate_setting = "RATE_LIMIT_TOKEN"
    counts_pending_address = True

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        token = getattr(request, "auth", None)
        return f"token:{token.prefix}" if token is not None else None


class AddressRateThrottle(StoreRateThrottle):
    """A quota per client address (RATE_LIMIT_ADDRESS), checked before the token is looked at."""

    rate_setting = "RATE_LIMIT_ADDRESS"
    remembers_refusals = True

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.key_of(request)

    @staticmethod
    def key_of(request: Any) -> str:
        return f"addr:{client_address(request.META)}"


class LoginRateThrottle(StoreRateThrottle):
    """A quota of login attempts (RATE_LIMIT_LOGIN) per key: an address, or a username."""

    rate_setting = "RATE_LIMIT_LOGIN"

    def __init__(self, key: str = "", rate: str | None = None) -> None:
        super().__init__(rate)
        self.key = key

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.key or None
