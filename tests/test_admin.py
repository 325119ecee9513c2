"""The editors' desk in the Django admin, used through the test client as alice, an editor made by
`token_create` (so her group and her staff flag come from the real path).

Whatever the desk changes is the service's change: a new version, a history event naming the
editor, the workflow's rules, and a stale form refused, exactly as through the API.
"""

from __future__ import annotations

from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.accounts.services import token_create
from claims.admin.highlight import Span, highlight_claims
from claims.models import ApiToken, Article, Claim, ClaimEvent, Correction, Evidence
from claims.services.articles import article_create, article_update
from claims.services.claims import claim_create, claim_update
from claims.services.evidence import evidence_add
from tests.helpers import CLAIMS, claim_url, client_with, make_token

ADMIN = "/admin/"
ADMIN_ARTICLES = "/admin/claims/article/"
ADMIN_CLAIMS = "/admin/claims/claim/"
ADMIN_EVENTS = "/admin/claims/claimevent/"
TOKENS = "/admin/claims/apitoken/"

REPORT = "unemployment fell to 4.2% in March"
CRITICS = "Critics say the figure hides part-time work"
APRIL = "unemployment fell again in April"


# --- helpers ---------------------------------------------------------------------------------


def browser_for(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def desk(alice_user: Any) -> Client:
    """alice's browser, logged in to the admin."""
    return browser_for(alice_user)


@pytest.fixture
def root_user(root: Any) -> Any:
    return get_user_model().objects.get(username="root")


def claim_page(claim: Claim | int) -> str:
    return f"{ADMIN_CLAIMS}{claim if isinstance(claim, int) else claim.pk}/change/"


def shown(response: Any) -> list[Any]:
    """The rows a changelist shows."""
    assert response.status_code == 200, response.content[:500]
    return list(response.context["cl"].result_list)


def as_posted(value: Any) -> Any:
    return "" if value is None else value


def form_data(response: Any) -> dict[str, Any]:
    """What a browser posts back from the page it was shown, before the user edits anything:
    the admin form's values and every inline's management form."""
    assert response.status_code == 200, response.content[:500]
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, datetime):  # the admin's split date and time inputs
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        else:
            data[name] = as_posted(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = as_posted(management[name].value())
        for inline_form in inline.formset.forms:
            for name in inline_form.fields:
                data[inline_form.add_prefix(name)] = as_posted(inline_form[name].value())
    return data


def opened(browser: Client, claim: Claim) -> dict[str, Any]:
    """The claim's change form as the browser received it."""
    return form_data(browser.get(claim_page(claim)))


def form_errors(response: Any) -> dict[str, list[str]]:
    assert response.status_code == 200, response.content[:500]
    return {field: list(errors) for field, errors in response.context["adminform"].form.errors.items()}


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def snapshot(claim_id: int) -> dict[str, Any]:
    """Everything an admin write could change, read from the database."""
    return {
        "claim": Claim.objects.filter(pk=claim_id).values().first(),
        "events": list(ClaimEvent.objects.filter(claim_id=claim_id).order_by("id").values()),
        "evidence": Evidence.objects.filter(claim_id=claim_id).count(),
        "corrections": Correction.objects.filter(claim_id=claim_id).count(),
    }


def history_via_api(token: str, claim: Claim) -> list[dict[str, Any]]:
    response = client_with(token).get(f"{claim_url(claim)}history/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def action(browser: Client, name: str, claims: list[Claim], **extra: str) -> Any:
    return browser.post(
        ADMIN_CLAIMS, {"action": name, "_selected_action": [c.pk for c in claims], "index": "0", **extra}
    )


# --- who may come in -------------------------------------------------------------------------


def test_the_migration_gives_editors_exactly_the_desks_permissions(db):
    codenames = set(Group.objects.get(name="editor").permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_article",
        "add_article",
        "change_article",
        "view_claim",
        "add_claim",
        "change_claim",
        "delete_claim",
        "view_evidence",
        "add_evidence",
        "view_claimevent",
        "view_correction",
    }
    assert not Group.objects.get(name="client").permissions.exists()


def test_an_editor_made_by_token_create_can_open_the_desk(desk):
    response = desk.get(ADMIN)
    assert response.status_code == 200
    models = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert models == {"Article", "Claim", "ClaimEvent", "Correction"}  # no users, groups or tokens


def test_a_client_cannot_use_the_admin(bob_token):
    bob = get_user_model().objects.get(username="bob")
    browser = browser_for(bob)
    for url in (ADMIN, ADMIN_CLAIMS, ADMIN_ARTICLES):
        response = browser.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_client_cannot_log_in_to_the_admin_with_a_password(bob_token):
    bob = get_user_model().objects.get(username="bob")
    bob.set_password("correct horse battery staple")
    bob.save()
    browser = Client()
    response = browser.post(
        "/admin/login/", {"username": "bob", "password": "correct horse battery staple", "next": ADMIN}
    )
    assert response.status_code == 200  # the login form again
    assert "staff account" in response.content.decode()
    assert browser.get(ADMIN_CLAIMS).status_code == 302


def test_an_editor_demoted_to_client_is_out_of_the_admin(desk, alice_user):
    token_create(username="alice", role="client", days=1)
    assert desk.get(ADMIN_CLAIMS).status_code == 302


# --- lists -----------------------------------------------------------------------------------


def test_the_article_list_counts_claims_and_searches_headlines(desk, article, make_claim):
    make_claim(REPORT)
    make_claim(CRITICS, claimant="Critics")
    article_create(headline="Housing costs", body="Rents rose.")
    assert {(a.headline, a.claim_count) for a in shown(desk.get(ADMIN_ARTICLES))} == {
        ("Jobs figures", 2),
        ("Housing costs", 0),
    }
    assert [a.headline for a in shown(desk.get(ADMIN_ARTICLES, {"q": "housing"}))] == ["Housing costs"]


def test_the_claim_list_filters_by_status_rating_article_and_claimant(desk, make_claim):
    report = make_claim(REPORT, status="published", rating="mostly_true")
    critics = make_claim(CRITICS, claimant="Critics", status="in_review")
    april = make_claim(APRIL)
    other = article_create(headline="Other", body="Prices fell. Wages rose.")
    prices = make_claim("Prices fell", target=other, claimant="The minister")

    def ids(**params: str) -> set[int]:
        return {c.pk for c in shown(desk.get(ADMIN_CLAIMS, params))}

    assert ids() == {report.pk, critics.pk, april.pk, prices.pk}
    assert ids(status__exact="pending") == {april.pk, prices.pk}
    assert ids(status__exact="in_review") == {critics.pk}
    assert ids(rating__exact="mostly_true") == {report.pk}
    assert ids(article=str(other.pk)) == {prices.pk}
    assert ids(claimant="Critics") == {critics.pk}
    assert ids(claimant="The minister", status__exact="pending") == {april.pk, prices.pk}


def test_a_malformed_article_filter_is_not_a_server_error(desk, make_claim):
    make_claim()
    response = desk.get(ADMIN_CLAIMS, {"article": "abc"})
    assert response.status_code == 302
    assert "e=1" in response["Location"]


def test_the_claim_list_searches_quotes(desk, make_claim):
    report = make_claim(REPORT)
    make_claim(CRITICS, claimant="Critics")
    found = shown(desk.get(ADMIN_CLAIMS, {"q": "4.2%"}))
    assert [c.pk for c in found] == [report.pk]
    assert [c.pk for c in shown(desk.get(ADMIN_CLAIMS, {"q": "nothing like this"}))] == []


def test_a_search_of_the_claim_list_is_planned_for_its_own_term(desk, make_claim):
    # claims/platform/db/statements.py: never prepared, so never a generic plan blind to the term.
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    make_claim(REPORT)
    for _ in range(4):
        for term in ("4.2%", "Critics"):
            assert desk.get(ADMIN_CLAIMS, {"q": term}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert prepared, "nothing was prepared: the test shows nothing"
    assert not [s for s in prepared if "LIKE" in s and "claims_claim" in s]


def test_lists_cost_the_same_number_of_queries_whatever_their_length(desk, article, make_claim):
    make_claim(REPORT)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(url).status_code == 200
        return len(captured.captured_queries)

    before = {url: queries(url) for url in (ADMIN_CLAIMS, ADMIN_ARTICLES, ADMIN_EVENTS)}
    make_claim(CRITICS, claimant="Critics", status="in_review")
    make_claim(APRIL, status="published")
    other = article_create(headline="Other", body="Prices fell. Wages rose.")
    make_claim("Prices fell", target=other)
    after = {url: queries(url) for url in (ADMIN_CLAIMS, ADMIN_ARTICLES, ADMIN_EVENTS)}
    assert after == before


# --- the article page ------------------------------------------------------------------------

HOSTILE_BODY = 'Intro <script>alert("boo")</script> then the rate is 5% & rising, says <b>Bo</b>.'


def test_the_article_page_highlights_each_claim_in_the_escaped_body(desk, alice_user):
    article = article_create(headline="Hostile <i>headline</i>", body=HOSTILE_BODY)
    claim = claim_create(
        actor=alice_user, article_id=article.pk, quote="the rate is 5% & rising", claimant="Bo"
    )
    response = desk.get(f"{ADMIN_ARTICLES}{article.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f'<mark class="claim-pending" title="Claim {claim.pk}: Pending" data-claims="{claim.pk}">'
        "the rate is 5% &amp; rising</mark>"
    ) in html
    assert "Intro &lt;script&gt;alert(&quot;boo&quot;)&lt;/script&gt; then " in html
    assert "&lt;b&gt;Bo&lt;/b&gt;" in html
    assert "<script>alert" not in html
    assert "<b>Bo</b>" not in html
    # The claims inline lists the claim with a link to its own page.
    assert f'href="{claim_page(claim)}"' in html


class _Nesting(HTMLParser):
    """Checks that tags close in the order they opened, and collects the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []
        self.marks = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.open.append(tag)
        self.marks += tag == "mark"

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"</{tag}> closes nothing"
        assert self.open.pop() == tag, f"</{tag}> does not close the last tag opened"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_overlapping_and_nested_claims_give_well_formed_marks():
    body = "<p>alpha beta gamma delta</p>"
    spans = [
        Span(claim_id=1, start=3, end=13, status="pending"),  # "alpha beta"
        Span(claim_id=2, start=9, end=19, status="published"),  # "beta gamma", overlapping 1
        Span(claim_id=3, start=9, end=13, status="in_review"),  # "beta", inside both
        Span(claim_id=4, start=20, end=99, status="pending"),  # past the end: ignored
    ]
    html = highlight_claims(body, spans, href=lambda pk: f"/claims/{pk}/")
    parser = _Nesting()
    parser.feed(html)
    parser.close()
    assert parser.open == []
    assert "".join(parser.text) == body
    assert parser.marks == 3  # "alpha ", "beta", " gamma"
    # The piece covered by all three names them in the order they start, and links to the
    # innermost claim.
    assert (
        '<a href="/claims/3/"><mark class="claim-pending claim-in_review claim-published claim-overlap" '
        'title="Claim 1: Pending; Claim 3: In review; Claim 2: Published" data-claims="1 3 2">beta</mark></a>'
    ) in html
    assert html.startswith("&lt;p&gt;")


def test_a_body_without_claims_is_just_escaped():
    assert highlight_claims("a < b", []) == "a &lt; b"
    assert highlight_claims("", []) == ""


# --- articles: created and changed through the services --------------------------------------


def article_form(**fields: str) -> dict[str, str]:
    return {
        "headline": "Budget",
        "author": "",
        "outlet": "",
        "url": "",
        "published_at_0": "",
        "published_at_1": "",
        "language": "en",
        "body": "Line one.\r\nThe deficit halved.\r\n",
        **fields,
    }


def test_an_article_added_in_the_admin_keeps_its_text_with_plain_line_breaks(desk):
    response = desk.post(f"{ADMIN_ARTICLES}add/", article_form(url="https://example.com/budget"))
    assert response.status_code == 302, form_errors(response)
    article = Article.objects.get(headline="Budget")
    assert article.body == "Line one.\nThe deficit halved.\n"
    assert article.url == "https://example.com/budget"


def test_a_duplicate_url_in_the_admin_is_a_form_error(desk, article):
    response = desk.post(f"{ADMIN_ARTICLES}add/", article_form(url=article.url))
    assert "url" in form_errors(response) or form_errors(response).get("__all__")
    assert Article.objects.count() == 1


def test_a_bad_language_tag_is_a_form_error(desk):
    response = desk.post(f"{ADMIN_ARTICLES}add/", article_form(language="not a tag"))
    assert "language" in form_errors(response)
    assert not Article.objects.exists()


def test_an_article_is_edited_through_the_service_and_keeps_its_body(desk, article, make_claim):
    make_claim()
    page = f"{ADMIN_ARTICLES}{article.pk}/change/"
    data = form_data(desk.get(page))
    response = desk.post(page, {**data, "headline": "Jobs figures, revised"})
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert article.headline == "Jobs figures, revised"
    assert article.body.startswith("The minister said")


def test_an_edited_url_taken_by_another_article_is_a_form_error(desk, article):
    other = article_create(headline="Other", body="Text.", url="https://example.com/other")
    page = f"{ADMIN_ARTICLES}{other.pk}/change/"
    response = desk.post(page, {**form_data(desk.get(page)), "url": article.url})
    assert form_errors(response)
    other.refresh_from_db()
    assert other.url == "https://example.com/other"


def test_a_stale_article_form_is_refused(desk, article, alice_user):
    page = f"{ADMIN_ARTICLES}{article.pk}/change/"
    data = form_data(desk.get(page))
    article_update(actor=alice_user, article_id=article.pk, outlet="The Evening Daily")
    response = desk.post(page, {**data, "headline": "Mine"})
    assert any("changed by someone else" in e for e in form_errors(response)["__all__"])
    article.refresh_from_db()
    assert (article.headline, article.outlet) == ("Jobs figures", "The Evening Daily")


# --- claims: added, changed, deleted through the services ------------------------------------


def test_a_claim_added_in_the_admin_is_the_services(desk, article, alice_token):
    form = desk.get(f"{ADMIN_CLAIMS}add/", {"article": article.pk})
    assert form.context["adminform"].form.initial["article"] == str(article.pk)
    response = desk.post(
        f"{ADMIN_CLAIMS}add/", {"article": article.pk, "quote": CRITICS, "claimant": "Critics"}
    )
    assert response.status_code == 302, form_errors(response)
    claim = Claim.objects.get()
    assert (claim.status, claim.version, article.body[claim.start : claim.end]) == ("pending", 1, CRITICS)
    [created] = history_via_api(alice_token, claim)
    assert (created["action"], created["actor"]) == ("created", "alice")


def test_a_misplaced_quote_is_shown_on_its_field(desk, article):
    absent = desk.post(f"{ADMIN_CLAIMS}add/", {"article": article.pk, "quote": "not there", "claimant": "X"})
    assert "does not occur" in form_errors(absent)["quote"][0]
    ambiguous = desk.post(
        f"{ADMIN_CLAIMS}add/", {"article": article.pk, "quote": "The minister said", "claimant": "X"}
    )
    assert "more than once" in form_errors(ambiguous)["quote"][0]
    half = desk.post(
        f"{ADMIN_CLAIMS}add/",
        {"article": article.pk, "quote": "The minister said", "claimant": "X", "start": "0"},
    )
    assert "end" in form_errors(half)
    assert not Claim.objects.exists()


def test_offsets_choose_between_repeated_quotes(desk, article):
    second = article.body.index("The minister said", 1)
    response = desk.post(
        f"{ADMIN_CLAIMS}add/",
        {
            "article": article.pk,
            "quote": "The minister said",
            "claimant": "Ann Writer",
            "start": second,
            "end": second + len("The minister said"),
        },
    )
    assert response.status_code == 302, form_errors(response)
    assert Claim.objects.get().start == second


def test_a_duplicate_span_is_a_form_error(desk, article, make_claim):
    make_claim(REPORT)
    response = desk.post(f"{ADMIN_CLAIMS}add/", {"article": article.pk, "quote": REPORT, "claimant": "X"})
    assert form_errors(response)
    assert Claim.objects.count() == 1


def test_a_change_in_the_admin_goes_through_the_service_and_shows_in_the_api_history(
    desk, make_claim, alice_token
):
    claim = make_claim()
    data = opened(desk, claim)
    assert data["expected_version"] == 1
    response = desk.post(claim_page(claim), {**data, "status": "in_review", "note": "Starting the check."})
    assert response.status_code == 302, form_errors(response)
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("in_review", 2)
    latest = history_via_api(alice_token, claim)[-1]
    assert latest["actor"] == "alice"
    assert latest["action"] == "status_changed"
    assert latest["changes"] == {"status": ["pending", "in_review"]}
    assert latest["note"] == "Starting the check."


def test_only_the_fields_changed_in_the_form_are_sent(desk, make_claim, alice_token):
    claim = make_claim()
    response = desk.post(claim_page(claim), {**opened(desk, claim), "claimant": "The Minister of Labour"})
    assert response.status_code == 302, form_errors(response)
    latest = history_via_api(alice_token, claim)[-1]
    assert (latest["action"], latest["changes"]) == (
        "updated",
        {"claimant": ["The minister", "The Minister of Labour"]},
    )


def test_a_stale_admin_form_is_refused(desk, make_claim, alice_token):
    claim = make_claim()
    data = opened(desk, claim)  # alice opens version 1
    api = client_with(alice_token)
    etag = api.get(claim_url(claim))["ETag"]
    moved = api.patch(claim_url(claim), {"status": "not_checkable"}, format="json", HTTP_IF_MATCH=etag)
    assert moved.status_code == 200  # someone moves it to version 2
    before = snapshot(claim.pk)

    response = desk.post(claim_page(claim), {**data, "status": "in_review", "note": "Mine."})

    [error] = form_errors(response)["__all__"]
    assert "changed by someone else since you opened it" in error
    assert "you opened version 1; it is now at version 2" in error
    assert "changed by someone else since you opened it" in response.content.decode()
    assert snapshot(claim.pk) == before
    assert (before["claim"]["status"], before["claim"]["version"]) == ("not_checkable", 2)


def test_a_stale_form_is_refused_even_when_it_changes_nothing_else(desk, make_claim, alice_user):
    claim = make_claim()
    data = opened(desk, claim)
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, summary="Draft.")
    before = snapshot(claim.pk)
    response = desk.post(claim_page(claim), {**data, "claimant": "Someone else"})
    assert form_errors(response)["__all__"]
    assert snapshot(claim.pk) == before


def test_an_invalid_transition_is_refused_naming_the_allowed_targets(desk, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)
    response = desk.post(claim_page(claim), {**opened(desk, claim), "status": "published"})
    [error] = form_errors(response)["status"]
    assert "cannot move to “Published”" in error
    assert "it may move to: In review, Not checkable." in error
    assert snapshot(claim.pk) == before


def test_the_status_field_says_where_the_claim_may_go(desk, make_claim):
    response = desk.get(claim_page(make_claim()))
    help_text = response.context["adminform"].form.fields["status"].help_text
    assert help_text == "From “Pending” a claim may move to: In review, Not checkable."


def test_publishing_in_the_admin_follows_the_workflow(desk, make_claim, alice_token):
    claim = make_claim(status="in_review")
    data = opened(desk, claim)

    incomplete = desk.post(claim_page(claim), {**data, "status": "published"})
    errors = form_errors(incomplete)
    assert {"rating", "summary"} <= set(errors)
    assert Claim.objects.get(pk=claim.pk).status == "in_review"

    published = desk.post(
        claim_page(claim),
        {**data, "status": "published", "rating": "mostly_true", "summary": "Close to the ONS figure."},
    )
    assert published.status_code == 302, form_errors(published)
    claim.refresh_from_db()
    assert (claim.status, claim.rating, claim.version) == ("published", "mostly_true", 3)
    assert claim.published_at is not None


def test_withdrawing_a_published_verdict_needs_a_note(desk, make_claim):
    claim = make_claim(status="published")
    before = snapshot(claim.pk)
    data = opened(desk, claim)
    response = desk.post(claim_page(claim), {**data, "status": "in_review"})
    assert "note" in form_errors(response)
    assert snapshot(claim.pk) == before
    response = desk.post(claim_page(claim), {**data, "status": "in_review", "note": "New figures."})
    assert response.status_code == 302, form_errors(response)
    assert Claim.objects.get(pk=claim.pk).status == "in_review"


def test_correcting_a_published_verdict_in_the_admin_records_the_correction(desk, make_claim, alice_token):
    claim = make_claim(status="published", rating="true")
    data = opened(desk, claim)
    without_note = desk.post(claim_page(claim), {**data, "rating": "mostly_true"})
    assert "note" in form_errors(without_note)
    response = desk.post(claim_page(claim), {**data, "rating": "mostly_true", "note": "March was revised."})
    assert response.status_code == 302, form_errors(response)
    correction = Correction.objects.get(claim_id=claim.pk)
    assert (correction.from_rating, correction.to_rating, correction.note) == (
        "true",
        "mostly_true",
        "March was revised.",
    )
    latest = history_via_api(alice_token, claim)[-1]
    assert (latest["action"], latest["actor"], latest["changes"]) == (
        "corrected",
        "alice",
        {"rating": ["true", "mostly_true"]},
    )


def test_a_note_alone_is_refused_rather_than_dropped(desk, make_claim):
    claim = make_claim()
    before = snapshot(claim.pk)
    response = desk.post(claim_page(claim), {**opened(desk, claim), "note": "Just a thought."})
    assert "note" in form_errors(response)
    assert snapshot(claim.pk) == before


def test_evidence_added_in_the_admin_is_the_services(desk, make_claim, alice_token):
    claim = make_claim()
    response = desk.post(
        claim_page(claim),
        {
            **opened(desk, claim),
            "status": "in_review",
            "evidence_url": "https://www.ons.gov.uk/march",
            "evidence_title": "Labour market, March",
            "evidence_publisher": "ONS",
        },
    )
    assert response.status_code == 302, form_errors(response)
    evidence = Evidence.objects.get(claim=claim)
    assert (evidence.title, evidence.added_by.username) == ("Labour market, March", "alice")
    claim.refresh_from_db()
    assert claim.version == 3
    actions = [(e["action"], e["actor"]) for e in history_via_api(alice_token, claim)]
    assert actions == [("created", "alice"), ("status_changed", "alice"), ("evidence_added", "alice")]


def test_evidence_needs_its_url(desk, make_claim):
    claim = make_claim()
    response = desk.post(claim_page(claim), {**opened(desk, claim), "evidence_title": "Something"})
    assert "evidence_url" in form_errors(response)
    assert not Evidence.objects.exists()


def test_the_claim_page_shows_its_history_and_evidence(desk, make_claim, alice_user):
    claim = make_claim(status="in_review")
    evidence_add(actor=alice_user, claim_id=claim.pk, url="https://example.org/<x>", title="Source <b>1</b>")
    html = desk.get(claim_page(claim)).content.decode()
    assert '<table class="claim-history">' in html
    assert "status: Pending → In review" in html
    assert "Source &lt;b&gt;1&lt;/b&gt;" in html
    assert "<b>1</b>" not in html
    assert "<mark>unemployment fell to 4.2% in March</mark>" in html


def test_quote_and_offsets_cannot_be_changed(desk, article, make_claim):
    claim = make_claim()
    response = desk.post(
        claim_page(claim), {**opened(desk, claim), "claimant": "X", "quote": "Critics", "start": 0, "end": 7}
    )
    assert response.status_code == 302, form_errors(response)
    claim.refresh_from_db()
    assert (claim.quote, claim.start, claim.claimant) == (REPORT, article.body.index(REPORT), "X")


def test_deleting_a_claim_that_is_not_pending_is_refused(desk, make_claim):
    claim = make_claim(status="in_review")
    before = snapshot(claim.pk)
    assert b"deletelink" not in desk.get(claim_page(claim)).content  # no Delete button
    response = desk.post(f"{ADMIN_CLAIMS}{claim.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert response["Location"] == claim_page(claim)
    assert any("Only pending claims can be deleted" in m for m in messages_of(response))
    assert snapshot(claim.pk) == before


def test_deleting_a_pending_claim_goes_through_the_service(desk, make_claim):
    claim = make_claim()
    assert b"deletelink" in desk.get(claim_page(claim)).content
    assert desk.get(f"{ADMIN_CLAIMS}{claim.pk}/delete/").status_code == 200
    response = desk.post(f"{ADMIN_CLAIMS}{claim.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=claim.pk).exists()
    deleted = ClaimEvent.objects.filter(claim_id=claim.pk).order_by("version").last()
    assert (deleted.action, deleted.actor.username, deleted.version) == ("deleted", "alice", 2)


# --- bulk actions: one service call, one history event, per claim ----------------------------


def events_per_claim(*claims: Claim) -> list[int]:
    return [ClaimEvent.objects.filter(claim_id=c.pk).count() for c in claims]


def test_moving_claims_in_bulk_writes_one_event_per_claim(desk, make_claim):
    first, second = make_claim(REPORT), make_claim(CRITICS, claimant="Critics")
    published = make_claim(APRIL, status="published")
    already = make_claim("Critics say", status="in_review", claimant="Critics")
    before = events_per_claim(first, second, published, already)

    response = action(desk, "move_to_in_review", [first, second, published, already])

    assert response.status_code == 302
    after = events_per_claim(first, second, published, already)
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 0, 0]
    statuses = dict(Claim.objects.values_list("id", "status"))
    assert statuses[first.pk] == statuses[second.pk] == "in_review"
    assert statuses[published.pk] == "published"
    for claim in (first, second):
        latest = ClaimEvent.objects.filter(claim_id=claim.pk).order_by("version").last()
        assert (latest.action, latest.actor.username) == ("status_changed", "alice")
    reported = messages_of(response)
    assert f"Moved to “In review”: claim {first.pk}, {second.pk}." in reported
    assert any(m.startswith(f"Not moved: claim {published.pk}.") and "note" in m for m in reported)
    assert f"Already “In review”: claim {already.pk}." in reported


def test_deleting_in_bulk_deletes_pending_claims_only_each_through_the_service(desk, make_claim):
    pending = make_claim(REPORT)
    in_review = make_claim(CRITICS, claimant="Critics", status="in_review")
    confirm = action(desk, "delete_selected", [pending, in_review])
    assert confirm.status_code == 200  # Django's confirmation page
    assert Claim.objects.count() == 2

    response = desk.post(
        ADMIN_CLAIMS,
        {"action": "delete_selected", "_selected_action": [pending.pk, in_review.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert list(Claim.objects.values_list("id", flat=True)) == [in_review.pk]
    assert (
        ClaimEvent.objects.filter(claim_id=pending.pk, action="deleted", actor__username="alice").count() == 1
    )
    assert events_per_claim(in_review) == [2]
    reported = messages_of(response)
    assert f"Deleted claim {pending.pk}." in reported
    assert any(m.startswith(f"Not deleted: claim {in_review.pk}.") for m in reported)


# --- history is append-only, even for a superuser --------------------------------------------


def test_the_claims_history_button_opens_its_whole_history(desk, make_claim):
    claim = make_claim(status="in_review")
    make_claim(CRITICS, claimant="Critics")
    button = desk.get(f"{ADMIN_CLAIMS}{claim.pk}/history/")
    assert button.status_code == 302
    events = shown(desk.get(button["Location"]))
    assert [(e.claim_id, e.version, e.action) for e in events] == [
        (claim.pk, 2, "status_changed"),
        (claim.pk, 1, "created"),
    ]


def test_articles_cannot_be_deleted_in_the_admin(root_user, article):
    browser = browser_for(root_user)
    assert browser.post(f"{ADMIN_ARTICLES}{article.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


def test_history_cannot_be_changed_or_deleted_in_the_admin_even_by_a_superuser(root_user, make_claim):
    claim = make_claim(status="published")
    correction = claim_update(
        actor=root_user, claim_id=claim.pk, expected_versions=None, rating="false", note="Wrong month."
    )
    assert correction.version == 4
    event = ClaimEvent.objects.filter(claim_id=claim.pk).order_by("id").first()
    browser = browser_for(root_user)
    before = snapshot(claim.pk)

    page = browser.get(f"{ADMIN_EVENTS}{event.pk}/change/")
    assert page.status_code == 200  # view only
    assert b'name="_save"' not in page.content
    assert browser.post(f"{ADMIN_EVENTS}{event.pk}/change/", {"note": "rewritten"}).status_code == 403
    assert browser.get(f"{ADMIN_EVENTS}{event.pk}/delete/").status_code == 403
    assert browser.post(f"{ADMIN_EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.get(f"{ADMIN_EVENTS}add/").status_code == 403
    bulk = browser.post(
        ADMIN_EVENTS, {"action": "delete_selected", "_selected_action": [event.pk], "index": "0"}
    )
    assert bulk.status_code in (200, 302)
    fix = Correction.objects.get(claim_id=claim.pk)
    assert browser.post(f"/admin/claims/correction/{fix.pk}/delete/", {"post": "yes"}).status_code == 403
    assert snapshot(claim.pk) == before


# --- tokens: superusers only, through the service -------------------------------------------


def test_editors_cannot_see_tokens(desk, alice_token):
    assert desk.get(TOKENS).status_code == 403
    assert desk.get(f"{TOKENS}add/").status_code == 403


def test_a_superuser_creates_a_token_whose_plaintext_is_shown_once(root_user):
    browser = browser_for(root_user)
    response = browser.post(
        f"{TOKENS}add/", {"username": "dave", "role": "editor", "days": "7", "name": "laptop"}, follow=True
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user__username="dave")
    [shown_once] = [m for m in (str(m) for m in response.context["messages"]) if "<code>" in m]
    plaintext = shown_once.split("<code>")[1].split("</code>")[0]
    assert plaintext.startswith(f"ct_{token.prefix}_")
    assert client_with(plaintext).get(CLAIMS).status_code == 200
    dave = get_user_model().objects.get(username="dave")
    assert dave.is_staff
    assert list(dave.groups.values_list("name", flat=True)) == ["editor"]
    # Never again: not on the list, not on the token's page, and never its digest.
    for page in (browser.get(TOKENS), browser.get(f"{TOKENS}{token.pk}/change/")):
        assert page.status_code == 200
        assert plaintext not in page.content.decode()
        assert token.digest not in page.content.decode()


def test_a_superuser_revokes_tokens_through_the_service(root_user):
    plaintext = make_token("erin", "client")
    token = ApiToken.objects.get(user__username="erin")
    response = browser_for(root_user).post(
        TOKENS, {"action": "revoke_selected", "_selected_action": [token.pk], "index": "0"}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client_with(plaintext).get(CLAIMS).status_code == 401


def test_token_digests_cannot_be_edited(root_user):
    make_token("erin", "client")
    token = ApiToken.objects.get(user__username="erin")
    response = browser_for(root_user).post(
        f"{TOKENS}{token.pk}/change/", {"prefix": "00000000", "digest": "0" * 64}
    )
    assert response.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).digest == token.digest
