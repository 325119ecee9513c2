"""Path converters."""

from __future__ import annotations

from claims.platform.pagination import MAX_ID


class IdConverter:
    """A row's id in a path: a positive 64-bit integer. Anything else, a number past int64
    included, resolves to nothing (a 404), never to a query the database must refuse."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)
