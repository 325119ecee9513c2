"""Placing a quote in an article's body, as an editor gives it."""

from __future__ import annotations

from dataclasses import dataclass

from claims.platform.errors import ValidationFailed

# Characters kept either side of a quote, to find it again when the text changes.
CONTEXT_CHARS = 32


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str


def anchor_quote(body: str, quote: str, *, start: int | None = None, end: int | None = None) -> Anchor:
    """Where `quote` stands in `body`: at the given offsets, which must hold exactly that quote,
    or, without offsets, at its only occurrence. Raises ValidationFailed saying what is wrong."""
    if not quote:
        raise ValidationFailed({"quote": ["The quote may not be empty."]})
    if start is not None and start < 0:
        raise ValidationFailed({"start": [f"`start` ({start}) may not be negative."]})
    positions = _occurrences(body, quote, limit=6)
    if start is None or end is None:
        if not positions:
            raise ValidationFailed({"quote": ["The quote does not occur in the article's body."]})
        if len(positions) > 1:
            listed = ", ".join(str(p) for p in positions[:5]) + (", ..." if len(positions) > 5 else "")
            raise ValidationFailed(
                {
                    "quote": [
                        f"The quote occurs more than once in the article's body (at offsets {listed}); "
                        "give `start` and `end` to say which one."
                    ]
                }
            )
        start = positions[0]
        end = start + len(quote)
    elif end <= start:
        raise ValidationFailed({"end": [f"`end` ({end}) must be greater than `start` ({start})."]})
    elif end > len(body):
        raise ValidationFailed(
            {"end": [f"`end` ({end}) is past the end of the article's body ({len(body)} characters)."]}
        )
    elif body[start:end] != quote:
        hint = (
            f" The quote occurs at offset{'s' if len(positions) > 1 else ''} "
            + ", ".join(str(p) for p in positions[:5])
            + "."
            if positions
            else " The quote does not occur in the body at all."
        )
        raise ValidationFailed(
            {"quote": [f"The body at [{start}:{end}] is {body[start:end]!r}, not the quote.{hint}"]}
        )
    return Anchor(
        start=start,
        end=end,
        prefix=body[max(0, start - CONTEXT_CHARS) : start],
        suffix=body[end : end + CONTEXT_CHARS],
    )


def _occurrences(body: str, quote: str, *, limit: int) -> list[int]:
    """Start offsets of `quote` in `body`, overlapping ones included, at most `limit`."""
    found: list[int] = []
    at = body.find(quote)
    while at != -1 and len(found) < limit:
        found.append(at)
        at = body.find(quote, at + 1)
    return found
