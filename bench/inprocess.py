"""Calling WSGI applications in this process, as gunicorn calls them, with no HTTP in between:
what `bench/profile_list.py` and `bench/stack_floor.py` share.

Importing it sets Django up against the benchmark database (BENCH_DATABASE_URL, whatever the
shell's DATABASE_URL says) with rate limits off, as in bench/run; tokens come from bench/.tokens.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
# Both applications read DATABASE_URL; the benchmark's database, whatever the shell exports.
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claims_bench"
)
os.environ.setdefault("SECRET_KEY", "bench-profile")
os.environ["ALLOWED_HOSTS"] = "localhost"
os.environ["RATE_LIMIT_TOKEN"] = os.environ["RATE_LIMIT_ADDRESS"] = "off"

import django  # noqa: E402 - the path and settings above come first

django.setup()

App = Callable[..., Any]


def token_of(role: str) -> str:
    """The benchmark's token for `role` (editor or client), from bench/.tokens."""
    lines = (ROOT / "bench" / ".tokens").read_text().splitlines()
    tokens = dict(line.split("=", 1) for line in lines if "=" in line)
    return tokens[f"BENCH_{role.upper()}_TOKEN"].strip()


def environ(path: str, token: str) -> dict[str, Any]:
    url = urlsplit(path)
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": url.path,
        "QUERY_STRING": url.query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }


def call(app: App, path: str, token: str) -> tuple[bytes, float]:
    """The body of `app`'s 200 answer to a GET of `path`, and the seconds it took; exits on any
    other status."""
    statuses: list[str] = []
    request = environ(path, token)
    started = time.perf_counter()
    answer = app(request, lambda status, headers, exc_info=None: statuses.append(status))
    body = b"".join(answer)
    if hasattr(answer, "close"):
        answer.close()
    seconds = time.perf_counter() - started
    if not statuses[0].startswith("200"):
        raise SystemExit(f"{path}: {statuses[0]}\n{body[:300]!r}")
    return body, seconds


def shown(values: list[float]) -> str:
    """A median with its rounds' min-max."""
    return f"{statistics.median(values):5.2f} ({min(values):.2f}-{max(values):.2f})"
