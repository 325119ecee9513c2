"""POST /api/v1/articles/: who may create, what is stored, and every way a request is refused."""

from datetime import UTC, datetime

import pytest

from claims.models import Article
from tests.helpers import ARTICLES, assert_problem

BODY = "The minister said unemployment fell to 4.2% in March."
MISSING = object()


def new_article(**fields):
    """A valid article, changed by `fields`; a field set to MISSING is left out."""
    data = {"headline": "Jobs figures", "body": BODY, **fields}
    return {key: value for key, value in data.items() if value is not MISSING}


@pytest.mark.django_db
def test_an_editor_creates_an_article_and_is_told_where_it_lives(alice):
    sent = new_article(
        author="Ann Writer",
        outlet="The Daily",
        url="https://example.com/jobs",
        published_at="2019-12-05T10:00:00Z",
        language="pt-BR",
    )
    response = alice.post(ARTICLES, sent, format="json")

    assert response.status_code == 201, response.content
    article = Article.objects.get()
    assert response["Location"].endswith(f"{ARTICLES}{article.pk}/")
    body = response.json()
    assert body == {
        **sent,
        "id": article.pk,
        "claim_count": 0,
        "version": 1,
        "revision": 1,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["created_at"].endswith("Z")
    assert (article.headline, article.author, article.outlet, article.url, article.language) == (
        "Jobs figures",
        "Ann Writer",
        "The Daily",
        "https://example.com/jobs",
        "pt-BR",
    )
    assert article.published_at == datetime(2019, 12, 5, 10, tzinfo=UTC)
    assert article.body == BODY
    assert alice.get(response["Location"]).json() == body


@pytest.mark.django_db
def test_only_headline_and_body_are_required_and_the_rest_has_defaults(alice):
    response = alice.post(ARTICLES, new_article(), format="json")

    assert response.status_code == 201, response.content
    article = Article.objects.get()
    assert (article.author, article.outlet, article.url, article.published_at, article.language) == (
        "",
        "",
        None,
        None,
        "en",
    )
    body = response.json()
    assert (body["url"], body["published_at"], body["language"]) == (None, None, "en")


@pytest.mark.django_db
def test_the_body_is_stored_exactly_as_sent_whitespace_and_all(alice):
    body = "  Leading spaces,\r\ntabs\there, and a trailing newline.\n"
    response = alice.post(ARTICLES, new_article(body=body), format="json")

    assert response.status_code == 201, response.content
    assert Article.objects.get().body == body


@pytest.mark.django_db
def test_articles_without_a_url_do_not_collide(alice):
    for url in (None, "", None):
        response = alice.post(ARTICLES, new_article(url=url), format="json")
        assert response.status_code == 201, response.content
    assert list(Article.objects.values_list("url", flat=True)) == [None, None, None]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("headline", "h" * 500),
        ("author", "a" * 200),
        ("outlet", "o" * 200),
        ("body", "b" * 100_000),
        ("body", "\U0001f600" * 100_000),  # the limit counts characters, not bytes
    ],
    ids=["headline-500", "author-200", "outlet-200", "body-100000", "body-100000-emoji"],
)
def test_values_at_the_limit_are_accepted(alice, field, value):
    response = alice.post(ARTICLES, new_article(**{field: value}), format="json")

    assert response.status_code == 201, response.content
    assert getattr(Article.objects.get(), field) == value


INVALID = [
    pytest.param("headline", MISSING, id="headline-missing"),
    pytest.param("headline", None, id="headline-null"),
    pytest.param("headline", "", id="headline-empty"),
    pytest.param("headline", "   ", id="headline-blank"),
    pytest.param("headline", "h" * 501, id="headline-501"),
    pytest.param("author", "a" * 201, id="author-201"),
    pytest.param("outlet", "o" * 201, id="outlet-201"),
    pytest.param("url", "not a url", id="url-not-a-url"),
    pytest.param("url", "javascript:alert(1)", id="url-javascript"),
    pytest.param("url", "https://example.com/" + "x" * 2000, id="url-too-long"),
    pytest.param("published_at", "yesterday", id="published_at-words"),
    pytest.param("published_at", "2019-13-45T10:00:00Z", id="published_at-no-such-day"),
    pytest.param("language", "english", id="language-word"),
    pytest.param("language", "e", id="language-one-letter"),
    pytest.param("language", "en_US", id="language-underscore"),
    pytest.param("language", "", id="language-empty"),
    pytest.param("language", None, id="language-null"),
    pytest.param("body", MISSING, id="body-missing"),
    pytest.param("body", "", id="body-empty"),
    pytest.param("body", "b" * 100_001, id="body-100001"),
    pytest.param("headline", "Jobs\x00figures", id="headline-nul"),
    pytest.param("author", "Ann\x00", id="author-nul"),
    pytest.param("outlet", "\x00", id="outlet-nul"),
    pytest.param("url", "https://example.com/\x00", id="url-nul"),
    pytest.param("language", "en\x00", id="language-nul"),
    pytest.param("body", "Text with a NUL\x00 in it.", id="body-nul"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value"), INVALID)
def test_an_invalid_field_is_a_400_naming_it_and_stores_nothing(alice, field, value):
    response = alice.post(ARTICLES, new_article(**{field: value}), format="json")

    assert_problem(response, 400, errors_on=field)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_url_is_a_400_on_url(alice):
    first = alice.post(ARTICLES, new_article(url="https://example.com/jobs"), format="json")
    assert first.status_code == 201, first.content

    response = alice.post(ARTICLES, new_article(url="https://example.com/jobs"), format="json")

    body = assert_problem(response, 400, errors_on="url")
    assert str(first.json()["id"]) in body["errors"]["url"][0]
    assert Article.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [[], "headline", 42], ids=["list", "string", "number"])
def test_a_body_that_is_not_a_json_object_is_a_400(alice, payload):
    response = alice.post(ARTICLES, payload, format="json")

    assert_problem(response, 400)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_a_400(alice):
    response = alice.post(ARTICLES, '{"headline": ', content_type="application/json")

    assert_problem(response, 400)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_json_nested_deeper_than_the_parser_can_follow_is_a_400(alice):
    response = alice.post(ARTICLES, "[" * 100_000, content_type="application/json")

    assert_problem(response, 400)
    assert not Article.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["bob", "carol"], ids=["client", "user without a role"])
def test_a_client_or_a_user_without_a_role_cannot_create_an_article(request, who):
    response = request.getfixturevalue(who).post(ARTICLES, new_article(), format="json")

    assert_problem(response, 403)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_anonymous_cannot_create_an_article_and_is_told_to_bring_a_bearer_token(anonymous):
    response = anonymous.post(ARTICLES, new_article(), format="json")

    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_an_admin_creates_an_article(root):
    response = root.post(ARTICLES, new_article(), format="json")

    assert response.status_code == 201, response.content
    assert Article.objects.count() == 1
