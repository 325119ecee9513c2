"""Recording changes in the feed, in commit order.

Every write service calls `change_record` (or `changes_record`) as the last statement of its
transaction. On PostgreSQL the insert first takes a transaction-level advisory lock, held until
the transaction commits: positions are drawn from the sequence only under that lock, so a
transaction draws its positions after every transaction that drew before it has committed (or
rolled back), and a position is visible only once every smaller one that will ever exist is.
SQLite runs one write transaction at a time (`BEGIN IMMEDIATE`), which gives the same order.
docs/FEED.md has the argument in full.

`change_recorded` tells whoever listens (the feed's webhooks, wired in `claims/apps.py`) that
this transaction records changes, before the lock is taken, so that what it enqueues is written
in the same transaction and adds nothing to the time the lock is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.dispatch import Signal
from django.utils import timezone

from claims.models import Change, ChangeType, ClaimStatus, EventAction
from claims.platform.db import raw

# An arbitrary 64-bit key of the feed's lock; no other advisory lock of the app uses it.
FEED_LOCK_KEY = 0x636C61696D66_6564  # "claimf" "ed"

change_recorded = Signal()


@dataclass(frozen=True)
class ChangeRow:
    type: str
    article_id: int | None = None
    claim_id: int | None = None
    review_id: int | None = None
    version: int | None = None


def change_record(
    *,
    type: str,
    article_id: int | None = None,
    claim_id: int | None = None,
    review_id: int | None = None,
    version: int | None = None,
) -> int:
    """Record one change; its position. Call it last in the write's transaction."""
    row = ChangeRow(type=type, article_id=article_id, claim_id=claim_id, review_id=review_id, version=version)
    return changes_record([row])[-1]


def changes_record(rows: list[ChangeRow]) -> list[int]:
    """Record changes of one transaction, in this order; their positions."""
    if not rows:
        return []
    using = raw.writing(Change)
    if not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError("Changes are recorded inside the write's transaction.")
    unknown = {row.type for row in rows} - set(ChangeType.values)
    if unknown:
        raise ValueError(f"Unknown change types: {sorted(unknown)}")
    change_recorded.send(sender=Change, using=using)
    connection = connections[using]
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    columns = "at, type, article_id, claim_id, review_id, version"
    table = raw.table(Change, using)
    params: list[Any] = []
    for n, row in enumerate(rows):
        params += [n, at, row.type, row.article_id, row.claim_id, row.review_id, row.version]
    if connection.vendor == "postgresql":
        values = ", ".join(
            ["(%s::int, %s::timestamptz, %s, %s::bigint, %s::bigint, %s::bigint, %s::int)"] * len(rows)
        )
        # One round trip: the lock, then the rows. No row reaches the insert, where nextval()
        # numbers it, before the lock's one-row subquery has returned, that is, been granted.
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} "
            f"FROM (SELECT pg_advisory_xact_lock(%s)) AS feed_lock, "
            f"(VALUES {values}) AS v(n, {columns}) ORDER BY n RETURNING position"
        )
        found = raw.fetch_all(using, sql, [FEED_LOCK_KEY, *params])
    else:
        # SQLite: the transaction began IMMEDIATE, holding the database's one write lock already.
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM "
            f"(SELECT column1 AS n, column2 AS at, column3 AS type, column4 AS article_id, "
            f"column5 AS claim_id, column6 AS review_id, column7 AS version FROM (VALUES {values})) "
            f"ORDER BY n RETURNING position"
        )
        found = raw.fetch_all(using, sql, params)
    return sorted(position for (position,) in found)


def claim_change_type(action: str, changes: dict[str, list[Any]]) -> str:
    """The feed's type of a claim's history event."""
    if action == EventAction.CREATED:
        return ChangeType.CLAIM_CREATED
    if action == EventAction.DELETED:
        return ChangeType.CLAIM_DELETED
    if action == EventAction.CORRECTED:
        return ChangeType.CLAIM_CORRECTED
    if action == EventAction.STATUS_CHANGED and "status" in changes:
        before, after = changes["status"]
        if after == ClaimStatus.PUBLISHED:
            return ChangeType.CLAIM_PUBLISHED
        if before == ClaimStatus.PUBLISHED:
            return ChangeType.CLAIM_WITHDRAWN
    return ChangeType.CLAIM_UPDATED
