"""The seed column's reader page in a real browser (headless Chromium): its published claims
marked with their labels, an unpublished claim's words not marked, no console error, no serious
accessibility violation by axe-core, nothing wider than the screen, and screenshots at 1366 and
390 pixels saved under var/screenshots/ to be looked at."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from claims.models import Article, Claim, Rating
from tests.browser import axe_script, chromium, full_page_screenshot

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(result => done(result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map(n => n.html)}))))
  .catch(error => done([{id: "axe-failed", impact: "critical", help: String(error), nodes: []}]));
"""
MARKS = """
return Array.from(document.querySelectorAll("mark.claim")).map(m => [m.dataset.claims, m.textContent]);
"""
LABELS = """
return Array.from(document.querySelectorAll("a.label")).map(a => [a.id, a.firstChild.textContent]);
"""
OVERFLOW = "return document.documentElement.scrollWidth - window.innerWidth;"


@pytest.fixture
def column(transactional_db: Any) -> Article:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Article.objects.get()


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_the_seed_columns_page_in_a_browser(live_server, column, width, height):
    published = dict(Claim.objects.filter(article=column, status="published").values_list("id", "rating"))
    unpublished = list(Claim.objects.filter(article=column).exclude(status="published").values("id", "quote"))
    axe = axe_script()
    with chromium(width, height) as browser:
        # A phone's width: headless Chromium keeps its window at least 500 pixels wide.
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500},
        )
        browser.get(f"{live_server.url}/articles/{column.pk}/")
        assert browser.execute_script("return window.innerWidth") == width
        full_page_screenshot(browser, f"reader-{width}")
        assert browser.title.startswith(column.headline)

        marks = browser.execute_script(MARKS)
        assert {int(claims) for claims, _ in marks} == set(published)
        marked_text = " ".join(text for _, text in marks)
        for claim in unpublished:
            assert f'"{claim["id"]}"' not in str(marks)
            assert claim["quote"] not in marked_text.replace("Checked claim: ", "")
        labels = dict(browser.execute_script(LABELS))
        assert labels == {f"quote-{pk}": Rating(rating).label for pk, rating in published.items()}

        # Keyboard: the first Tab reaches the skip link, and following a label lands on its verdict.
        browser.find_element("tag name", "body").send_keys("\ue004")
        assert browser.switch_to.active_element.get_attribute("class") == "skip"
        first = min(published)
        browser.find_element("id", f"quote-{first}").click()
        assert browser.execute_script("return location.hash") == f"#claim-{first}"

        assert browser.execute_script(OVERFLOW) <= 0
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []

        browser.execute_script(axe)
        violations = browser.execute_async_script(AXE_RUN)
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert serious == [], serious


def test_the_list_of_columns_and_a_verdicts_page_pass_axe_too(live_server, column):
    published = Claim.objects.filter(article=column, status="published").order_by("id").first()
    assert published is not None
    axe = axe_script()
    with chromium(1366, 900) as browser:
        for name, path in (("index", "/"), ("claim", f"/claims/{published.pk}/")):
            browser.get(f"{live_server.url}{path}")
            assert browser.execute_script(OVERFLOW) <= 0
            browser.execute_script(axe)
            violations = browser.execute_async_script(AXE_RUN)
            assert [v for v in violations if v["impact"] in ("serious", "critical")] == [], (path, violations)
            assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
            full_page_screenshot(browser, f"reader-{name}-1366")
