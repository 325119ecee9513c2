"""What editors see on the desk: the claim list, a claim's history, the add form's text to pick
the quote from, the status field's choices and refusals, and the article page. Used through the
test client as alice, an editor made by `token_create`, as in test_admin.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client

from claims.models import Article, Claim
from claims.services.articles import article_create
from claims.services.claims import claim_create, claim_update
from claims.services.evidence import evidence_add

ARTICLES = "/admin/claims/article/"
CLAIMS = "/admin/claims/claim/"
ADD = f"{CLAIMS}add/"
SOURCE = f"{CLAIMS}source/"
EVENTS = "/admin/claims/claimevent/"
ADMIN_INDEX = "/admin/"

REPORT = "unemployment fell to 4.2% in March"
CRITICS = "Critics say the figure hides part-time work"

# The desk's one time format: "2026-03-05 14:07 UTC".
DESK_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$")
STATUS_CODES = ("'pending'", "'in_review'", "'published'", "'not_checkable'", "in_review", "not_checkable")


@pytest.fixture
def desk(alice_user: Any) -> Client:
    browser = Client()
    browser.force_login(alice_user)
    return browser


def page(response: Any) -> str:
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def claim_page(claim: Claim) -> str:
    return f"{CLAIMS}{claim.pk}/change/"


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def opened(browser: Client, claim: Claim) -> dict[str, Any]:
    """The claim's change form as posted back untouched."""
    form = browser.get(claim_page(claim)).context["adminform"].form
    return {name: "" if form[name].value() is None else form[name].value() for name in form.fields}


class _Elements(HTMLParser):
    """The text of every element with a given class, and the options of every select."""

    def __init__(self, css_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.found: list[str] = []
        self.depth = 0
        self.selects: dict[str, list[tuple[str, str]]] = {}
        self.select: str | None = None
        self.option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.depth:
            self.depth += tag not in ("br", "img", "input", "col")
        elif self.css_class in (attributes.get("class") or "").split():
            self.depth = 1
            self.found.append("")
        if tag == "select":
            self.select = attributes.get("name") or ""
            self.selects[self.select] = []
        elif tag == "option" and self.select is not None:
            self.option = attributes.get("value") or ""
            self.selects[self.select].append((self.option, ""))

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
        if tag == "select":
            self.select = None
        elif tag == "option":
            self.option = None

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] += data
        if self.select is not None and self.option is not None:
            value, text = self.selects[self.select][-1]
            self.selects[self.select][-1] = (value, text + data.strip())


def texts(html: str, css_class: str) -> list[str]:
    parser = _Elements(css_class)
    parser.feed(html)
    return parser.found


def options(html: str, name: str) -> list[tuple[str, str]]:
    parser = _Elements("-")
    parser.feed(html)
    return parser.selects[name]


def times_on(html: str) -> list[str]:
    return re.findall(r"<time [^>]*>(.*?)</time>", html)


def shown_time(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


# --- 15. the claim list ----------------------------------------------------------------------


def column_headers(html: str) -> list[str]:
    """The claim list's column headers, as its table shows them."""
    cells = re.findall(
        r'<th scope="col" class="[^"]*column-[^"]*">.*?<div class="text">(.*?)</div>', html, re.S
    )
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_claim_list_has_few_columns_with_short_headers(desk, make_claim):
    make_claim(status="in_review")
    response = desk.get(CLAIMS)
    headers = column_headers(page(response))
    assert headers == ["ID", "Quote", "Claimant", "Status", "Article", "Updated"]
    assert "version" not in response.context["cl"].list_display


def test_the_claim_list_shows_the_status_by_label_with_the_rating_under_it(desk, make_claim):
    make_claim(status="published", rating="mostly_true")
    html = page(desk.get(CLAIMS))
    assert '<span class="claim-status claim-published">Published</span>' in html
    assert '<span class="claim-rating">Mostly true</span>' in html


def test_the_quote_excerpt_is_cut_between_words(desk, article, alice_user):
    long_body = "Intro. " + " ".join(f"word{i:03d}" for i in range(80)) + "."
    other = article_create(headline="Long", body=long_body)
    quote = long_body[len("Intro. ") : -1]
    claim_create(actor=alice_user, article_id=other.pk, quote=quote, claimant="X")
    html = page(desk.get(CLAIMS))
    cell = re.search(r'<td class="field-quote_excerpt"><a [^>]*>(.*?)</a>', html, re.S)
    assert cell is not None
    shown = cell.group(1)
    assert re.fullmatch(r"(word\d{3} )*word\d{3}…", shown), shown  # whole words only
    assert len(shown) > 100  # the quote column has the room for it


def test_the_claim_list_loads_the_desks_stylesheet_and_no_model_sidebar(desk, make_claim):
    make_claim()
    response = desk.get(CLAIMS)
    html = page(response)
    assert "claims/admin/desk.css" in html
    assert response.context["is_nav_sidebar_enabled"] is False
    stylesheet = Client().get("/static/claims/admin/desk.css")
    assert stylesheet.status_code == 200
    css = b"".join(stylesheet.streaming_content).decode()  # type: ignore[attr-defined]
    assert "field-quote_excerpt" in css
    assert "@media (max-width: 767px)" in css


def test_a_list_filtered_by_article_does_not_repeat_the_article(desk, article, make_claim):
    make_claim()
    assert "article_headline" in desk.get(CLAIMS).context["cl"].list_display
    filtered = desk.get(CLAIMS, {"article": str(article.pk)})
    assert "article_headline" not in filtered.context["cl"].list_display
    assert [c.article_id for c in filtered.context["cl"].result_list] == [article.pk]


def test_the_article_filter_names_articles_cut_between_words(desk, make_claim):
    make_claim()
    article_create(headline="A very long headline about " + "municipal budgets " * 6, body="Text.")
    filters = page(desk.get(CLAIMS)).split('id="changelist-filter"')[1]
    [shown] = re.findall(r">(A very long headline[^<]*)<", filters)
    assert re.fullmatch(r"A very long headline about (municipal budgets ?)+(municipal)?…", shown), shown
    assert len(shown) <= 61


def test_an_article_filter_too_long_for_an_id_is_not_a_server_error(desk, make_claim):
    make_claim()
    response = desk.get(CLAIMS, {"article": "9" * 30})
    assert response.status_code == 302
    assert "e=1" in response["Location"]


# --- 16. a claim's history -------------------------------------------------------------------


def test_the_history_shows_evidence_as_its_title_and_link_not_json(desk, make_claim, alice_user):
    claim = make_claim()
    evidence_add(
        actor=alice_user,
        claim_id=claim.pk,
        url="https://www.ons.gov.uk/march",
        title="Labour market, March",
        publisher="ONS",
        note="The March release.",
    )
    html = page(desk.get(claim_page(claim)))
    [changes] = [t for t in texts(html, "claim-changes") if "evidence" in t]
    assert changes == "evidence: — → Labour market, March (ONS)"
    assert (
        'evidence: — → <a href="https://www.ons.gov.uk/march" rel="noopener noreferrer" '
        'target="_blank">Labour market, March</a> (ONS)'
    ) in html
    history = "".join(texts(html, "claim-history"))
    assert "url" not in history
    assert "{" not in history


def test_evidence_without_a_title_shows_its_url_and_never_links_another_scheme():
    from claims.admin.claims import _changes_html

    assert _changes_html({"evidence": [None, {"id": 1, "url": "https://example.org/a", "title": ""}]}) == (
        '<div class="claim-change">evidence: — → <a href="https://example.org/a" rel="noopener noreferrer" '
        'target="_blank">https://example.org/a</a></div>'
    )
    shown = _changes_html({"evidence": [None, {"url": "javascript:alert(1)", "title": "x"}]})
    assert "href" not in shown


def test_the_history_names_statuses_and_ratings_by_label_and_empty_values_as_a_dash(
    desk, make_claim, alice_user
):
    claim = make_claim(status="published", rating="mostly_true", summary="Close to the figure.")
    html = page(desk.get(claim_page(claim)))
    changes = " | ".join(texts(html, "claim-change"))
    assert "status: Pending → In review" in changes
    assert "rating: — → Mostly true" in changes
    assert "summary: — → Close to the figure." in changes
    assert "status: In review → Published" in changes
    assert "→ in_review" not in changes
    assert "mostly_true" not in changes


def test_history_notes_are_whole_and_in_a_column_of_their_own(desk, make_claim, alice_user):
    note = "Checked against the ONS release of 14 May;\nthe March figure was revised " + "again " * 30
    claim = make_claim(status="published")
    claim_update(actor=alice_user, claim_id=claim.pk, expected_versions=None, status="in_review", note=note)
    html = page(desk.get(claim_page(claim)))
    assert note.strip() in [n.strip() for n in texts(html, "claim-note")]
    assert '<col class="note">' in html
    css = b"".join(Client().get("/static/claims/admin/desk.css").streaming_content).decode()  # type: ignore[attr-defined]
    note_rule = css[css.index(".claim-note {") :].split("}")[0]
    assert "white-space: pre-wrap" in note_rule
    assert "min-width" in note_rule


def test_every_time_on_a_claims_page_is_in_one_format_with_the_zone(desk, make_claim, alice_user):
    claim = make_claim(status="published")
    evidence_add(actor=alice_user, claim_id=claim.pk, url="https://example.org/x", title="X")
    html = page(desk.get(claim_page(claim)))
    shown = [shown_time(t) for t in times_on(html)]
    # The history's 4 events, the evidence, and the record's created, updated and published.
    assert len(shown) == 8
    assert all(DESK_TIME.match(t) for t in shown), shown
    assert not re.search(r"\b(a\.m\.|p\.m\.|midnight|noon)", html)


def test_the_history_list_and_its_pages_use_the_same_format(desk, make_claim, alice_user):
    claim = make_claim(status="in_review")
    html = page(desk.get(EVENTS))
    shown = [shown_time(t) for t in times_on(html)]
    assert len(shown) == 2
    assert all(DESK_TIME.match(t) for t in shown), shown
    event = claim.events.order_by("version").last()
    detail = page(desk.get(f"{EVENTS}{event.pk}/change/"))
    assert "status: Pending → In review" in detail
    assert all(DESK_TIME.match(shown_time(t)) for t in times_on(detail))


# --- 17. the add form shows the article's text -----------------------------------------------

PICK_BODY = "Intro 😀 line.\r\nShe said “it\u2019s 12% now” — 👍🏽 <b>bold</b> & more.\nEnd."


def test_the_add_form_shows_the_chosen_articles_text_character_for_character(desk, alice_user):
    article = article_create(headline="Picks", body=PICK_BODY)
    claim_create(actor=alice_user, article_id=article.pk, quote="line.", claimant="X")
    html = page(desk.get(ADD, {"article": article.pk}))
    [text] = texts(html, "claim-source-text")
    assert text == PICK_BODY  # the carriage return too: offsets count it
    assert f'data-length="{len(PICK_BODY)}"' in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert "<b>bold</b>" not in html
    assert 'class="claim-pending"' in html  # the existing claim is marked, not linked
    assert "claims/admin/quote-picker.js" in html
    assert "Select the claim's words in the text" in html


def test_a_refused_add_form_still_shows_the_posted_articles_text(desk, article):
    response = desk.post(ADD, {"article": article.pk, "quote": "not in the text", "claimant": "X"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["quote"]
    assert texts(response.content.decode(), "claim-source-text") == [article.body]


def test_the_add_form_without_an_article_asks_for_one(desk, article):
    html = page(desk.get(ADD))
    assert texts(html, "claim-source-text") == []
    assert "Choose an article to see its text here." in html


def test_the_picker_loads_another_articles_text(desk, article):
    other = article_create(headline="Other", body="Prices fell. Wages rose.")
    response = desk.get(SOURCE, {"article": other.pk})
    assert texts(page(response), "claim-source-text") == ["Prices fell. Wages rose."]
    assert desk.get(SOURCE, {"article": "abc"}).status_code == 404
    assert desk.get(SOURCE, {"article": "999999"}).status_code == 404


def test_only_editors_may_load_an_articles_text(bob_token, article):
    bob = get_user_model().objects.get(username="bob")
    browser = Client()
    browser.force_login(bob)
    response = browser.get(SOURCE, {"article": article.pk})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_offsets_in_code_points_place_a_quote_after_an_emoji(desk, alice_token):
    """What the picker posts: Python str indices, not JavaScript's UTF-16 ones."""
    article = article_create(headline="Picks", body=PICK_BODY.replace("\r\n", "\n"))
    quote = "it\u2019s 12% now"
    start = article.body.index(quote)
    assert start != article.body.encode("utf-16-le").index(quote.encode("utf-16-le")) // 2
    response = desk.post(
        ADD,
        {"article": article.pk, "quote": quote, "claimant": "She", "start": start, "end": start + len(quote)},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim = Claim.objects.get()
    assert (claim.start, claim.end, article.body[claim.start : claim.end]) == (
        start,
        start + len(quote),
        quote,
    )


# --- ?article=abc ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "1; DROP TABLE", "9" * 30, "-1", "\u0661"])
def test_a_malformed_article_in_the_add_forms_address_is_ignored(desk, article, value):
    response = desk.get(ADD, {"article": value})
    html = page(response)
    assert "article" not in response.context["adminform"].form.initial
    assert texts(html, "claim-source-text") == []
    assert "selected>" not in html.split('name="article"')[1].split("</select>")[0]


def test_a_malformed_article_in_a_posted_add_form_is_a_form_error(desk, article):
    response = desk.post(ADD, {"article": "abc", "quote": "x", "claimant": "X"})
    assert response.status_code == 200
    assert "article" in response.context["adminform"].form.errors
    assert not Claim.objects.exists()


# --- 18. the status field offers only the allowed moves --------------------------------------


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("pending", [("pending", "Pending"), ("in_review", "In review"), ("not_checkable", "Not checkable")]),
        (
            "in_review",
            [
                ("pending", "Pending"),
                ("in_review", "In review"),
                ("published", "Published"),
                ("not_checkable", "Not checkable"),
            ],
        ),
        ("published", [("in_review", "In review"), ("published", "Published")]),
        ("not_checkable", [("pending", "Pending"), ("not_checkable", "Not checkable")]),
    ],
)
def test_the_status_field_offers_the_current_status_and_the_allowed_moves(desk, make_claim, status, offered):
    claim = make_claim(status=status)
    html = page(desk.get(claim_page(claim)))
    assert options(html, "status") == offered
    assert f'<option value="{status}" selected>' in html


def test_a_refused_move_names_the_statuses_by_label(desk, make_claim):
    claim = make_claim(status="published")
    response = desk.post(claim_page(claim), {**opened(desk, claim), "status": "not_checkable"})
    [error] = response.context["adminform"].form.errors["status"]
    assert error == "From “Published” a claim cannot move to “Not checkable”; it may move to: In review."
    html = page(response)
    assert not any(code in error for code in STATUS_CODES)
    assert "Not checkable" in html
    assert Claim.objects.get(pk=claim.pk).status == "published"


def test_a_bulk_move_refused_by_the_workflow_names_the_statuses_by_label(desk, make_claim):
    published = make_claim(status="published")
    response = desk.post(
        CLAIMS, {"action": "mark_not_checkable", "_selected_action": [published.pk], "index": "0"}
    )
    [reported] = messages_of(response)
    assert reported == (
        f"Not moved: claim {published.pk}. From “Published” a claim cannot move to “Not checkable”; "
        "it may move to: In review."
    )


def test_a_refused_deletion_names_the_status_by_label(desk, make_claim):
    claim = make_claim(status="in_review")
    response = desk.post(f"{CLAIMS}{claim.pk}/delete/", {"post": "yes"})
    [reported] = messages_of(response)
    assert reported.startswith("Only pending claims can be deleted, not “In review” ones")
    assert not any(code in reported for code in STATUS_CODES)
    bulk = desk.post(CLAIMS, {"action": "delete_selected", "_selected_action": [claim.pk], "post": "yes"})
    reported = messages_of(bulk)[-1]
    assert reported.startswith(
        f"Not deleted: claim {claim.pk}. Only pending claims can be deleted, not “In review”"
    )
    assert Claim.objects.filter(pk=claim.pk).exists()


# --- 19. the article page, titles, and "View site" ---------------------------------------


def test_the_article_page_has_a_legend_for_its_colours(desk, article, make_claim):
    make_claim(REPORT, status="published")
    make_claim(CRITICS, claimant="Critics")
    html = page(desk.get(f"{ARTICLES}{article.pk}/change/"))
    [legend] = texts(html, "claim-legend")
    for label, count in (("Pending", 1), ("In review", 0), ("Published", 1), ("Not checkable", 0)):
        assert f"{label} {count}" in legend
    assert "overlap" in legend
    for status in ("pending", "in_review", "published", "not_checkable"):
        assert f'<mark class="claim-{status}">' in html


def test_the_article_page_lists_each_claims_quote_once(desk, article, make_claim):
    claim = make_claim(REPORT)
    html = page(desk.get(f"{ARTICLES}{article.pk}/change/"))
    inline = html.split('id="claims-group"')[1]
    assert inline.count(REPORT) == 1
    assert f'<a href="{claim_page(claim)}">{REPORT}</a>' in inline
    assert str(claim) not in inline


def test_a_claims_title_and_breadcrumb_are_cut_between_words(desk, alice_user):
    body = "Start. The regional council approved the extraordinary infrastructure budget yesterday. End."
    article = article_create(headline="Council", body=body)
    quote = "The regional council approved the extraordinary infrastructure budget yesterday."
    claim = claim_create(actor=alice_user, article_id=article.pk, quote=quote, claimant="The council")
    html = page(desk.get(claim_page(claim)))
    assert str(claim) not in html  # the model's str cuts at 60 characters, inside a word
    subtitle = re.search(r"<h2>(.*?)</h2>", html).group(1)
    crumb = re.search(
        r'<div class="breadcrumbs">.*?&rsaquo;[^&]*&rsaquo;[^&]*&rsaquo;\s*(.*?)\s*</div>', html, re.S
    )
    assert crumb is not None
    assert subtitle == crumb.group(1)
    assert subtitle.startswith(f"Claim {claim.pk}: The council: “The regional council")
    words = re.sub(r"[“”…:]", " ", subtitle).split()
    assert all(
        word.rstrip(".") in (body + f" Claim {claim.pk} The council").replace(".", " ").split()
        for word in words
    )
    assert re.search(r"<title>Claim \d+: The council:", html)


def test_a_quotes_context_starts_and_ends_between_words(desk, make_claim):
    claim = make_claim(CRITICS, claimant="Critics")
    html = page(desk.get(claim_page(claim)))
    # Stored: "ployment fell to 4.2% in March. " before it, and 32 characters after it.
    assert texts(html, "claim-context") == [f"…fell to 4.2% in March. {CRITICS}. The minister said…"]


def test_the_inline_and_the_list_cut_long_quotes_between_words(desk, alice_user):
    words = " ".join(f"alpha{i:02d}" for i in range(40))
    article = article_create(headline="Long", body=f"{words}.")
    claim_create(actor=alice_user, article_id=article.pk, quote=words, claimant="X")
    html = page(desk.get(f"{ARTICLES}{article.pk}/change/"))
    found = re.search(r'<td class="field-quote_link"[^>]*>(?:<input [^>]*>)*<a [^>]*>(.*?)</a>', html)
    assert found is not None
    link = found.group(1)
    assert re.fullmatch(r"(alpha\d\d )*alpha\d\d…", link), link


def test_view_site_leads_to_the_public_list_of_columns(desk, article):
    response = desk.get(ADMIN_INDEX)
    assert response.context["site_url"] == "/"
    assert '<a href="/">View site</a>' in response.content.decode()
    assert article.headline in Client().get("/").content.decode()


def test_an_articles_page_links_to_its_public_page(desk, article):
    html = page(desk.get(f"{ARTICLES}{article.pk}/change/"))
    assert f'href="/articles/{article.pk}/" class="viewsitelink"' in html
    assert Client().get(f"/articles/{article.pk}/").status_code == 200


def test_only_a_published_claims_page_links_to_its_public_page(desk, make_claim):
    published = make_claim(REPORT, status="published")
    draft = make_claim(CRITICS, claimant="Critics", status="in_review")
    assert f'href="/claims/{published.pk}/" class="viewsitelink"' in page(desk.get(claim_page(published)))
    assert "viewsitelink" not in page(desk.get(claim_page(draft)))


def test_article_times_use_the_desks_format(desk, article):
    Article.objects.filter(pk=article.pk).update(published_at="2024-05-01T12:00:00Z")
    html = page(desk.get(f"{ARTICLES}{article.pk}/change/"))
    shown = [shown_time(t) for t in times_on(html)]
    assert len(shown) == 2  # created and updated
    assert all(DESK_TIME.match(t) for t in shown), shown
    listed = page(desk.get(ARTICLES))
    assert "2024-05-01 12:00 UTC" in [shown_time(t) for t in times_on(listed)]
