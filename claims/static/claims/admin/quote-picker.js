/* The add-claim form: select the claim's words in the article's text, and Quote, Start and End
 * are filled in from the selection.
 *
 * Start and End are the server's offsets: indices into the body as a Python str, which counts
 * Unicode code points. A JavaScript string counts UTF-16 code units, where a character outside
 * the Basic Multilingual Plane (an emoji) is two, so every length here is counted with
 * Array.from. The text element holds the body's characters exactly as stored (line breaks are
 * "\n"), marks around existing claims and nothing else, so the text before the selection is the
 * body before the quote.
 *
 * Without JavaScript the form works as before: the text is shown to copy from, and the quote is
 * found by its words.
 *
 * The same text and fields place again a claim that a correction left fuzzy or orphaned (a
 * claim's page, anchor_review.html).
 */
(function () {
  "use strict";

  function codePoints(text) {
    return Array.from(text).length;
  }

  function init() {
    const panel = document.getElementById("claim-source");
    // The add form's text is inside its form. On a claim's page, the text to place an unsettled
    // claim again names its form (data-form): that form's fields stand in the page's own form,
    // and belong to the other by their `form` attribute, which form.elements follows.
    const form = panel && (panel.dataset.form ? document.getElementById(panel.dataset.form) : panel.closest("form"));
    if (!form || !form.elements.quote || !form.elements.start || !form.elements.end) {
      return;
    }
    panel.classList.add("js");
    const quote = form.elements.quote;
    const start = form.elements.start;
    const end = form.elements.end;
    const status = panel.querySelector(".claim-source-status");
    let filled = null; // what the last selection put in the fields
    let pending = 0;
    let requests = 0;

    function say(message) {
      if (status) {
        status.textContent = message;
      }
    }

    function textElement() {
      return panel.querySelector(".claim-source-text");
    }

    function fillFromSelection() {
      const text = textElement();
      const selection = document.getSelection();
      if (!text || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
        return;
      }
      const range = selection.getRangeAt(0);
      if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) {
        return;
      }
      const before = document.createRange();
      before.selectNodeContents(text);
      before.setEnd(range.startContainer, range.startOffset);
      const picked = range.toString();
      const words = picked.trim();
      if (!words) {
        return;
      }
      // White space picked up at either end (a double-click takes the space after a word) is
      // left out. White space is never outside the BMP, so its code units are code points.
      const lead = picked.length - picked.trimStart().length;
      const from = codePoints(before.toString()) + lead;
      const to = from + codePoints(words);
      quote.value = words;
      if (codePoints(text.textContent) === Number(text.dataset.length)) {
        start.value = String(from);
        end.value = String(to);
        say("Filled in from your selection: characters " + from + " to " + to + " of the text.");
      } else {
        // The page's text is not the stored body character for character (it never should
        // differ): the quote is found by its words instead.
        start.value = "";
        end.value = "";
        say("Quote filled in from your selection; it will be found by its words.");
      }
      filled = { quote: quote.value, start: start.value, end: end.value };
    }

    function selectionChanged() {
      window.clearTimeout(pending);
      pending = window.setTimeout(fillFromSelection, 150);
    }

    function quoteEdited() {
      // Offsets that no longer hold the quote would be refused: the edited quote is found by
      // its words, as a typed one is.
      if (filled && quote.value !== filled.quote && start.value === filled.start && end.value === filled.end) {
        start.value = "";
        end.value = "";
        filled = null;
        say("You edited the quote, so Start and End were cleared: it will be found by its words.");
      }
    }

    function shownArticle() {
      const text = textElement();
      return text ? text.dataset.article : "";
    }

    function articleChanged() {
      const chosen = form.elements.article.value || "";
      // The picker announces a change when it starts up too: the text shown stays, and so does
      // any selection in it.
      if (chosen === shownArticle()) {
        return;
      }
      const asked = ++requests;
      const url = panel.dataset.sourceUrl + "?article=" + encodeURIComponent(chosen);
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.text();
        })
        .then(function (html) {
          if (asked !== requests) {
            return; // the editor chose again since
          }
          panel.querySelector(".claim-source-content").innerHTML = html;
          if (filled) {
            start.value = "";
            end.value = "";
            filled = null;
            say("Another article: Start and End were cleared.");
          }
        })
        .catch(function () {
          say("The article's text could not be loaded; the form still works without it.");
        });
    }

    function showNear() {
      // On a claim's page, the text opens at the claim's place (or where its words stood), not
      // at the top of a long article. `data-near` is an offset in code points.
      const text = textElement();
      const near = Number(panel.dataset.near);
      if (!text || panel.dataset.near === undefined || !Number.isFinite(near) || text.clientHeight === 0) {
        return;
      }
      const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
      let seen = 0;
      let node;
      while ((node = walker.nextNode())) {
        const length = codePoints(node.data);
        if (seen + length > near) {
          const units = Array.from(node.data).slice(0, near - seen).join("").length;
          const range = document.createRange();
          range.setStart(node, units);
          range.setEnd(node, Math.min(node.data.length, units + 1));
          const spot = range.getBoundingClientRect();
          const frame = text.getBoundingClientRect();
          text.scrollTop += spot.top - frame.top - text.clientHeight / 3;
          return;
        }
        seen += length;
      }
    }

    const folded = panel.closest("details");
    if (folded) {
      folded.addEventListener("toggle", function () {
        if (folded.open) {
          showNear();
        }
      });
    }
    showNear();

    document.addEventListener("selectionchange", selectionChanged);
    panel.addEventListener("mouseup", selectionChanged);
    panel.addEventListener("keyup", selectionChanged);
    quote.addEventListener("input", quoteEdited);
    start.addEventListener("input", function () {
      filled = null;
    });
    end.addEventListener("input", function () {
      filled = null;
    });
    const article = form.elements.article;
    if (article) {
      // The article picker is a select2 widget, which announces changes through jQuery.
      if (window.django && window.django.jQuery) {
        window.django.jQuery(article).on("change", articleChanged);
      } else {
        article.addEventListener("change", articleChanged);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
