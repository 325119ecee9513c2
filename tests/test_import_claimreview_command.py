"""`manage.py import_claimreview FILE_OR_URL...`: files (JSON lines streamed), URLs, and a line
per record."""

from __future__ import annotations

import http.server
import io
import json
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Review

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "claimreview.jsonl"
DATA = Path(__file__).resolve().parent / "data" / "claimreview"


def run(*sources: str) -> str:
    out = io.StringIO()
    call_command("import_claimreview", *sources, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_readmes_example_imports_and_again_changes_nothing(db):
    first = run(str(EXAMPLE))
    lines = first.splitlines()
    assert lines[0].startswith("imported   https://factcheck.example/2024/bridge-budget (review ")
    assert lines[2].startswith(
        "skipped    javascript:alert(1): The record's `url` is not an absolute http(s) URL"
    )
    assert lines[-1] == "3 records: 2 imported, 0 updated, 0 unchanged, 1 skipped."
    stamps = dict(Review.objects.values_list("url", "updated_at"))
    assert run(str(EXAMPLE)).splitlines()[-1] == "3 records: 0 imported, 0 updated, 2 unchanged, 1 skipped."
    assert dict(Review.objects.values_list("url", "updated_at")) == stamps


def test_several_files_of_every_kind(db):
    files = [str(p) for p in sorted(DATA.iterdir()) if p.suffix in (".jsonl", ".txt")]
    assert run(*files).splitlines()[-1] == "73 records: 69 imported, 0 updated, 2 unchanged, 2 skipped."


def test_a_bad_line_of_json_lines_is_skipped_and_the_rest_imported(db, tmp_path):
    path = tmp_path / "feed.jsonl"
    good = EXAMPLE.read_text().splitlines()[0]
    path.write_text(f"{good}\n{{broken\n")
    out = run(str(path))
    assert "skipped    " in out
    assert "Line 2 is not JSON" in out
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "Not JSON"), (b"\xff\xfe\x00", "not UTF-8"), (b"just words", "neither JSON")],
)
def test_unreadable_input_is_an_error_and_stores_nothing(db, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(str(path))
    assert not Review.objects.exists()


def test_a_missing_file_is_an_error(db):
    with pytest.raises(CommandError, match="no such file"):
        run("/nonexistent/claimreview.json")


@pytest.fixture
def page_server():
    """A local web server with one fact-checker's page (relative review URL included)."""
    page = (
        "<html><head><script type='application/ld+json'>"
        + json.dumps(
            {
                "@type": "ClaimReview",
                "url": "/checks/1",
                "claimReviewed": "Served over HTTP.",
                "author": {"@type": "Organization", "name": "Local Check"},
            }
        )
        + "</script></head><body></body></html>"
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != "/page.html":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_url_is_fetched_and_its_relative_review_urls_resolved(db, page_server):
    out = run(f"{page_server}/page.html")
    assert out.splitlines()[0].startswith(f"imported   {page_server}/checks/1 ")
    assert Review.objects.get().publisher_site == "127.0.0.1"


def test_a_url_that_fails_is_an_error(db, page_server):
    with pytest.raises(CommandError, match="could not fetch"):
        run(f"{page_server}/missing.html")


def test_a_records_text_cannot_drive_the_terminal(db, tmp_path):
    path = tmp_path / "evil.json"
    path.write_text(
        json.dumps({"@type": "ClaimReview", "url": "https://e.example/\u001b[2J", "claimReviewed": "x"})
    )
    out = run(str(path))
    assert "\x1b" not in out
    assert "\\x1b[2J" in out
    assert not Review.objects.exists()
