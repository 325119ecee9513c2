"""A partner page on another origin reads the API from a real browser: CORS as Chromium enforces
it, preflight included (a PATCH with If-Match and a token needs one)."""

from __future__ import annotations

import pytest

from claims.models import Claim
from tests.browser import chromium
from tests.helpers import CLAIMS, make_token

FETCH = """
const [url, options, done] = arguments;
fetch(url, options)
  .then(async r => done({status: r.status, etag: r.headers.get("ETag"), body: await r.text()}))
  .catch(e => done({error: String(e)}));
"""


@pytest.fixture
def partner_page(live_server, settings):
    """A page on `localhost`, calling the API on `127.0.0.1`: two origins."""
    origin = live_server.url  # http://localhost:<port>
    api = origin.replace("localhost", "127.0.0.1")
    settings.CORS_ALLOWED_ORIGINS = [origin]
    with chromium() as browser:
        browser.get(f"{origin}/healthz")
        yield browser, api


def call(browser, url, **options):
    return browser.execute_async_script(FETCH, url, options)


@pytest.mark.django_db(transaction=True)
def test_a_listed_origin_reads_the_api_and_its_etag(partner_page, make_claim):
    browser, api = partner_page
    claim = make_claim()
    token = make_token("partner", "client")
    answer = call(browser, f"{api}{CLAIMS}{claim.pk}/", headers={"Authorization": f"Bearer {token}"})
    assert answer.get("status") == 200, answer
    assert answer["etag"] == f'"{claim.pk}-1-c"'
    assert f'"id":{claim.pk}' in answer["body"]


@pytest.mark.django_db(transaction=True)
def test_a_listed_origin_patches_after_a_preflight(partner_page, make_claim, alice_token):
    browser, api = partner_page
    claim = make_claim()
    url = f"{api}{CLAIMS}{claim.pk}/"
    read = call(browser, url, headers={"Authorization": f"Bearer {alice_token}"})
    answer = call(
        browser,
        url,
        method="PATCH",
        headers={
            "Authorization": f"Bearer {alice_token}",
            "If-Match": read["etag"],
            "Content-Type": "application/json",
        },
        body='{"claimant": "From the partner"}',
    )
    assert answer.get("status") == 200, answer
    assert Claim.objects.get().claimant == "From the partner"


@pytest.mark.django_db(transaction=True)
def test_an_unlisted_origin_cannot_read_the_api(partner_page, settings, make_claim):
    browser, api = partner_page
    settings.CORS_ALLOWED_ORIGINS = ["https://someone-else.example"]
    token = make_token("partner", "client")
    answer = call(browser, f"{api}{CLAIMS}", headers={"Authorization": f"Bearer {token}"})
    assert "error" in answer, answer  # the browser refuses to hand the answer to the page
