"""The desk in a real browser: headless Chromium, logged in through the admin's own login form, on
a 1366-pixel screen and a 390-pixel phone.

Each page must fit its width (nothing sticks out to the right, and the claim list's table fits its
box), and is saved as a screenshot under var/screenshots/ to be looked at. The add form's picker
is driven as an editor drives it: words selected in the article's text fill Quote, Start and End
with the body's offsets (Python's code points, not JavaScript's UTF-16 units).

Needs Debian's `chromium` and `chromium-driver` (or any Chromium and a matching chromedriver on
PATH) and the `selenium` package; without them these tests are skipped.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from claims.models import Article, Claim
from claims.services.articles import article_create
from claims.services.claims import claim_create, claim_update
from claims.services.evidence import evidence_add
from tests.browser import full_page_screenshot
from tests.helpers import make_token

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (it is in requirements-dev.txt)"
)
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))),
    None,
)
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs headless Chromium and chromedriver on PATH "
    "(Debian: apt-get install chromium chromium-driver)",
)

SIZES = {"1366": (1366, 900), "390": (390, 844)}
PASSWORD = "a desk password for the browser"

# The picker's text: characters outside the BMP (two UTF-16 units each in JavaScript, one code
# point each in Python) and curly quotes before the quote, and line breaks as stored.
PICK_BODY = (
    "Budget week 😀 began quietly.\n\n"
    "The minister said: \u201cit\u2019s 12% now \U0001f44d\U0001f3fd, and falling\u201d, to applause.\n"
    "Critics were unconvinced."
)
PICK_QUOTE = "it\u2019s 12% now \U0001f44d\U0001f3fd, and falling"
LONG_NOTE = (
    "Withdrawn while we check the delivery dates against the Turkish defence ministry's own "
    "statements; the reporting we relied on gave two different months.\nBack to review."
)


@pytest.fixture
def driver() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(30)
    yield browser
    browser.quit()


@pytest.fixture
def desk(live_server: Any, demo: Article) -> dict[str, Any]:
    """The demo column and its claims, an article for the picker, and alice, an editor."""
    make_token("alice", "editor")
    alice = get_user_model().objects.get(username="alice")
    alice.set_password(PASSWORD)
    alice.save()
    # A published claim with evidence, withdrawn with a long note: a full history to show.
    claim = Claim.objects.filter(article=demo, status="published").order_by("id").first()
    assert claim is not None
    evidence_add(
        actor=alice,
        claim_id=claim.pk,
        url="https://www.example.org/reports/2019/12/a-very-long-address-that-has-to-wrap-somewhere",
        title="A second source, with a title long enough to wrap in its column",
        publisher="Example Wire",
    )
    claim_update(actor=alice, claim_id=claim.pk, expected_versions=None, status="in_review", note=LONG_NOTE)
    picks = article_create(headline="Budget week, with an emoji in its text", body=PICK_BODY)
    claim_create(actor=alice, article_id=picks.pk, quote="Critics were unconvinced.", claimant="Critics")
    return {"url": live_server.url, "article": demo, "claim": claim, "picks": picks}


def log_in(driver: Any, base: str) -> None:
    driver.set_window_size(*SIZES["1366"])
    driver.delete_all_cookies()
    driver.get(f"{base}/admin/login/?next=/admin/")
    driver.find_element(By.NAME, "username").send_keys("alice")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    # The click does not wait for the page it opens: wait for the index itself, loaded, so that
    # the next page asked for does not race the end of this navigation.
    wait_for_page(driver, "/admin/")


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    wait_for_page(driver, urlsplit(url).path)


def wait_for_page(driver: Any, path: str) -> None:
    """Wait until the browser shows the page at `path`, loaded; fail saying what it shows instead
    (the login form, or the admin's index after a redirect)."""

    def shown(d: Any) -> bool:
        return (
            urlsplit(d.current_url).path == path
            and d.execute_script("return document.readyState") == "complete"
        )

    try:
        WebDriverWait(driver, 10).until(shown)
    except TimeoutException:
        notes = [m.text for m in driver.find_elements(By.CSS_SELECTOR, "ul.messagelist li, .errornote")]
        pytest.fail(f"asked for {path}; the browser shows {driver.current_url} ({driver.title!r}): {notes}")


def screenshot(driver: Any, name: str) -> Path:
    return full_page_screenshot(driver, name)


OVERFLOW = """
const width = window.innerWidth;
const out = [];
for (const element of document.querySelectorAll('#content *')) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (element.closest('.select2-hidden-accessible, .hidden')) continue;
    if (box.right > width + 1 || box.left < -1) {
        const name = `${element.tagName.toLowerCase()}.${element.className}`;
        out.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}]`);
    }
}
return {page: document.documentElement.scrollWidth, width: width, out: out.slice(0, 8)};
"""


RESULTS_TABLE = """
const table = document.getElementById('result_list'), box = table.closest('.results');
const heads = [...table.querySelectorAll('thead th')];
return {
    table: table.getBoundingClientRect().width,
    box: box.clientWidth,
    scroll: box.scrollWidth,
    quote: table.querySelector('td.field-quote_excerpt').getBoundingClientRect().width,
    head: Math.max(...heads.map(h => h.scrollWidth - h.clientWidth)),
};
"""

HISTORY_NOTE = """
const cells = [...document.querySelectorAll('table.claim-history td.claim-note')];
const cell = cells.find(c => c.textContent.startsWith('Withdrawn'));
const box = cell.getBoundingClientRect();
return {width: box.width, height: box.height, text: cell.textContent};
"""


def assert_fits(driver: Any, where: str) -> None:
    found = driver.execute_script(OVERFLOW)
    assert found["page"] <= found["width"] + 1, f"{where}: the page scrolls sideways: {found}"
    assert not found["out"], f"{where}: these stick out of the window: {found['out']}"


PAGES = ("list", "claim", "add", "article")


def page_urls(desk: dict[str, Any]) -> dict[str, str]:
    base = desk["url"]
    return {
        "list": f"{base}/admin/claims/claim/",
        "claim": f"{base}/admin/claims/claim/{desk['claim'].pk}/change/",
        "add": f"{base}/admin/claims/claim/add/?article={desk['article'].pk}",
        "article": f"{base}/admin/claims/article/{desk['article'].pk}/change/",
    }


@pytest.mark.parametrize("size", SIZES)
def test_the_desks_pages_fit_the_screen(driver, desk, size):
    log_in(driver, desk["url"])
    driver.set_window_size(*SIZES[size])
    assert driver.execute_script("return window.innerWidth") == SIZES[size][0]
    for name, url in page_urls(desk).items():
        open_page(driver, url)
        screenshot(driver, f"{name}-{size}")
        assert_fits(driver, f"{name} at {size}")
        if name == "list" and size == "1366":
            table = driver.execute_script(RESULTS_TABLE)
            assert table["table"] <= table["box"] + 1, table
            assert table["scroll"] <= table["box"] + 1, table  # no sideways scrolling in its box
            assert table["quote"] >= 300, table  # the quote has the room
            assert table["head"] <= 0, table  # no header cut
        if name == "claim":
            note = driver.execute_script(HISTORY_NOTE)
            assert note["text"] == LONG_NOTE
            assert note["width"] >= (250 if size == "1366" else 200), note  # a column, not a strip
        if name == "add":
            assert driver.find_element(By.CSS_SELECTOR, ".claim-source-text").is_displayed()


def select_in_text(driver: Any, needle: str) -> None:
    """Select `needle` in the add form's text with the mouse, from its first character to its last."""
    box = driver.execute_script(
        """
        const [needle] = arguments;
        const root = document.querySelector('.claim-source-text');
        const at = root.textContent.indexOf(needle);
        if (at < 0) return null;
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        const spots = [];
        let seen = 0, node;
        while ((node = walker.nextNode())) {
            for (const index of [at, at + needle.length - 1]) {
                if (index >= seen && index < seen + node.length) spots.push([node, index - seen]);
            }
            seen += node.length;
        }
        const rect = (node, offset) => {
            const range = document.createRange();
            range.setStart(node, offset);
            range.setEnd(node, offset + 1);
            return range.getClientRects()[0];
        };
        root.scrollIntoView({block: 'center'});
        const first = rect(...spots[0]), last = rect(...spots[spots.length - 1]);
        // Offsets from the element's centre, as Selenium's pointer moves take them.
        const frame = root.getBoundingClientRect();
        const cx = frame.left + frame.width / 2, cy = frame.top + frame.height / 2;
        return {
            x0: first.left + 1 - cx, y0: first.top + first.height / 2 - cy,
            x1: last.right - 1 - cx, y1: last.top + last.height / 2 - cy,
        };
        """,
        needle,
    )
    assert box is not None, f"{needle!r} is not in the text"
    text = driver.find_element(By.CSS_SELECTOR, ".claim-source-text")
    (
        ActionChains(driver)
        .move_to_element_with_offset(text, round(box["x0"]), round(box["y0"]))
        .click_and_hold()
        .move_to_element_with_offset(text, round(box["x1"]), round(box["y1"]))
        .release()
        .perform()
    )


def select_range(driver: Any, needle: str) -> None:
    """Select exactly `needle` in the add form's text, as a script can (white space included)."""
    # The text may still be arriving (or be replaced by the article picker's script): wait for it.
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "const root = document.querySelector('.claim-source-text');"
            "return root !== null && root.textContent.includes(arguments[0]);",
            needle,
        )
    )
    driver.execute_script(
        """
        const [needle] = arguments;
        const root = document.querySelector('.claim-source-text');
        const at = root.textContent.indexOf(needle);
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        let seen = 0, node, started = false;
        while ((node = walker.nextNode())) {
            if (!started && at < seen + node.length) {
                range.setStart(node, at - seen);
                started = true;
            }
            if (at + needle.length <= seen + node.length) {
                range.setEnd(node, at + needle.length - seen);
                break;
            }
            seen += node.length;
        }
        const selection = document.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        """,
        needle,
    )


def fields(driver: Any) -> tuple[str, str, str]:
    return tuple(  # type: ignore[return-value]
        driver.find_element(By.NAME, name).get_attribute("value") for name in ("quote", "start", "end")
    )


def wait_for_quote(driver: Any, expected: str) -> tuple[str, str, str]:
    try:
        WebDriverWait(driver, 5).until(lambda d: fields(d)[0] == expected)
    except TimeoutException:
        status = driver.find_element(By.CSS_SELECTOR, ".claim-source-status").text
        selected = driver.execute_script("return String(document.getSelection())")
        pytest.fail(f"Quote, Start and End are {fields(driver)!r} ({status!r}); selected: {selected!r}")
    return fields(driver)


@pytest.mark.parametrize("size", SIZES)
def test_selecting_words_in_the_text_fills_quote_start_and_end(driver, desk, size):
    picks: Article = desk["picks"]
    log_in(driver, desk["url"])
    driver.set_window_size(*SIZES[size])
    open_page(driver, f"{desk['url']}/admin/claims/claim/add/?article={picks.pk}")
    text = driver.find_element(By.CSS_SELECTOR, ".claim-source-text")
    assert driver.execute_script("return arguments[0].textContent", text) == PICK_BODY

    # Across a paragraph break, with the space after the last word: the line breaks are the
    # body's "\n", and the white space at the end is left out.
    select_range(driver, "began quietly.\n\nThe minister said: ")
    _, start, end = wait_for_quote(driver, "began quietly.\n\nThe minister said:")
    assert (int(start), int(end)) == (PICK_BODY.index("began"), PICK_BODY.index(":") + 1)

    # With the mouse, after an emoji and curly quotes: offsets in code points.
    select_in_text(driver, PICK_QUOTE)
    _, start, end = wait_for_quote(driver, PICK_QUOTE)
    python_start = PICK_BODY.index(PICK_QUOTE)
    assert python_start != PICK_BODY.encode("utf-16-le").index(PICK_QUOTE.encode("utf-16-le")) // 2
    assert (int(start), int(end)) == (python_start, python_start + len(PICK_QUOTE))
    status = driver.find_element(By.CSS_SELECTOR, ".claim-source-status").text
    assert f"characters {python_start} to {python_start + len(PICK_QUOTE)}" in status
    screenshot(driver, f"add-picked-{size}")

    driver.find_element(By.NAME, "claimant").send_keys("The minister")
    driver.find_element(By.NAME, "_save").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.split("?")[0].endswith("/admin/claims/claim/"))
    claim = Claim.objects.get(article=picks, claimant="The minister")
    assert (claim.quote, claim.start, claim.end) == (PICK_QUOTE, python_start, python_start + len(PICK_QUOTE))


def test_editing_a_picked_quote_clears_its_offsets(driver, desk):
    picks: Article = desk["picks"]
    log_in(driver, desk["url"])
    open_page(driver, f"{desk['url']}/admin/claims/claim/add/?article={picks.pk}")
    select_range(driver, "to applause")
    assert wait_for_quote(driver, "to applause")[1:] != ("", "")
    driver.find_element(By.NAME, "quote").send_keys(".")
    assert fields(driver) == ("to applause.", "", "")


SHOWN_TEXT = "const text = document.querySelector('.claim-source-text'); return text && text.textContent;"


def click_option(driver: Any, words: str) -> bool:
    """Click select2's highlighted option if it is the one named `words` (else wait on)."""
    options = driver.find_elements(By.CSS_SELECTOR, ".select2-results__option--highlighted")
    if not options or words not in options[0].text:
        return False
    options[0].click()
    return True


def test_choosing_another_article_shows_its_text(driver, desk):
    log_in(driver, desk["url"])
    open_page(driver, f"{desk['url']}/admin/claims/claim/add/")
    source = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.ID, "claim-source"))
    assert "Choose an article" in source.text
    # The article picker is select2: open it, type, choose.
    driver.find_element(By.CSS_SELECTOR, ".field-article .select2-selection").click()
    search = WebDriverWait(driver, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".select2-search__field")
    )
    search.send_keys("Budget week")
    # The results are redrawn as each keystroke's answer arrives: click the option once it is the
    # article's, and find it again if it was redrawn under the click.
    WebDriverWait(driver, 5, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: click_option(d, "Budget week")
    )
    WebDriverWait(driver, 5).until(lambda d: d.execute_script(SHOWN_TEXT) == PICK_BODY)
    select_range(driver, "Budget week")
    assert wait_for_quote(driver, "Budget week")[1:] == ("0", "11")


def test_the_add_form_works_without_javascript(driver, desk):
    """The text is there to copy from, and the quote is found by its words."""
    picks: Article = desk["picks"]
    log_in(driver, desk["url"])
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        open_page(driver, f"{desk['url']}/admin/claims/claim/add/?article={picks.pk}")
        panel = driver.find_element(By.ID, "claim-source")
        assert "Copy the claim's exact words" in panel.text
        assert "Select the claim's words" not in panel.text
        # Without select2, the article field is the plain select, already on the article.
        driver.find_element(By.NAME, "quote").send_keys("to applause")
        driver.find_element(By.NAME, "claimant").send_keys("Someone")
        driver.find_element(By.NAME, "_save").click()
        WebDriverWait(driver, 10).until(
            lambda d: d.current_url.split("?")[0].endswith("/admin/claims/claim/")
        )
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    claim = Claim.objects.get(article=picks, claimant="Someone")
    assert PICK_BODY[claim.start : claim.end] == "to applause"


# --- after a correction: a fuzzy claim's panel ----------------------------------------------------

# A correction of the demo column: the quote from NATO's transcript spelled as it was said,
# "defence" (its published claim becomes fuzzy), and a sentence deleted (its claim is orphaned).
TRANSCRIPT_QUOTE = "Your leadership on defense spending is having a real impact"
DELETED_SENTENCE = " Macron is ambivalent at best."
CORRECTION_NOTE = "NATO's transcript has “defence”; the remark about Macron was withdrawn by the author."

PANEL_BOX = """
const panel = document.querySelector('.anchor-review');
const box = panel.getBoundingClientRect();
return {bottom: box.bottom + window.scrollY, width: box.width};
"""


def screenshot_to(driver: Any, name: str, bottom: float) -> Path:
    """The page from its top down to `bottom` (CSS pixels), with some room under it."""
    return full_page_screenshot(driver, name, bottom=bottom)


@pytest.mark.parametrize("size", SIZES)
def test_a_fuzzy_claims_panel_shows_its_old_words_beside_the_new(driver, desk, size):
    from claims.services.articles import article_update

    article: Article = desk["article"]
    alice = get_user_model().objects.get(username="alice")
    body = Article.objects.get(pk=article.pk).body
    assert TRANSCRIPT_QUOTE in body
    assert DELETED_SENTENCE in body
    corrected = body.replace(TRANSCRIPT_QUOTE, TRANSCRIPT_QUOTE.replace("defense", "defence")).replace(
        DELETED_SENTENCE, ""
    )
    article_update(actor=alice, article_id=article.pk, body=corrected, note=CORRECTION_NOTE)
    claim = Claim.objects.get(article=article, quote=TRANSCRIPT_QUOTE.replace("defense", "defence"))
    assert claim.anchor == "fuzzy"

    log_in(driver, desk["url"])
    driver.set_window_size(*SIZES[size])
    open_page(driver, f"{desk['url']}/admin/claims/claim/{claim.pk}/change/")
    panel = driver.find_element(By.CSS_SELECTOR, ".anchor-review")
    assert panel.find_element(By.CSS_SELECTOR, ".anchor-before del").text == "defense"
    assert panel.find_element(By.CSS_SELECTOR, ".anchor-now ins").text == "defence"
    accept = panel.find_element(By.CSS_SELECTOR, "button.anchor-accept")
    assert accept.is_displayed()
    box = driver.execute_script(PANEL_BOX)
    screenshot_to(driver, f"anchor-queue-{size}", box["bottom"])
    assert_fits(driver, f"the fuzzy claim's panel at {size}")
    if size == "390":  # old above new, each the panel's width
        before, now = (panel.find_element(By.CSS_SELECTOR, f".anchor-{side}") for side in ("before", "now"))
        assert before.location["y"] < now.location["y"]
    else:  # side by side
        before, now = (panel.find_element(By.CSS_SELECTOR, f".anchor-{side}") for side in ("before", "now"))
        assert before.location["y"] == now.location["y"]
        assert before.location["x"] < now.location["x"]

    # Placing it again: words selected in the current text fill the place form's fields.
    panel.find_element(By.CSS_SELECTOR, ".anchor-place > summary").click()
    select_range(driver, "spending is having a real impact")
    quote, start, end = wait_for_quote(driver, "spending is having a real impact")
    assert corrected[int(start) : int(end)] == quote

    # One click accepts the place shown.
    accept.click()
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "ul.messagelist .success"))
    claim.refresh_from_db()
    assert (claim.anchor, claim.quote) == ("exact", TRANSCRIPT_QUOTE.replace("defense", "defence"))
    assert not driver.find_elements(By.CSS_SELECTOR, ".anchor-review")
