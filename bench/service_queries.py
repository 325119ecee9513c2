"""The service's own SQL for each benchmark request, captured in-process (run by bench/driver.py).

Reads [{"name", "method", "path", "role", "body"?}] as JSON on stdin, sends each through Django's
test client against the benchmark database, and prints {name: {"status", "queries": [sql]}} as
JSON. Django's connection health check (`SELECT 1`, issued by psycopg directly) is not among them.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ["ALLOWED_HOSTS"] = "testserver"

import django  # noqa: E402 - the path and settings above come first

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    requests = json.load(sys.stdin)
    tokens = json.loads(os.environ["BENCH_TOKENS_JSON"])
    client = Client()
    out = {}
    for request in requests:
        headers = {"Authorization": f"Bearer {tokens[request['role']]}", **request.get("headers", {})}
        with CaptureQueriesContext(connection) as captured:
            if request["method"] == "PATCH":
                response = client.patch(
                    request["path"], request["body"], content_type="application/json", headers=headers
                )
            else:
                response = client.get(request["path"], headers=headers)
        out[request["name"]] = {
            "status": response.status_code,
            "queries": [query["sql"] for query in captured.captured_queries],
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
