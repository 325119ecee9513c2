"""Shared fixtures: named actors with real tokens, and API clients that send them.

alice is an editor, bob a client, carol has a token but no role, and root is a superuser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.models import Article, Claim
from claims.services.articles import article_create
from claims.services.claims import claim_create, claim_update
from tests.helpers import client_with, make_token


@pytest.fixture
def alice_token(db: Any) -> str:
    return make_token("alice", "editor")


@pytest.fixture
def bob_token(db: Any) -> str:
    return make_token("bob", "client")


@pytest.fixture
def alice(alice_token: str) -> APIClient:
    """An editor."""
    return client_with(alice_token)


@pytest.fixture
def bob(bob_token: str) -> APIClient:
    """A client (read-only partner)."""
    return client_with(bob_token)


@pytest.fixture
def carol(db: Any) -> APIClient:
    """A valid token whose user has no role at all."""
    from django.contrib.auth.models import Group

    token = make_token("carol", "client")
    Group.objects.get(name="client").user_set.clear()
    return client_with(token)


@pytest.fixture
def root(db: Any) -> APIClient:
    """A superuser (admin)."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    return client_with(make_token("root", "client"))


@pytest.fixture
def anonymous() -> APIClient:
    return client_with(None)


@pytest.fixture
def alice_user(alice_token: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="alice")


BODY = (
    "The minister said unemployment fell to 4.2% in March. "
    "Critics say the figure hides part-time work. "
    "The minister said unemployment fell again in April."
)


@pytest.fixture
def article(db: Any) -> Article:
    return article_create(
        headline="Jobs figures",
        author="Ann Writer",
        outlet="The Daily",
        body=BODY,
        url="https://example.com/jobs",
    )


@pytest.fixture
def make_claim(article: Article, alice_user: Any) -> Callable[..., Claim]:
    """Create a claim through the service, optionally walking it to a status."""

    def make(
        quote: str = "unemployment fell to 4.2% in March",
        *,
        status: str = "pending",
        claimant: str = "The minister",
        rating: str = "true",
        summary: str = "Checked.",
        target: Article | None = None,
        **anchor: int,
    ) -> Claim:
        claim = claim_create(
            actor=alice_user, article_id=(target or article).pk, quote=quote, claimant=claimant, **anchor
        )
        steps: dict[str, list[dict[str, Any]]] = {
            "pending": [],
            "in_review": [{"status": "in_review"}],
            "not_checkable": [{"status": "not_checkable"}],
            "published": [
                {"status": "in_review", "rating": rating, "summary": summary},
                {"status": "published"},
            ],
        }
        for step in steps[status]:
            claim = claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, **step)
        return claim

    return make


@pytest.fixture
def demo(db: Any) -> Article:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Article.objects.get()


@pytest.fixture(params=["ordered", "index", "walk"])
def search_path(request: Any, db: Any, monkeypatch: Any) -> str:
    """Each way a claim search's page is found (claims.selectors.claims): read in id order from
    the RUM indexes of migration 0015, taken from the text index with its ids sorted, or found by
    walking the id order. The last two run with the RUM indexes dropped (in the test's
    transaction), as on a PostgreSQL without the extension. SQLite has one way, the walk."""
    from django.db import connection

    from claims.platform.db.ordered_search import ORDERED_VECTORS
    from claims.platform.db.planner import ROW_ESTIMATES
    from claims.selectors import claims as selector

    if connection.vendor != "postgresql" and request.param != "walk":
        pytest.skip("SQLite searches one way")
    ORDERED_VECTORS.clear()
    ROW_ESTIMATES.clear()
    if request.param == "ordered":
        if connection.vendor == "postgresql" and not ordered_indexes():
            pytest.skip("this PostgreSQL has no RUM extension (docs/PERFORMANCE.md)")
        monkeypatch.setattr(selector, "ORDERED_TO_WALK_COST", 1e12)
        if connection.vendor == "postgresql":
            # A test's table is small enough to scan and sort: make the planner read the indexes.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
    else:
        drop_ordered_indexes()
        monkeypatch.setattr(selector, "WALK_TO_INDEX_COST", 1e12 if request.param == "index" else 0.0)
    return str(request.param)


def drop_ordered_indexes() -> None:
    """Drop the claims' RUM indexes in the test's transaction (its rollback restores them)."""
    from django.db import connection

    from claims.platform.db.ordered_search import ORDERED_VECTORS

    with connection.cursor() as cursor:
        for name in ordered_indexes():
            cursor.execute(f'DROP INDEX "{name}"')
    ORDERED_VECTORS.clear()


def ordered_indexes() -> list[str]:
    """The names of the claims' RUM indexes (migration 0015), none on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename = 'claims_claim' AND indexdef LIKE '%USING rum%'"
        )
        return sorted(name for (name,) in cursor.fetchall())


@pytest.fixture(autouse=True)
def _forget_ordered_indexes() -> Iterator[None]:
    """Which RUM indexes exist is kept a minute per process; a test that drops them in its
    transaction must not leave the next test believing them gone."""
    from claims.platform.db.ordered_search import ORDERED_VECTORS

    yield
    ORDERED_VECTORS.clear()


@pytest.fixture(autouse=True)
def _forget_rate_limit_state() -> Iterator[None]:
    """Addresses seen over their quota are refused for the rest of their window, and hits claimed
    ahead are spent without asking the store, per process; neither may reach into the next test,
    whose counters start from nothing."""
    from claims.platform.ratelimit import LEASES, OVER_QUOTA

    OVER_QUOTA.clear()
    LEASES.clear()
    yield
    OVER_QUOTA.clear()
    LEASES.clear()
