#!/usr/bin/env python3
"""Set up and run the claim tracker with nothing but Python 3.11+.

    python3 dev.py serve   # install, migrate SQLite, load the seed column, print tokens, serve :8000
    python3 dev.py test    # install, lint, type-check, check migrations, run the whole test suite
    python3 dev.py receive 9000   # a local webhook receiver that prints what it is sent

Both create `.venv/` inside the project on first use and reinstall only when a requirements file
changes. Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
VAR = ROOT / "var"

if sys.version_info < (3, 11):  # noqa: UP036 -- this script is what tells an old Python so
    sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")


def run(*args: str | Path, env: dict[str, str] | None = None, capture: bool = False) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        cwd=ROOT,
        env=env,
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    if result.returncode != 0:
        sys.exit(result.returncode)
    return result.stdout or ""


def ensure_venv(requirements: str) -> None:
    """Create .venv and install `requirements`, skipping the install when nothing changed."""
    if not PYTHON.exists():
        print(f"Creating {VENV.relative_to(ROOT)}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # The stamp covers every requirements file, since requirements-dev.txt includes the other.
    digest = hashlib.sha256(requirements.encode())
    for path in sorted(ROOT.glob("requirements*.txt")):
        digest.update(path.read_bytes())
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    print(f"Installing {requirements} ...", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements)
    stamp.write_text(digest.hexdigest())


def dev_environment() -> dict[str, str]:
    """The environment for local runs: a per-checkout secret key, generated once, never committed."""
    VAR.mkdir(exist_ok=True)
    key_file = VAR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", key_file.read_text().strip())
    env.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    return env


def serve(extra: list[str]) -> None:
    ensure_venv("requirements.txt")
    env = dev_environment()
    # Local development: webhooks may go to a receiver on this machine, over plain http. Not for
    # `test`, whose refusals of private addresses must hold.
    env.setdefault("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "1")

    def manage(*args: str, capture: bool = False) -> str:
        return run(PYTHON, "manage.py", *args, env=env, capture=capture)

    manage("migrate", "--no-input", "--verbosity", "0")
    manage("collectstatic", "--no-input", "--verbosity", "0")
    manage("load_demo")
    editor = manage("create_token", "demo-editor", "--role", "editor", capture=True).strip()
    client = manage("create_token", "demo-client", "--role", "client", capture=True).strip()
    address = extra[0] if extra else "127.0.0.1:8000"
    print(
        f"""
Claim tracker, serving the seed column at http://{address}/

  editor token: {editor}
  client token: {client}

  export EDITOR_TOKEN={editor} CLIENT_TOKEN={client}
  curl -H "Authorization: Bearer $CLIENT_TOKEN" http://{address}/api/v1/claims/
  curl -H "Authorization: Bearer $EDITOR_TOKEN" "http://{address}/api/v1/claims/?status=in_review"
  API docs: http://{address}/api/docs/   README.md has more examples.

These tokens are shown only now; `python manage.py create_token NAME --role client` makes more.
A webhook worker runs beside the server (`python manage.py worker`); README.md shows webhooks.
""",
        flush=True,
    )
    # The worker delivers webhooks; it stops with the server.
    worker = subprocess.Popen([str(PYTHON), "manage.py", "worker"], cwd=ROOT, env=env)
    server = subprocess.Popen(
        [str(PYTHON), "manage.py", "runserver", "--noreload", address], cwd=ROOT, env=env
    )

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        code = server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, worker):
            if process.poll() is None:
                process.terminate()
        for process in (server, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    sys.exit(code)


def receive(extra: list[str]) -> None:
    """A webhook receiver on 127.0.0.1 that prints each delivery; with WEBHOOK_SECRET set, it checks
    the Standard Webhooks signature too (HMAC-SHA256 of `id.timestamp.body`)."""
    from http.server import BaseHTTPRequestHandler, HTTPServer

    port = int(extra[0]) if extra else 9000
    secret = os.environ.get("WEBHOOK_SECRET", "")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            message = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode() + body
            verdict = ""
            if secret:
                key = base64.b64decode(secret.removeprefix("whsec_"))
                expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
                signatures = [s.split(",", 1)[-1] for s in self.headers.get("webhook-signature", "").split()]
                verdict = " signature ok" if expected in signatures else " BAD SIGNATURE"
            change = json.loads(body)
            print(
                f"{self.headers['webhook-id']}: {change['type']} at position {change['position']}{verdict}",
                flush=True,
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    print(f"Receiving webhooks on http://127.0.0.1:{port}/ (Ctrl-C stops)", flush=True)
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


def test(extra: list[str]) -> None:
    ensure_venv("requirements-dev.txt")
    env = dev_environment()
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    run(BIN / "ruff", "check", ".", env=env)
    run(BIN / "ruff", "format", "--check", ".", env=env)
    run(PYTHON, "manage.py", "makemigrations", "--check", "--dry-run", env=env)
    run(BIN / "mypy", env=env)
    run(PYTHON, "-m", "pytest", *extra, env=env)


def main() -> None:
    commands = {"serve": serve, "test": test, "receive": receive}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
