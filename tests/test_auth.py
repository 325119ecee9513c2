"""Tokens: how they are sent, stored, expired and revoked, and what each role may do."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from claims.accounts.tokens import token_digest
from claims.models import ApiToken
from tests.helpers import ARTICLES, CLAIMS, assert_problem, client_with, make_token


def test_anonymous_request_gets_401_with_a_bearer_challenge(anonymous, db):
    response = anonymous.get(CLAIMS)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_both_schemes_authenticate(scheme, bob_token):
    assert client_with(bob_token, scheme).get(CLAIMS).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ct_00000000_" + "A" * 43,  # well-formed, unknown prefix
        "Bearer not-a-token",
        "Bearer ",
        "Bearer a b",
    ],
)
def test_bad_tokens_get_401(header, bob_token):
    api = client_with(None)
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(CLAIMS)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_with_a_right_prefix_and_wrong_secret_gets_401(bob_token):
    forged = bob_token[:12] + ("B" if bob_token[12] != "B" else "C") + bob_token[13:]
    assert_problem(client_with(forged).get(CLAIMS), 401)


def test_token_is_stored_only_as_a_hash(bob_token):
    row = ApiToken.objects.get()
    assert row.digest == token_digest(bob_token)
    assert bob_token not in row.digest
    assert bob_token.split("_", 2)[2] not in str(list(ApiToken.objects.values()))


def test_a_digest_copied_out_of_a_database_dump_does_not_authenticate(bob_token):
    row = ApiToken.objects.get()
    for stolen in (row.digest, f"ct_{row.prefix}_{row.digest}"):
        assert_problem(client_with(stolen).get(CLAIMS), 401)


def test_an_expired_token_gets_401(bob_token):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_problem(client_with(bob_token).get(CLAIMS), 401)
    assert "expired" in body["detail"]


def test_a_revoked_token_gets_401_and_others_still_work(bob_token):
    other = make_token("bob", "client")
    call_command("revoke_token", bob_token, stdout=open("/dev/null", "w"))  # noqa: SIM115
    body = assert_problem(client_with(bob_token).get(CLAIMS), 401)
    assert "revoked" in body["detail"]
    assert client_with(other).get(CLAIMS).status_code == 200


def test_revoking_every_token_of_a_user(bob_token):
    other = make_token("bob", "client")
    call_command("revoke_token", user="bob", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_problem(client_with(bob_token).get(CLAIMS), 401)
    assert_problem(client_with(other).get(CLAIMS), 401)


def test_a_deactivated_user_cannot_use_its_token(bob_token, django_user_model):
    django_user_model.objects.filter(username="bob").update(is_active=False)
    assert_problem(client_with(bob_token).get(CLAIMS), 401)


def test_a_user_without_a_role_gets_403(carol):
    body = assert_problem(carol.get(CLAIMS), 403)
    assert "role" in body["detail"]


def test_create_token_prints_only_the_token_and_it_works(db, capsys):
    call_command("create_token", "dana", "--role", "editor")
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    token = out.strip()
    assert token.startswith("ct_")
    assert client_with(token).post(ARTICLES, {}, format="json").status_code == 400


def test_create_token_switches_the_role(db, capsys, django_user_model):
    editor = make_token("erin", "editor")
    client = make_token("erin", "client")
    user = django_user_model.objects.get(username="erin")
    assert set(user.groups.values_list("name", flat=True)) == {"client"}
    assert not user.is_staff
    # A user has one role: the older editor token now only reads.
    assert_problem(client_with(editor).post(ARTICLES, {}, format="json"), 403)
    assert client_with(client).get(CLAIMS).status_code == 200


def test_create_token_expires_after_the_given_days(db, capsys):
    call_command("create_token", "finn", "--role", "client", "--days", "2")
    expires = ApiToken.objects.get().expires_at
    assert timedelta(days=1, hours=23) < expires - timezone.now() <= timedelta(days=2)


def test_create_token_refuses_an_unknown_role(db):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_token", "gail", "--role", "owner")
    assert not ApiToken.objects.exists()


def test_token_lookup_is_one_query(bob_token, django_assert_num_queries):
    from django.test import RequestFactory
    from rest_framework.request import Request

    from claims.accounts.authentication import BearerTokenAuthentication

    request = Request(RequestFactory().get(CLAIMS, HTTP_AUTHORIZATION=f"Bearer {bob_token}"))
    # 1. the token, its user and the user's role memberships, in one SELECT
    with django_assert_num_queries(1):
        user, _ = BearerTokenAuthentication().authenticate(request)
    assert user.username == "bob"
    assert user.api_role == "client"
