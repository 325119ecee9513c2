"""Entity tags for claims: `"<id>-<version>"`, strong, changing with every version.

`If-Match` uses the strong comparison and `If-None-Match` the weak one (RFC 9110, 13.1.1-2).
"""

from __future__ import annotations

import re

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*')


def etag_for(claim_id: int, version: int) -> str:
    return f'"{claim_id}-{version}"'


def _parse(header: str) -> tuple[bool, list[tuple[bool, str]]]:
    """(is `*`, [(weak, opaque tag)]); malformed members are dropped, so they match nothing."""
    if header.strip() == "*":
        return True, []
    tags = []
    for member in header.split(","):
        match = _TAG.fullmatch(member)
        if match:
            tags.append((bool(match[1]), match[2]))
    return False, tags


def versions_matching(header: str, claim_id: int) -> frozenset[int] | None:
    """The versions an `If-Match` header accepts for this claim, by strong comparison; None for
    `*` (any version). Weak and malformed tags accept nothing, so they fail the precondition."""
    anything, tags = _parse(header)
    if anything:
        return None
    versions = set()
    for weak, opaque in tags:
        claim_part, _, version = opaque.partition("-")
        if (
            not weak
            and claim_part == str(claim_id)
            and version.isascii()
            and version.isdigit()
            and len(version) < 19
        ):
            versions.add(int(version))
    return frozenset(versions)


def none_match(header: str, claim_id: int, version: int) -> bool:
    """True when `If-None-Match` names the claim's current tag (weak comparison) or is `*`."""
    anything, tags = _parse(header)
    current = etag_for(claim_id, version).strip('"')
    return anything or any(opaque == current for _, opaque in tags)
