"""ClaimReview in: others' fact-checks, read as they publish them, and stored one record at a time.

Input is a JSON object, a list, an `@graph`, JSON lines, or an HTML page with JSON-LD embedded in
`<script type="application/ld+json">` (read with extruct, as crawlers read it). Every ClaimReview
node is a record, wherever it stands: top level, in a list or a graph, or nested in another node
(a `WebPage`'s `mainEntity`, a wrapper's field). An item holding none is one record too, skipped.

Real records are messy, and each is made into `services.reviews.review_import`'s arguments by
`normalise`, or skipped with the reason why. What a record does not say stays unsaid: a missing
rating is NULL, never guessed. Dates without a zone are taken as UTC, and a bare date as its
midnight, UTC.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from claims.models import LANGUAGE_TAG
from claims.platform.errors import ValidationFailed
from claims.services.reviews import ReviewOutcome, review_import_many

SKIPPED = "skipped"
# Records written together (`review_import_many`).
BATCH = 500
OUTCOMES = (*(str(outcome.value) for outcome in ReviewOutcome), SKIPPED)
# Past this, a document is not data but an attack on the parser's stack.
MAX_DEPTH = 64
# PostgreSQL cannot store NUL; a lone surrogate is no character and has no UTF-8 encoding.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnreadableInput(ValueError):
    """The input as a whole cannot be read (not JSON, nor JSON lines, nor HTML): nothing of it
    is imported."""


@dataclass(frozen=True)
class Skip:
    """An item of the input that is no record to import, and why."""

    reason: str
    url: str | None = None


Item = dict[str, Any] | Skip


@dataclass
class RecordReport:
    index: int
    url: str | None
    outcome: str
    reason: str | None = None
    id: int | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "url": self.url, "outcome": self.outcome}
        if self.reason is not None:
            data["reason"] = self.reason
        if self.id is not None:
            data["id"] = self.id
        return data


@dataclass
class ImportReport:
    records: list[RecordReport] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for record in self.records if record.outcome == outcome)

    def as_json(self) -> dict[str, Any]:
        return {
            **{outcome: self.count(outcome) for outcome in OUTCOMES},
            "records": [record.as_json() for record in self.records],
        }


# --- reading a document -----------------------------------------------------------------------


def items_of_text(text: str, *, kind: str | None = None) -> list[Item]:
    """Every record of a whole document, or UnreadableInput. `kind` is what the sender says it
    is, `"json"` (JSON lines too) or `"html"`; None: whichever it looks like. A JSON lines
    document with one bad line is unreadable as a whole: nothing of it is imported."""
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise UnreadableInput("The input is empty.")
    if kind == "html" or (kind is None and not text.startswith(("{", "["))):
        if "<" not in text:
            raise UnreadableInput(
                "The input is not HTML: it has no markup."
                if kind == "html"
                else "The input is neither JSON, JSON lines nor HTML."
            )
        return list(items_of_html(text))
    try:
        document = _loads(text)
    except UnreadableInput:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
        items: list[Item] = []
        for number, line in enumerate(lines, start=1):
            try:
                items.extend(items_of_json(_loads(line)))
            except UnreadableInput as error:
                raise UnreadableInput(f"Line {number} of the JSON lines: {error}") from None
        return items
    return list(items_of_json(document))


def items_of_lines(lines: Iterable[str]) -> Iterator[Item]:
    """The records of JSON lines read one line at a time, in constant memory; a line that is not
    JSON is skipped with the reason, and the rest are still read."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = _loads(line)
        except UnreadableInput as error:
            yield Skip(f"Line {number} is not JSON: {error}")
            continue
        yield from items_of_json(document)


def items_of_html(html: str) -> Iterator[Item]:
    """The records of the JSON-LD scripts of an HTML page, read by extruct as crawlers read them.
    A script that is not JSON is one skipped record; the page's other scripts are still read."""
    # Imported here: extruct brings rdflib and html5lib, which only a page needs, not every
    # process that imports this module (the web workers, for the search).
    from extruct.jsonld import JsonLdExtractor
    from extruct.utils import parse_html

    try:
        tree = parse_html(html.encode(), encoding="UTF-8")
    except ValueError as error:
        raise UnreadableInput(f"The HTML cannot be parsed: {error}") from None
    if tree is None:
        return
    extractor = JsonLdExtractor()
    for number, script in enumerate(tree.xpath('//script[@type="application/ld+json"]'), start=1):
        try:
            found = extractor.extract_items(script)
        except (ValueError, RecursionError) as error:
            yield Skip(f"JSON-LD script {number} of the page is not JSON: {_short(error)}")
            continue
        yield from items_of_json(found)


def items_of_json(document: Any) -> Iterator[Item]:
    """The records of a JSON(-LD) document: each ClaimReview node, or a Skip for a top-level item
    that holds none."""
    for item in _top_level(document):
        reviews = list(_claim_reviews_in(item))
        if reviews:
            yield from reviews
        else:
            kind = _type_names(item) if isinstance(item, dict) else []
            what = f"@type {', '.join(kind)}" if kind else "no @type"
            yield Skip(
                f"Not a ClaimReview ({what}).", url=_text(item.get("url")) if isinstance(item, dict) else None
            )


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableInput(
            f"Not JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    except RecursionError:
        raise UnreadableInput("Not JSON we can read: it is nested too deeply.") from None


def _top_level(document: Any) -> Iterator[Any]:
    """The items of a list (nested lists flattened) or of an `@graph`, or the document itself."""
    stack = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, list):
            stack.extend((child, depth + 1) for child in reversed(node))
        elif isinstance(node, dict) and isinstance(node.get("@graph"), list) and not _is_claim_review(node):
            stack.extend((child, depth + 1) for child in reversed(node["@graph"]))
        else:
            yield node


def _claim_reviews_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every ClaimReview node in `node`, itself included, in document order; not those inside a
    ClaimReview (its `itemReviewed` is the claim, not another review)."""
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(current, dict):
            if _is_claim_review(current):
                yield current
                continue
            stack.extend((child, depth + 1) for child in reversed(list(current.values())))
        elif isinstance(current, list):
            stack.extend((child, depth + 1) for child in reversed(current))


def _type_names(node: dict[str, Any]) -> list[str]:
    """`@type` as plain names: `ClaimReview`, `schema:ClaimReview` and
    `http://schema.org/ClaimReview` are all `ClaimReview`."""
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return [re.split(r"[/:#]", name)[-1] for name in names if isinstance(name, str) and name]


def _is_claim_review(node: dict[str, Any]) -> bool:
    return any(name.lower() == "claimreview" for name in _type_names(node))


# --- one record -------------------------------------------------------------------------------


def normalise(record: dict[str, Any], *, base_url: str | None = None) -> dict[str, Any] | Skip:
    """`review_import`'s arguments from a ClaimReview node, or why it is skipped."""
    raw_url = _text(record.get("url"))
    if raw_url is None:
        return Skip("The record has no `url`: a review is known by its URL.")
    url = urljoin(base_url, raw_url) if base_url else raw_url
    if not _is_web_url(url):
        return Skip(f"The record's `url` is not an absolute http(s) URL: {raw_url[:200]!r}.", url=raw_url)
    claim = _text(record.get("claimReviewed"))
    if claim is None:
        return Skip("The record has no `claimReviewed`: no claim to show.", url=url)

    publisher = _publisher(record)
    publisher_url = _text(publisher.get("url"))
    site = site_of(publisher_url) if publisher_url and _is_web_url(publisher_url) else None
    item = _first_node(record.get("itemReviewed"))
    claimant = _first_node(item.get("author")) or _first_node(item.get("creator"))
    rating = _first_node(record.get("reviewRating"))
    fields = {
        "url": url,
        "claim_reviewed": claim,
        "publisher_name": _text(publisher.get("name")) or "",
        "publisher_site": site or site_of(url),
        "claimant": _text(claimant.get("name")) or "",
        "claim_date": parse_when(item.get("datePublished")) or _appearance_date(item),
        "title": _text(record.get("name")) or _text(record.get("headline")) or "",
        "rating_label": _text(rating.get("alternateName")) or "",
        "rating_value": parse_number(rating.get("ratingValue")),
        "best_rating": parse_number(rating.get("bestRating")),
        "worst_rating": parse_number(rating.get("worstRating")),
        "review_date": parse_when(record.get("datePublished")),
        "language": _language(record.get("inLanguage")),
    }
    for name, value in fields.items():
        if isinstance(value, str) and UNSTORABLE.search(value):
            return Skip(f"The record's {name} holds a NUL or a lone surrogate, which is no text.", url=url)
    return fields


def _text(value: Any) -> str | None:
    """A string value, stripped (a label with a trailing `\\r` is the label); the first of a list
    of them; None for anything else or nothing but spaces."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, dict):
        value = value.get("@value") if "@value" in value else value.get("@id")
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _first_node(value: Any) -> dict[str, Any]:
    """A node, or the first node of a list; `{"name": value}` for a plain name; `{}` for none."""
    if isinstance(value, list):
        nodes = [_first_node(v) for v in value]
        return next((n for n in nodes if n), {})
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        return {"name": value}
    return {}


def _publisher(record: dict[str, Any]) -> dict[str, Any]:
    """The fact-checking organisation: the first Organization among the authors, else the first
    author, else the `publisher`."""
    authors = record.get("author")
    candidates = authors if isinstance(authors, list) else [authors]
    nodes = [node for node in map(_first_node, candidates) if node]
    organisations = [node for node in nodes if "Organization" in _type_names(node)]
    return (organisations or nodes or [_first_node(record.get("publisher"))])[0]


def _appearance_date(item: dict[str, Any]) -> datetime | None:
    for key in ("firstAppearance", "appearance"):
        when = parse_when(_first_node(item.get(key)).get("datePublished"))
        if when is not None:
            return when
    return None


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        web = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        # No spaces or control characters: an escape sequence in a URL would reach terminals.
        return web and not re.search(r"[\s\x00-\x1f\x7f]", url)
    except ValueError:  # a malformed port or IPv6 host
        return False


def site_of(url: str) -> str:
    """The host, as Google's API names a publisher's site: lower case, without `www.`."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def _language(value: Any) -> str:
    node = _first_node(value)
    for candidate in (node.get("alternateName"), node.get("name")):
        tag = _text(candidate)
        if tag and len(tag) <= 35 and LANGUAGE_TAG.match(tag):
            return tag
    return ""


def parse_when(value: Any) -> datetime | None:
    """An ISO 8601 date or time as published (`2020-07-05`, `2020-06-23 20:02`,
    `2020-03-27T10:46:13+0200`), in UTC; without a zone, taken as UTC. None if it is none."""
    text = _text(value)
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse_number(value: Any) -> float | None:
    """A rating's number, sent as a number or as text (`"4"`, `"4.5"`); None for none or for
    anything else (`""`, `"false"`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and abs(value) < 1e15:
        return float(value)
    return None


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


# --- importing --------------------------------------------------------------------------------


def import_items(items: Iterable[Item], *, base_url: str | None = None) -> Iterator[RecordReport]:
    """Import each record, and say what became of it. Records are read and written BATCH at a
    time (`review_import_many`), so a long stream costs a few statements per batch, not per
    record, and is never held whole."""
    batch: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        fields = item if isinstance(item, Skip) else normalise(item, base_url=base_url)
        if isinstance(fields, Skip):
            yield from _stored(batch)
            batch.clear()
            yield RecordReport(index, fields.url, SKIPPED, reason=fields.reason)
            continue
        batch.append((index, fields))
        if len(batch) >= BATCH:
            yield from _stored(batch)
            batch.clear()
    yield from _stored(batch)


def _stored(batch: list[tuple[int, dict[str, Any]]]) -> Iterator[RecordReport]:
    if not batch:
        return
    outcomes = review_import_many(records=[fields for _, fields in batch])
    for (index, fields), result in zip(batch, outcomes, strict=True):
        if isinstance(result, ValidationFailed):
            yield RecordReport(index, fields["url"], SKIPPED, reason=result.detail)
        else:
            review, outcome = result
            yield RecordReport(index, review.url, outcome.value, id=review.pk)
