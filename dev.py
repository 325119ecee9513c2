#!/usr/bin/env python3
"""Set up and run the claim tracker with nothing but Python 3.11+.

    python3 dev.py serve   # install, migrate SQLite, load the seed column, print tokens, serve :8000
    python3 dev.py test    # install, lint, type-check, check migrations, run the whole test suite

Both create `.venv/` inside the project on first use and reinstall only when a requirements file
changes. Only the standard library is used here, because this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import secrets
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
""",
        flush=True,
    )
    os.execve(PYTHON, [str(PYTHON), "manage.py", "runserver", "--noreload", address], env)


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
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
