"""Entity tags (RFC 9110, 8.8.3) and the conditional headers that carry them.

A claim's tag is `"<id>-<version>-<view>"`: strong, changing with every version, and different
for each representation of the claim (`e` for the editors' view with draft verdicts, `c` for the
clients'), so a cache or a client can never take one view's body for the other's.

`If-Match` uses the strong comparison and `If-None-Match` the weak one (RFC 9110, 13.1.1-2).
Tags are compared as the exact strings they are: `"2-01"` is not `"2-1"`.
"""

from __future__ import annotations

import re

from django.utils.http import parse_etags

EDITORS_VIEW = "e"
CLIENTS_VIEW = "c"
_CLAIM_TAG = re.compile(r'"(?P<id>[1-9][0-9]{0,18})-(?P<version>[1-9][0-9]{0,18})-(?P<view>[ce])"')


def view_of(*, drafts_visible: bool) -> str:
    return EDITORS_VIEW if drafts_visible else CLIENTS_VIEW


def claim_etag(claim_id: int, version: int, *, drafts_visible: bool) -> str:
    return f'"{claim_id}-{version}-{view_of(drafts_visible=drafts_visible)}"'


def versions_matching(header: str, claim_id: int, *, drafts_visible: bool) -> frozenset[int] | None:
    """The versions of the claim that an `If-Match` header accepts, for the viewer's own
    representation, by strong comparison; None for `*` (any version). Weak and malformed tags,
    and tags of another claim or another view, accept nothing, so they fail the precondition."""
    tags = parse_etags(header)
    if tags == ["*"]:
        return None
    view = view_of(drafts_visible=drafts_visible)
    versions = set()
    for tag in tags:
        match = _CLAIM_TAG.fullmatch(tag)
        if match and match["id"] == str(claim_id) and match["view"] == view:
            versions.add(int(match["version"]))
    return frozenset(versions)


def none_match(header: str, current: str) -> bool:
    """True when `If-None-Match` names the current tag (weak comparison) or is `*`."""
    tags = parse_etags(header)
    return tags == ["*"] or any(tag.removeprefix("W/") == current.removeprefix("W/") for tag in tags)


_ARTICLE_TAG = re.compile(r'"a(?P<id>[1-9][0-9]{0,18})-(?P<version>[1-9][0-9]{0,18})"')


def article_etag(article_id: int, version: int) -> str:
    """An article's tag, `"a<id>-<version>"`: one representation, whoever reads it."""
    return f'"a{article_id}-{version}"'


def article_versions_matching(header: str, article_id: int) -> frozenset[int] | None:
    """The article versions an `If-Match` header accepts (strong comparison); None for `*`."""
    tags = parse_etags(header)
    if tags == ["*"]:
        return None
    return frozenset(
        int(match["version"])
        for tag in tags
        if (match := _ARTICLE_TAG.fullmatch(tag)) and match["id"] == str(article_id)
    )
