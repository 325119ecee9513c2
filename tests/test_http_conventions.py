"""HTTP as real clients meet it: trailing slashes, caching headers and ETags per representation,
chunked and large bodies, parameters given twice or empty, unknown fields, rate-limit headers,
forged input that must never be a 500, and the API's front door."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection

from claims.models import Article, Claim, Evidence
from claims.services.articles import article_update
from tests.helpers import ARTICLES, CLAIMS, assert_problem, claim_url, client_with, etag_of


def new_article(**fields):
    return {"headline": "Jobs", "body": "Unemployment fell to 4.2% in March.", **fields}


# --- a path without its trailing slash ------------------------------------------------------------


def test_a_post_without_the_trailing_slash_creates_the_article(alice):
    response = alice.post(ARTICLES.rstrip("/"), new_article(), format="json")
    assert response.status_code == 201, response.content
    assert Article.objects.count() == 1


def test_a_patch_without_the_trailing_slash_changes_the_claim(alice, make_claim):
    claim = make_claim()
    response = alice.patch(
        claim_url(claim).rstrip("/"),
        {"claimant": "Someone"},
        format="json",
        HTTP_IF_MATCH=etag_of(alice, claim),
    )
    assert response.status_code == 200, response.content
    assert Claim.objects.get().claimant == "Someone"


@pytest.mark.parametrize("path", [CLAIMS, ARTICLES, "/api/v1/"])
def test_a_get_without_the_trailing_slash_is_served_not_redirected(alice, path):
    response = alice.get(path.rstrip("/"))
    assert response.status_code == 200
    assert response.json() == alice.get(path).json()


def test_a_path_that_exists_with_neither_form_is_a_404_problem(alice):
    assert_problem(alice.post("/api/v1/nothing-here", {}, format="json"), 404)


# --- ETags and caches ---------------------------------------------------------------------------


def test_a_clients_and_an_editors_view_of_a_claim_never_share_a_tag(alice, bob, make_claim):
    claim = make_claim(status="published")
    editors, clients = alice.get(claim_url(claim)), bob.get(claim_url(claim))
    assert editors.json() == clients.json()  # a published claim looks the same to both...
    assert editors["ETag"] != clients["ETag"]  # ...but they are two representations
    # A client replaying the editor's tag gets the client's body, not a 304.
    replay = bob.get(claim_url(claim), HTTP_IF_NONE_MATCH=editors["ETag"])
    assert replay.status_code == 200
    assert bob.get(claim_url(claim), HTTP_IF_NONE_MATCH=clients["ETag"]).status_code == 304


def test_an_editor_cannot_patch_with_a_clients_tag(alice, bob, make_claim):
    claim = make_claim()
    response = alice.patch(
        claim_url(claim), {"claimant": "X"}, format="json", HTTP_IF_MATCH=bob.get(claim_url(claim))["ETag"]
    )
    assert_problem(response, 412)


@pytest.mark.parametrize("path", [CLAIMS, ARTICLES, "{article}", "{claim}", "{history}"])
def test_every_authenticated_answer_is_private_and_varies_with_the_token(alice, make_claim, article, path):
    claim = make_claim()
    path = path.format(
        article=f"{ARTICLES}{article.pk}/", claim=claim_url(claim), history=f"{claim_url(claim)}history/"
    )
    response = alice.get(path)
    assert response.status_code == 200
    assert "Authorization" in response["Vary"]
    assert "private" in response["Cache-Control"]
    assert response["ETag"].startswith('"')


@pytest.mark.parametrize("path", [CLAIMS, ARTICLES, "{article}", "{history}"])
def test_lists_and_articles_answer_a_matching_if_none_match_with_304(
    alice, make_claim, article, path, alice_user
):
    claim = make_claim()
    path = path.format(article=f"{ARTICLES}{article.pk}/", history=f"{claim_url(claim)}history/")
    first = alice.get(path)
    again = alice.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again.content == b""
    # Once something in it changes, the tag does too.
    alice.patch(claim_url(claim), {"claimant": "Changed"}, format="json", HTTP_IF_MATCH=etag_of(alice, claim))
    article_update(actor=alice_user, article_id=article.pk, headline="Changed")
    assert alice.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("tag", ['"{id}-01-e"', '"{id}-1-E"', '"0{id}-1-e"', 'W/"{id}-1-e"', '"{id}-1"'])
def test_if_match_compares_tags_as_exact_strings(alice, make_claim, tag):
    claim = make_claim()
    assert etag_of(alice, claim) == f'"{claim.pk}-1-e"'
    response = alice.patch(
        claim_url(claim), {"claimant": "X"}, format="json", HTTP_IF_MATCH=tag.format(id=claim.pk)
    )
    assert_problem(response, 412)


def test_adding_evidence_answers_with_the_claims_new_tag(alice, make_claim):
    claim = make_claim()
    added = alice.post(f"{claim_url(claim)}evidence/", {"url": "https://example.com/a"}, format="json")
    assert added.status_code == 201
    assert added["ETag"] == etag_of(alice, claim)
    # ... which the next PATCH can use straight away.
    response = alice.patch(claim_url(claim), {"claimant": "X"}, format="json", HTTP_IF_MATCH=added["ETag"])
    assert response.status_code == 200


def test_adding_evidence_with_a_stale_if_match_is_412_and_adds_nothing(alice, make_claim):
    claim = make_claim()
    stale = etag_of(alice, claim)
    alice.patch(claim_url(claim), {"claimant": "X"}, format="json", HTTP_IF_MATCH=stale)
    response = alice.post(
        f"{claim_url(claim)}evidence/", {"url": "https://example.com/a"}, format="json", HTTP_IF_MATCH=stale
    )
    assert_problem(response, 412)
    assert not Evidence.objects.exists()


def test_the_public_schema_says_a_shared_cache_may_keep_it(anonymous, db):
    response = anonymous.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")


# --- bodies -------------------------------------------------------------------------------------


def test_a_hundred_thousand_emoji_sent_as_escaped_json_fit(alice):
    body = "\U0001f30d" * 100_000
    payload = json.dumps(new_article(body=body))  # ensure_ascii: 12 bytes a character, as requests sends
    assert len(payload) > 1_200_000
    response = alice.generic("POST", ARTICLES, payload, content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    assert Article.objects.get().body == body


def test_a_field_the_resource_does_not_have_is_a_400_naming_it(alice, make_claim):
    claim = make_claim()
    response = alice.patch(
        claim_url(claim), {"stauts": "in_review"}, format="json", HTTP_IF_MATCH=etag_of(alice, claim)
    )
    body = assert_problem(response, 400, errors_on="stauts")
    assert "stauts" in body["detail"]
    assert Claim.objects.get().version == 1


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        (ARTICLES, new_article(bodyy="x")),
        (CLAIMS, {"quote": "x", "claimant": "y", "article": 1, "prefix": "z"}),
    ],
    ids=["article", "claim"],
)
def test_an_unknown_field_in_a_new_resource_is_a_400(alice, path, payload):
    response = alice.post(path, payload, format="json")
    assert_problem(response, 400, errors_on=[k for k in payload if k in {"bodyy", "prefix"}])


@pytest.mark.parametrize("field", ["status", "rating", "claimant"])
def test_a_lone_surrogate_in_a_string_is_a_400(alice, make_claim, field):
    claim = make_claim()
    response = alice.generic(
        "PATCH",
        claim_url(claim),
        json.dumps({field: "X"}).replace("X", "\\ud800"),
        content_type="application/json",
        HTTP_IF_MATCH=etag_of(alice, claim),
    )
    assert_problem(response, 400)
    assert Claim.objects.get().version == 1


# --- query parameters -----------------------------------------------------------------------------


def test_format_is_an_unknown_parameter_and_ignored(alice, demo):
    response = alice.get(CLAIMS, {"format": "xml"})
    assert response.status_code == 200
    assert response.json() == alice.get(CLAIMS).json()


@pytest.mark.parametrize("param", ["status", "article", "q", "page_size"])
def test_a_parameter_given_twice_is_a_400_naming_it(alice, demo, param):
    response = alice.get(f"{CLAIMS}?{param}=1&{param}=2")
    body = assert_problem(response, 400, errors_on=param)
    assert "twice" in body["errors"][param][0] or "2 times" in body["errors"][param][0]


def forged(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"q": "minister"}, [2**63]),
        ({"q": "minister"}, [-1]),
        ({}, [10**30]),
        ({"ordering": "-updated_at"}, ["0001-01-01T00:00:00+05:00", 1]),
        ({"ordering": "-updated_at"}, ["9999-12-31T23:59:59-05:00", 1]),
        ({"ordering": "-updated_at"}, ["2020-01-01T00:00:00", 1]),  # no zone
    ],
    ids=["id-past-int64", "negative-id", "huge-id", "year-0-in-utc", "year-10000-in-utc", "naive"],
)
def test_a_forged_cursor_is_a_400_never_a_500(alice, make_claim, params, key):
    make_claim()
    ordering = params.get("ordering", "id")
    cursor = forged({"o": ordering, "r": False, "k": key})
    assert_problem(alice.get(CLAIMS, {**params, "cursor": cursor}), 400, errors_on="cursor")


# --- the front door and rate-limit headers -----------------------------------------------------------


def test_the_api_index_links_to_everything_without_a_token(anonymous, db):
    response = anonymous.get("/api/v1/")
    assert response.status_code == 200
    links = response.json()
    assert links["claims"].endswith(CLAIMS)
    assert links["articles"].endswith(ARTICLES)
    assert anonymous.get(links["schema"].replace("http://testserver", "")).status_code == 200


def test_a_successful_answer_says_how_much_of_the_quota_is_left(settings, bob_token):
    settings.RATE_LIMIT_TOKEN = "5/day"
    settings.RATE_LIMIT_ADDRESS = "1000/day"
    bob = client_with(bob_token)
    first, second = bob.get(CLAIMS), bob.get(CLAIMS)
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("5", "4")
    assert (second["RateLimit-Limit"], second["RateLimit-Remaining"]) == ("5", "3")
    assert 1 <= int(second["RateLimit-Reset"]) <= 86400


def test_the_address_limit_holds_under_a_script_name(settings, bob_token):
    """Deployed under a sub-path, the address limit still applies to the API."""
    settings.RATE_LIMIT_ADDRESS = "2/day"
    bob = client_with(bob_token)
    address = {"REMOTE_ADDR": "10.9.8.7", "SCRIPT_NAME": "/desk"}
    assert [bob.get(CLAIMS, **address).status_code for _ in range(2)] == [200, 200]
    assert_problem(bob.get(CLAIMS, **address), 429)


# --- CORS -----------------------------------------------------------------------------------------


@pytest.fixture
def partner(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]
    return "https://partner.example"


def test_a_preflight_needs_no_token(anonymous, db, partner):
    response = anonymous.options(
        CLAIMS,
        HTTP_ORIGIN=partner,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-match, content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == partner
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "if-match" in allowed


def test_a_listed_origin_may_read_the_etag_of_an_answer(bob, make_claim, partner):
    claim = make_claim()
    response = bob.get(claim_url(claim), HTTP_ORIGIN=partner)
    assert response["Access-Control-Allow-Origin"] == partner
    assert "etag" in response["Access-Control-Expose-Headers"].lower()


def test_an_unlisted_origin_gets_no_cors_headers(bob, make_claim, partner):
    response = bob.get(CLAIMS, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_a_star_opens_only_the_public_endpoints_to_any_origin(settings, bob, anonymous, db):
    settings.CORS_ALLOWED_ORIGINS = []
    settings.CORS_PUBLIC_ANY_ORIGIN = True
    public = anonymous.get("/api/schema/?format=json", HTTP_ORIGIN="https://anyone.example")
    assert public["Access-Control-Allow-Origin"] == "https://anyone.example"
    tokened = bob.get(CLAIMS, HTTP_ORIGIN="https://anyone.example")
    assert "Access-Control-Allow-Origin" not in tokened


# --- a chunked body through a real server ------------------------------------------------------


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """The service under gunicorn (which marks where a chunked body ends), on this test's
    PostgreSQL database."""
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database cannot be shared with a server process")
    from tests.faults.harness import Service

    db = connection.settings_dict
    service = Service(
        f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}", logdir=tmp_path, name="web"
    )
    service.start()
    yield service
    service.stop()


def chunked(service, method: str, path: str, token: str, payload: bytes, headers: dict | None = None):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    sent = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})}
    conn.request(
        method,
        path,
        body=iter([payload[i : i + 8192] for i in range(0, len(payload), 8192)]),
        headers=sent,
        encode_chunked=True,
    )
    response = conn.getresponse()
    return response.status, response.read()


def test_a_chunked_patch_is_read_whole(gunicorn, alice_token, make_claim, alice):
    claim = make_claim()
    status, body = chunked(
        gunicorn,
        "PATCH",
        claim_url(claim),
        alice_token,
        b'{"claimant": "Chunked"}',
        {"If-Match": etag_of(alice, claim)},
    )
    assert status == 200, body
    assert Claim.objects.get().claimant == "Chunked"


def test_a_chunked_body_over_the_limit_is_413(gunicorn, alice_token):
    payload = json.dumps(new_article(body="x" * (3 * 1024 * 1024))).encode()
    status, body = chunked(gunicorn, "POST", ARTICLES, alice_token, payload)
    assert status == 413, body
    assert not Article.objects.exists()


# --- the admin's login form and a counter store that hangs ---------------------------------------


def test_admin_logins_are_limited_per_username_whatever_the_password(settings, db, client):
    from django.contrib.auth import get_user_model

    settings.RATE_LIMIT_LOGIN = "3/day"
    get_user_model().objects.create_superuser("dora", "dora@example.com", "right-password")
    for attempt in range(3):
        address = {"REMOTE_ADDR": f"10.1.1.{attempt}"}  # a new address each time: the username counts
        wrong = client.post("/admin/login/", {"username": "dora", "password": "wrong"}, **address)
        assert wrong.status_code == 200  # the form again, with its error
    refused = client.post(
        "/admin/login/", {"username": "dora", "password": "right-password"}, REMOTE_ADDR="10.1.1.9"
    )
    assert_problem(refused, 429)
    assert int(refused["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session


def test_admin_logins_are_limited_per_address(settings, db, client):
    settings.RATE_LIMIT_LOGIN = "2/day"
    for name in ("eve", "frank"):
        client.post("/admin/login/", {"username": name, "password": "guess"}, REMOTE_ADDR="10.2.2.2")
    assert_problem(
        client.post("/admin/login/", {"username": "gus", "password": "guess"}, REMOTE_ADDR="10.2.2.2"), 429
    )
    other = client.post("/admin/login/", {"username": "gus", "password": "guess"}, REMOTE_ADDR="10.2.2.3")
    assert other.status_code == 200


def test_a_hanging_counter_store_is_asked_once_then_left_alone(settings, bob_token):
    """A Redis that accepts connections and never answers: the first request waits for a short
    timeout and passes; the next ones pass without asking it at all."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    settings.REDIS_URL = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    settings.RATE_LIMIT_TOKEN = "1/day"
    try:
        bob = client_with(bob_token)
        assert [bob.get(CLAIMS).status_code for _ in range(4)] == [200] * 4
        assert len(accepted) == 1
    finally:
        listener.close()
        for conn in accepted:
            conn.close()
