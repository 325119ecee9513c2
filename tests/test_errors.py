"""Every error of the service is problem details with the HTTP status, never a traceback."""

import json

import pytest

from claims.models import Article
from tests.helpers import ARTICLES, CLAIMS, assert_problem


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v2/claims/", "/api/", "/nothing-here"])
def test_an_unknown_url_is_a_problem_404(alice, path):
    body = assert_problem(alice.get(path), 404)
    assert path in body["detail"]


def test_an_unknown_url_is_404_even_without_a_token(anonymous, db):
    assert_problem(anonymous.get("/api/v1/nope/"), 404)


@pytest.mark.parametrize(("method", "path"), [("put", CLAIMS), ("delete", ARTICLES), ("patch", ARTICLES)])
def test_a_method_the_resource_does_not_have_is_405(alice, method, path):
    response = getattr(alice, method)(path, {}, format="json")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_a_body_over_two_mebibytes_is_413_before_it_is_read(alice):
    payload = json.dumps({"headline": "Big", "body": "x" * (2 * 1024 * 1024)})
    response = alice.generic("POST", ARTICLES, payload, content_type="application/json")
    assert_problem(response, 413)
    assert not Article.objects.exists()


def test_a_body_of_exactly_the_limit_is_read(alice):
    payload = json.dumps({"headline": "Big", "body": "x"})
    payload += " " * (2 * 1024 * 1024 - len(payload))
    response = alice.generic("POST", ARTICLES, payload, content_type="application/json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_json_is_415(alice, content_type):
    response = alice.generic("POST", ARTICLES, "headline=x&body=y", content_type=content_type)
    assert_problem(response, 415)
    assert not Article.objects.exists()


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib_codec", "utf-16", "rot13"])
def test_a_charset_other_than_utf8_is_refused_before_decoding(alice, charset):
    response = alice.generic(
        "POST", ARTICLES, b"BZh91AY&SY", content_type=f"application/json; charset={charset}"
    )
    assert_problem(response, 415)


def test_utf8_charset_is_accepted(alice):
    response = alice.generic(
        "POST",
        ARTICLES,
        json.dumps({"headline": "é", "body": "ü"}),
        content_type="application/json; charset=UTF-8",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("payload", ["{", '{"headline": }', "[1, 2", "\x00", "nul"])
def test_invalid_json_is_a_400(alice, payload):
    response = alice.generic("POST", ARTICLES, payload, content_type="application/json")
    assert_problem(response, 400)


def test_a_json_body_that_is_not_an_object_is_a_400(alice):
    assert_problem(alice.post(ARTICLES, [1, 2], format="json"), 400)


def test_nul_in_a_json_string_is_a_400_naming_the_field(alice):
    response = alice.post(ARTICLES, {"headline": "a\x00b", "body": "text"}, format="json")
    assert_problem(response, 400, errors_on="headline")
    assert not Article.objects.exists()


@pytest.mark.parametrize("query", ["claimant=a%00b", "q=%00", "x%00=1", "unknown=%00"])
def test_nul_in_the_query_string_is_a_400(alice, query):
    assert_problem(alice.get(f"{CLAIMS}?{query}"), 400)


def test_nul_in_the_path_is_a_400(alice):
    assert_problem(alice.get(f"{CLAIMS}1%00/"), 400)


def test_a_malformed_content_length_is_a_400(alice):
    response = alice.generic("POST", ARTICLES, "{}", content_type="application/json", CONTENT_LENGTH="lots")
    assert_problem(response, 400)


def test_validation_errors_list_every_field(alice):
    body = assert_problem(alice.post(ARTICLES, {"headline": "", "language": "!!"}, format="json"), 400)
    assert set(body["errors"]) >= {"headline", "body", "language"}
    assert body["type"].endswith("validation-error")


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the oversized body was read")

    readline = read


def test_an_oversized_body_is_refused_without_reading_a_byte(alice):
    import tracemalloc

    tracemalloc.start()
    try:
        response = alice.generic(
            "POST", ARTICLES, "", content_type="application/json",
            CONTENT_LENGTH=str(512 * 1024 * 1024), **{"wsgi.input": UnreadableBody()},
        )  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_problem(response, 413)
    # Answering took well under a mebibyte, whatever the declared size.
    assert peak < 1024 * 1024


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"{CLAIMS}{2**64}/"),
        ("get", f"{CLAIMS}{2**64}/history/"),
        ("get", f"{ARTICLES}{2**70}/"),
        ("patch", f"{CLAIMS}{2**64}/"),
        ("delete", f"{CLAIMS}{2**64}/"),
        ("post", f"{CLAIMS}{2**64}/evidence/"),
    ],
)
def test_ids_beyond_64_bits_are_404_not_500(alice, method, path):
    body = {"url": "https://example.com/x"} if method == "post" else {}
    assert_problem(getattr(alice, method)(path, body, format="json", HTTP_IF_MATCH='"1-1"'), 404)


@pytest.mark.parametrize("param", ["article", "page_size"])
def test_integers_beyond_64_bits_in_filters_are_400(alice, param):
    assert_problem(alice.get(CLAIMS, {param: str(2**64)}), 400, errors_on=param)


def test_asking_for_a_format_the_api_does_not_speak_is_406(alice):
    response = alice.get(CLAIMS, HTTP_ACCEPT="text/html")
    assert_problem(response, 406)
