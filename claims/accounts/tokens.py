"""API tokens: random, shown once, stored as a SHA-256 digest and found by a short prefix.

A token is `ct_<prefix>_<secret>`. The prefix (8 hex characters) is stored in the clear to find
the row; the secret never is. The tokens are 256 bits of randomness, so a fast hash is enough:
no password-style stretching is needed, and a digest copied out of a database dump does not
authenticate.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

TOKEN_RE = re.compile(r"\Act_(?P<prefix>[0-9a-f]{8})_(?P<secret>[A-Za-z0-9_-]{43})\Z")


@dataclass(frozen=True)
class NewToken:
    prefix: str
    digest: str
    plaintext: str


def token_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def generate_token() -> NewToken:
    prefix = secrets.token_hex(4)
    plaintext = f"ct_{prefix}_{secrets.token_urlsafe(32)}"
    return NewToken(prefix=prefix, digest=token_digest(plaintext), plaintext=plaintext)


def parse_prefix(plaintext: str) -> str | None:
    """The lookup prefix of a well-formed token, or None for anything else."""
    match = TOKEN_RE.match(plaintext)
    return match["prefix"] if match else None


def digest_matches(plaintext: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(plaintext), digest)
