"""Corrected columns at the editors' desk: an article's text corrected in the admin (a new revision,
every claim placed again in it), the queue of claims a correction left fuzzy or orphaned, and the
claim's page that settles each one (accept its new place, or place it again), all through the
services, with the Django test client as alice, an editor.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from claims.models import AnchorKind, Article, ArticleRevision, Claim, ClaimEvent
from claims.services.articles import article_create, article_update
from claims.services.claims import claim_create, claim_update
from tests.test_admin import (
    ADMIN,
    ADMIN_ARTICLES,
    ADMIN_CLAIMS,
    browser_for,
    claim_page,
    form_data,
    form_errors,
    messages_of,
    shown,
    snapshot,
)

BODY = (
    "The minister said unemployment fell to 4.2% in March.\n\n"
    "Critics say the figure hides part-time work.\n\n"
    "The minister said unemployment fell again in April."
)
REPORT = "unemployment fell to 4.2% in March"
CRITICS = "Critics say the figure hides part-time work."
APRIL = "unemployment fell again in April"
# The correction: the figure changed (REPORT becomes fuzzy), the critics' sentence deleted
# (CRITICS is orphaned), April's sentence left alone (APRIL stays exact).
CORRECTED = (
    "The minister said unemployment fell to 4.3% in March.\n\n"
    "The minister said unemployment fell again in April."
)
NEW_REPORT = "unemployment fell to 4.3% in March"
NOTE = "The ministry corrected its March figure; the critics' remark was about another survey."


@pytest.fixture
def desk(alice_user: Any) -> Client:
    """alice's browser, logged in to the admin."""
    return browser_for(alice_user)


@pytest.fixture
def column(alice_user: Any) -> tuple[Article, dict[str, Claim]]:
    article = article_create(actor=alice_user, headline="Jobs figures", body=BODY)
    claims = {
        name: claim_create(actor=alice_user, article_id=article.pk, quote=quote, claimant="The minister")
        for name, quote in (("report", REPORT), ("critics", CRITICS), ("april", APRIL))
    }
    return article, claims


@pytest.fixture
def corrected(column: tuple[Article, dict[str, Claim]], alice_user: Any) -> dict[str, Claim]:
    """The column corrected through the service: one claim fuzzy, one orphaned, one exact."""
    article, claims = column
    article_update(actor=alice_user, article_id=article.pk, body=CORRECTED, note=NOTE)
    fresh = {name: Claim.objects.get(pk=claim.pk) for name, claim in claims.items()}
    assert [fresh[name].anchor for name in ("report", "critics", "april")] == ["fuzzy", "orphaned", "exact"]
    return fresh


def article_page(article: Article) -> str:
    return f"{ADMIN_ARTICLES}{article.pk}/change/"


def accept_url(claim: Claim) -> str:
    return f"{ADMIN_CLAIMS}{claim.pk}/accept/"


def place_url(claim: Claim) -> str:
    return f"{ADMIN_CLAIMS}{claim.pk}/place/"


def as_a_browser_sends(text: str) -> str:
    """A textarea's text as a browser posts it: every line break CRLF."""
    return text.replace("\n", "\r\n")


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def revisions_of(article: Article) -> list[tuple[int, str]]:
    return list(
        ArticleRevision.objects.filter(article=article).order_by("number").values_list("number", "note")
    )


# --- correcting the text ---------------------------------------------------------------------


def test_the_article_page_offers_its_text_to_correct_folded_under_the_text_to_read(desk, column):
    article, _ = column
    html = html_of(desk.get(article_page(article)))
    read = html.index('class="claim-body"')
    heading = html.index(">Correct the text<")
    textarea = html.index('name="body"')
    assert read < heading < textarea
    # Folded away until the editor opens it: a <details> around the fieldset's fields.
    assert "<details>" in html[read:heading]
    assert 'name="note"' in html[textarea:]
    # The textarea holds the stored text, every character of it.
    assert desk.get(article_page(article)).context["adminform"].form["body"].value() == BODY


def test_correcting_the_text_makes_a_revision_and_places_every_claim_again(desk, column, alice_user):
    article, claims = column
    data = form_data(desk.get(article_page(article)))
    response = desk.post(
        article_page(article), {**data, "body": as_a_browser_sends(CORRECTED), "note": NOTE}, follow=True
    )
    assert response.redirect_chain, form_errors(response)
    article.refresh_from_db()
    assert (article.body, article.revision, article.version) == (CORRECTED, 2, 2)  # "\n", not CRLF
    assert revisions_of(article) == [(1, ""), (2, NOTE)]
    assert ArticleRevision.objects.get(article=article, number=2).actor == alice_user

    report = Claim.objects.get(pk=claims["report"].pk)
    assert (report.anchor, report.quote, report.revision) == (AnchorKind.FUZZY, NEW_REPORT, 2)
    assert CORRECTED[report.start : report.end] == NEW_REPORT
    assert 0 < report.anchor_score < 1
    critics = Claim.objects.get(pk=claims["critics"].pk)
    assert (critics.anchor, critics.quote, critics.revision) == (AnchorKind.ORPHANED, CRITICS, 1)
    april = Claim.objects.get(pk=claims["april"].pk)
    assert (april.anchor, CORRECTED[april.start : april.end]) == (AnchorKind.EXACT, APRIL)
    # Each moved claim's history names the editor and keeps the note.
    event = ClaimEvent.objects.filter(claim_id=report.pk, action="reanchored").get()
    assert (event.actor, event.note, event.changes["quote"]) == (alice_user, NOTE, [REPORT, NEW_REPORT])

    said = " ".join(messages_of(response))
    assert "it is now revision 2" in said
    assert "1 stayed exact, 1 became fuzzy" in said
    assert "1 was orphaned" in said
    html = response.content.decode()
    assert f'href="{ADMIN_CLAIMS}?article={article.pk}&amp;anchor__exact=fuzzy"' in html
    assert f'href="{ADMIN_CLAIMS}?article={article.pk}&amp;anchor__exact=orphaned"' in html
    assert "Claims awaiting an editor after a correction" in html


def test_a_correction_that_leaves_every_claim_exact_says_so_without_a_queue(desk, column):
    article, _ = column
    data = form_data(desk.get(article_page(article)))
    response = desk.post(article_page(article), {**data, "body": "Update: " + BODY}, follow=True)
    assert response.redirect_chain, form_errors(response)
    said = " ".join(messages_of(response))
    assert "Of its 3 claims, 3 stayed exact, 0 became fuzzy" in said
    assert "awaiting an editor" not in said
    assert set(Claim.objects.filter(article=article).values_list("anchor", flat=True)) == {"exact"}


def test_the_text_sent_back_as_it_was_shown_is_no_correction(desk, column):
    """A browser sends the textarea's line breaks as CRLF: a change of the headline alone makes
    no revision and moves no claim."""
    article, claims = column
    data = form_data(desk.get(article_page(article)))
    before = snapshot(claims["report"].pk)
    response = desk.post(
        article_page(article),
        {**data, "headline": "Jobs figures, revised", "body": as_a_browser_sends(data["body"])},
    )
    assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    assert (article.headline, article.body, article.revision, article.version) == (
        "Jobs figures, revised",
        BODY,
        1,
        2,
    )
    assert revisions_of(article) == [(1, "")]
    assert snapshot(claims["report"].pk) == before


def test_a_note_without_a_correction_is_a_form_error(desk, column):
    article, _ = column
    data = form_data(desk.get(article_page(article)))
    response = desk.post(article_page(article), {**data, "note": "Fixed a typo."})
    assert "note" in form_errors(response)
    assert revisions_of(article) == [(1, "")]


def test_an_emptied_text_is_a_form_error(desk, column):
    article, _ = column
    data = form_data(desk.get(article_page(article)))
    response = desk.post(article_page(article), {**data, "body": ""})
    assert "body" in form_errors(response)
    article.refresh_from_db()
    assert article.body == BODY


def test_a_stale_form_with_a_corrected_text_is_refused_and_changes_nothing(desk, column, alice_user):
    article, claims = column
    data = form_data(desk.get(article_page(article)))
    article_update(actor=alice_user, article_id=article.pk, outlet="The Evening Daily")  # someone else
    before = {name: snapshot(claim.pk) for name, claim in claims.items()}
    response = desk.post(article_page(article), {**data, "body": CORRECTED, "note": NOTE})
    assert any("changed by someone else" in error for error in form_errors(response)["__all__"])
    article.refresh_from_db()
    assert (article.body, article.revision, article.outlet) == (BODY, 1, "The Evening Daily")
    assert revisions_of(article) == [(1, "")]
    assert {name: snapshot(claim.pk) for name, claim in claims.items()} == before
    # The editor's text is still in the form, unfolded, to be saved again once they have looked.
    form = response.context["adminform"].form
    assert form["body"].value() == CORRECTED
    html = response.content.decode()
    assert "<details>" not in html[html.index(">Correct the text<") - 200 : html.index('name="body"')]


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_lists_the_fuzzy_and_the_orphaned_claims(desk, column, corrected):
    article, _ = column
    fuzzy = desk.get(ADMIN_CLAIMS, {"anchor__exact": "fuzzy"})
    assert [claim.pk for claim in shown(fuzzy)] == [corrected["report"].pk]
    assert fuzzy.context["title"] == "Claims awaiting an editor after a correction: fuzzy"
    orphaned = desk.get(ADMIN_CLAIMS, {"anchor__exact": "orphaned"})
    assert [claim.pk for claim in shown(orphaned)] == [corrected["critics"].pk]
    # Each unsettled claim says so in the list, after its words.
    html = html_of(desk.get(ADMIN_CLAIMS))
    assert html.count('class="claim-anchor claim-anchor-fuzzy"') == 1
    assert html.count('class="claim-anchor claim-anchor-orphaned"') == 1
    # One article's queue, from its page.
    assert [
        c.pk for c in shown(desk.get(ADMIN_CLAIMS, {"article": article.pk, "anchor__exact": "fuzzy"}))
    ] == [corrected["report"].pk]


def test_the_queue_is_linked_from_the_home_page_and_the_article_page(desk, column, corrected):
    article, _ = column
    home = html_of(desk.get(ADMIN))
    assert "Claims awaiting an editor after a correction" in home
    assert f'href="{ADMIN_CLAIMS}?anchor__exact=fuzzy"' in home
    assert f'href="{ADMIN_CLAIMS}?anchor__exact=orphaned"' in home
    page = html_of(desk.get(article_page(article)))
    assert re.search(
        rf'href="{ADMIN_CLAIMS}\?article={article.pk}&amp;anchor__exact=fuzzy">1 fuzzy</a>', page
    ), page
    assert f'href="{ADMIN_CLAIMS}?article={article.pk}&amp;anchor__exact=orphaned">1 orphaned</a>' in page


def test_the_article_page_highlights_only_the_claims_that_stand_in_its_text(desk, column, corrected):
    article, _ = column
    html = html_of(desk.get(article_page(article)))
    body = html[html.index('<div class="claim-body"') :]
    body = body[: body.index("</div>")]
    report, critics = corrected["report"], corrected["critics"]
    # The fuzzy claim on its new words, dashed; the orphaned one nowhere.
    assert (
        f'<mark class="claim-pending claim-fuzzy" title="Claim {report.pk}: Pending, fuzzy" '
        f'data-claims="{report.pk}">{NEW_REPORT}</mark>'
    ) in body
    assert f'data-claims="{critics.pk}"' not in body  # its offsets point into revision 1
    assert "Dashed</mark> fuzzy" in html
    # The corrections are listed with their notes.
    assert NOTE.replace("'", "&#x27;") in html


# --- a fuzzy or orphaned claim's page --------------------------------------------------------


def test_a_fuzzy_claims_page_shows_its_old_words_in_the_old_text_beside_the_new(desk, corrected):
    report = corrected["report"]
    response = desk.get(claim_page(report))
    html = html_of(response)
    review = response.context["anchor_review"]["review"]
    assert (review.kind, review.before.revision, review.now.revision) == ("fuzzy", 1, 2)
    # Before: the old words in their paragraph of revision 1, what the correction took out struck.
    assert review.before.html == (
        'The minister said <mark class="anchor-old">unemployment fell to <del>4.2</del>% in March</mark>.'
    )
    # Now: the new words in the current text, what the correction put in marked.
    assert review.now.html == (
        'The minister said <mark class="anchor-new">unemployment fell to <ins>4.3</ins>% in March</mark>.'
    )
    assert "A correction changed its words" in html
    assert NOTE.replace("'", "&#x27;") in html  # why the text was corrected
    # Accept, posting the version shown, and place again: two forms outside the page's own form.
    assert 'form="claim-accept"' in html
    assert ">Accept this place</button>" in html
    main_form_ends = html.index("</form>", html.index('id="claim_form"'))
    accept = re.search(r'<form id="claim-accept"[^>]*action="([^"]+)"', html)
    assert accept is not None
    assert accept.group(1) == accept_url(report)
    assert accept.start() > main_form_ends
    assert f'name="expected_version" value="{report.version}"' in html[accept.start() :]
    assert html.index('<form id="claim-place"') > main_form_ends
    assert 'data-form="claim-place"' in html  # the picker's text fills the place form
    # Its stored context (now the new text's) is not shown as if it were the words checked.
    assert "field-quote_in_context" not in html


def test_an_orphaned_claims_page_shows_its_old_words_and_what_stands_in_their_place(desk, corrected):
    critics = corrected["critics"]
    response = desk.get(claim_page(critics))
    html = html_of(response)
    review = response.context["anchor_review"]["review"]
    assert (review.kind, review.before.revision, review.now.revision) == ("orphaned", 1, 2)
    assert review.before.html == f'<mark class="anchor-old">{CRITICS}</mark>'
    assert "anchor-gap" in review.now.html  # deleted: a mark where it stood
    assert "A correction lost its place" in html
    assert ">Accept this place</button>" not in html  # only a fuzzy place can be accepted
    assert '<details class="anchor-place" open>' in html


def test_an_exact_claims_page_has_no_panel(desk, corrected):
    response = desk.get(claim_page(corrected["april"]))
    assert "anchor_review" not in response.context
    assert "field-quote_in_context" in html_of(response)


# --- accepting a fuzzy place -----------------------------------------------------------------


def test_accepting_a_fuzzy_claims_place_makes_it_exact(desk, corrected, alice_user):
    report = corrected["report"]
    response = desk.post(accept_url(report), {"expected_version": report.version}, follow=True)
    assert response.redirect_chain[-1][0] == claim_page(report)
    accepted = Claim.objects.get(pk=report.pk)
    assert (accepted.anchor, accepted.anchor_score, accepted.quote, accepted.version) == (
        AnchorKind.EXACT,
        None,
        NEW_REPORT,
        report.version + 1,
    )
    event = ClaimEvent.objects.filter(claim_id=report.pk).latest("version")
    assert (event.actor, event.changes["anchor"]) == (alice_user, ["fuzzy", "exact"])
    assert any("Accepted" in message for message in messages_of(response))
    assert "anchor_review" not in response.context  # settled: no panel


def test_a_stale_accept_is_refused(desk, corrected, alice_user):
    report = corrected["report"]
    shown_version = report.version
    claim_update(actor=alice_user, claim_id=report.pk, expected_versions=None, claimant="The ministry")
    before = snapshot(report.pk)
    response = desk.post(accept_url(report), {"expected_version": shown_version}, follow=True)
    assert snapshot(report.pk) == before
    assert Claim.objects.get(pk=report.pk).anchor == AnchorKind.FUZZY
    assert any("changed by someone else" in message for message in messages_of(response))


def test_accepting_an_orphaned_claim_is_refused_with_the_reason(desk, corrected):
    critics = corrected["critics"]
    before = snapshot(critics.pk)
    response = desk.post(accept_url(critics), {"expected_version": critics.version}, follow=True)
    assert snapshot(critics.pk) == before
    assert any("Only a fuzzy claim" in message for message in messages_of(response))


def test_accepting_and_placing_need_a_post_with_the_csrf_token(alice_user, corrected):
    report = corrected["report"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice_user)
    before = snapshot(report.pk)
    assert browser.get(accept_url(report)).status_code == 405
    assert browser.post(accept_url(report), {"expected_version": report.version}).status_code == 403
    assert (
        browser.post(place_url(report), {"quote": NEW_REPORT, "expected_version": report.version}).status_code
        == 403
    )
    assert snapshot(report.pk) == before


# --- placing again ---------------------------------------------------------------------------


def test_placing_an_orphaned_claim_again_by_its_words(desk, corrected, alice_user):
    critics = corrected["critics"]
    response = desk.post(
        place_url(critics), {"quote": "fell again in April", "expected_version": critics.version}, follow=True
    )
    assert response.redirect_chain[-1][0] == claim_page(critics)
    placed = Claim.objects.get(pk=critics.pk)
    assert (placed.anchor, placed.anchor_score, placed.quote, placed.revision) == (
        AnchorKind.EXACT,
        None,
        "fell again in April",
        2,
    )
    assert CORRECTED[placed.start : placed.end] == "fell again in April"
    assert any("Placed" in message for message in messages_of(response))
    event = ClaimEvent.objects.filter(claim_id=critics.pk).latest("version")
    assert (event.actor, event.changes["anchor"]) == (alice_user, ["orphaned", "exact"])


def test_offsets_choose_between_repeated_words(desk, corrected):
    report = corrected["report"]
    second = CORRECTED.index("The minister said", 1)
    response = desk.post(
        place_url(report),
        {
            "quote": "The minister said",
            "start": second,
            "end": second + len("The minister said"),
            "expected_version": report.version,
        },
    )
    assert response.status_code == 302
    placed = Claim.objects.get(pk=report.pk)
    assert (placed.anchor, placed.start) == (AnchorKind.EXACT, second)


def test_words_not_in_the_text_are_an_error_on_the_form_and_change_nothing(desk, corrected):
    critics = corrected["critics"]
    before = snapshot(critics.pk)
    response = desk.post(
        place_url(critics), {"quote": "Critics say the figure lies", "expected_version": critics.version}
    )
    html = html_of(response)
    form = response.context["anchor_review"]["place_form"]
    assert form.errors["quote"] == ["The quote does not occur in the article's body."]
    assert snapshot(critics.pk) == before
    # The claim's page again, the editor's words kept in the form, which stays open; the page's
    # own form still saves to the claim's page, not to the place view.
    assert "Critics say the figure lies</textarea>" in html
    assert '<details class="anchor-place" open>' in html
    assert f'<form action="{claim_page(critics)}" method="post" id="claim_form"' in html


def test_repeated_words_without_offsets_are_an_error_on_the_form(desk, corrected):
    report = corrected["report"]
    response = desk.post(
        place_url(report), {"quote": "The minister said", "expected_version": report.version}
    )
    assert "occurs more than once" in " ".join(
        response.context["anchor_review"]["place_form"].errors["quote"]
    )
    assert Claim.objects.get(pk=report.pk).anchor == AnchorKind.FUZZY


def test_a_stale_place_is_refused(desk, corrected, alice_user):
    critics = corrected["critics"]
    shown_version = critics.version
    claim_update(actor=alice_user, claim_id=critics.pk, expected_versions=None, status="in_review")
    before = snapshot(critics.pk)
    response = desk.post(
        place_url(critics), {"quote": "fell again in April", "expected_version": shown_version}, follow=True
    )
    assert snapshot(critics.pk) == before
    assert any("changed by someone else" in message for message in messages_of(response))


# --- who may -------------------------------------------------------------------------------


def test_a_client_cannot_reach_the_queue_or_settle_a_claim(bob_token, column, corrected):
    article, _ = column
    report = corrected["report"]
    bob = browser_for(get_user_model().objects.get(username="bob"))
    before = snapshot(report.pk)
    for response in (
        bob.get(ADMIN_CLAIMS, {"anchor__exact": "fuzzy"}),
        bob.get(claim_page(report)),
        bob.post(accept_url(report), {"expected_version": report.version}),
        bob.post(place_url(report), {"quote": NEW_REPORT, "expected_version": report.version}),
        bob.post(article_page(article), {"body": "Tampered.", "expected_version": 1}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert snapshot(report.pk) == before
    article.refresh_from_db()
    assert article.body == CORRECTED


def test_staff_without_the_editor_role_cannot_settle_a_claim(db, corrected):
    """Model permissions given by hand are not the desk: only editors and admins settle claims."""
    clerk = get_user_model().objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=("view_claim", "change_claim")))
    browser = browser_for(clerk)
    report = corrected["report"]
    before = snapshot(report.pk)
    assert browser.post(accept_url(report), {"expected_version": report.version}).status_code == 403
    assert (
        browser.post(place_url(report), {"quote": NEW_REPORT, "expected_version": report.version}).status_code
        == 403
    )
    assert snapshot(report.pk) == before
