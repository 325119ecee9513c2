"""Rate-limit counters, when they are kept in the database."""

from __future__ import annotations

from django.db import models


class RateLimitCounter(models.Model):
    """Hits of one token or address in its current window, a row per key and window length
    (`<key>/<seconds>`; see `claims.platform.ratelimit`). Written only with one atomic upsert; on
    PostgreSQL the table is UNLOGGED, since counts need not survive a crash."""

    key = models.CharField(max_length=200, primary_key=True)
    bucket = models.BigIntegerField(help_text="The window counted: seconds since the epoch // window length.")
    hits = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} in window {self.bucket}"
