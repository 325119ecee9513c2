"""Who may do what, for every endpoint and every kind of caller (OWASP API Security Top 10, 2023:
broken object-level, function-level and property-level authorization; broken authentication)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from claims.accounts.services import token_revoke
from claims.models import ApiToken, Article, Claim, ClaimEvent
from claims.services.claims import claim_update
from claims.services.evidence import evidence_add
from tests.helpers import ARTICLES, CLAIMS, assert_problem, claim_url, client_with, etag_of, make_token

CALLERS = ["anonymous", "expired", "revoked", "no_role", "client", "editor", "admin"]

# (name, method, path template, body): every endpoint of /api/v1/.
ENDPOINTS = [
    ("list articles", "get", ARTICLES, None),
    ("read article", "get", ARTICLES + "{article}/", None),
    ("create article", "post", ARTICLES, {"headline": "New", "body": "Fresh text."}),
    ("list claims", "get", CLAIMS, None),
    ("read claim", "get", CLAIMS + "{claim}/", None),
    (
        "create claim",
        "post",
        CLAIMS,
        {"article": "{article}", "quote": "fell again", "claimant": "X"},
    ),
    ("change claim", "patch", CLAIMS + "{claim}/", {"status": "in_review"}),
    ("delete claim", "delete", CLAIMS + "{claim}/", None),
    ("read history", "get", CLAIMS + "{claim}/history/", None),
    ("add evidence", "post", CLAIMS + "{claim}/evidence/", {"url": "https://example.com/e"}),
]
READS = {"list articles", "read article", "list claims", "read claim"}
SUCCESS = {
    "list articles": 200, "read article": 200, "create article": 201, "list claims": 200, "read claim": 200,
    "create claim": 201, "change claim": 200, "delete claim": 204, "read history": 200, "add evidence": 201,
}  # fmt: skip


def expected_status(caller, endpoint):
    if caller in {"anonymous", "expired", "revoked"}:
        return 401
    if caller == "no_role":
        return 403
    if caller == "client":
        return SUCCESS[endpoint] if endpoint in READS else 403
    return SUCCESS[endpoint]


@pytest.fixture
def caller_client(request, db):
    def build(kind):
        if kind == "anonymous":
            return client_with(None)
        role = {"client": "client", "no_role": "client"}.get(kind, "editor")
        token = make_token(f"user-{kind}", role)
        if kind == "expired":
            ApiToken.objects.filter(user__username=f"user-{kind}").update(
                expires_at=timezone.now() - timedelta(minutes=1)
            )
        if kind == "revoked":
            token_revoke(username=f"user-{kind}")
        if kind == "no_role":
            from django.contrib.auth.models import Group

            Group.objects.get(name="client").user_set.clear()
        if kind == "admin":
            from django.contrib.auth import get_user_model

            get_user_model().objects.filter(username=f"user-{kind}").update(is_superuser=True)
        return client_with(token)

    return build


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("endpoint", "method", "path", "body"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_every_caller_on_every_endpoint(
    caller_client, make_claim, alice, caller, endpoint, method, path, body
):
    claim = make_claim()
    names = {"article": claim.article_id, "claim": claim.pk}
    url = path.format(**names)
    data = {k: (names["article"] if v == "{article}" else v) for k, v in (body or {}).items()}
    headers = {"HTTP_IF_MATCH": etag_of(alice, claim)} if method in {"patch", "delete"} else {}
    before = (Article.objects.count(), Claim.objects.count(), ClaimEvent.objects.count())

    response = getattr(caller_client(caller), method)(url, data or None, format="json", **headers)

    expected = expected_status(caller, endpoint)
    if expected >= 400:
        body = assert_problem(response, expected)
        if expected == 401:
            assert response["WWW-Authenticate"].startswith("Bearer")
        # A refused request changes nothing.
        assert (Article.objects.count(), Claim.objects.count(), ClaimEvent.objects.count()) == before
        assert body["detail"]
    else:
        assert response.status_code == expected, response.content


def test_client_responses_never_carry_draft_verdicts_anywhere(bob, make_claim, alice_user, search_path):
    draft = make_claim("fell again in April", status="in_review")
    claim_update(
        actor=alice_user, claim_id=draft.pk, expected_versions=None, rating="false", summary="SECRET-DRAFT"
    )
    evidence_add(actor=alice_user, claim_id=draft.pk, url="https://example.com/secret-source")
    pages = [
        bob.get(CLAIMS),
        bob.get(claim_url(draft)),
        bob.get(CLAIMS, {"q": "SECRET-DRAFT"}),
        bob.get(CLAIMS, {"rating": "false"}),
        bob.get(CLAIMS, {"ordering": "-updated_at"}),
        bob.get(f"{ARTICLES}{draft.article_id}/"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert "SECRET-DRAFT" not in text
        assert "secret-source" not in text
        assert '"false"' not in text


def test_creating_a_claim_cannot_set_its_status_verdict_or_version(alice, article):
    response = alice.post(
        CLAIMS,
        {
            "article": article.pk, "quote": "fell again", "claimant": "X", "status": "published",
            "rating": "true", "summary": "pre-approved", "version": 99, "id": 12345,
            "published_at": "2020-01-01T00:00:00Z", "created_at": "2000-01-01T00:00:00Z",
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 201
    row = Claim.objects.get()
    assert (row.status, row.rating, row.summary, row.version) == ("pending", None, "", 1)
    assert row.pk != 12345
    assert row.published_at is None
    assert row.created_at.year == timezone.now().year


def test_creating_an_article_cannot_set_its_id_or_timestamps(alice):
    response = alice.post(
        ARTICLES,
        {"headline": "H", "body": "B", "id": 777, "claim_count": 5, "created_at": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201
    row = Article.objects.get()
    assert row.pk != 777
    assert row.created_at.year == timezone.now().year
    assert response.json()["claim_count"] == 0


def test_a_client_cannot_reach_history_even_of_a_published_claim(bob, make_claim):
    claim = make_claim(status="published")
    assert_problem(bob.get(f"{claim_url(claim)}history/"), 403)
