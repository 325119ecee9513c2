#!/usr/bin/env python3
"""Run the README's commands, as shown, in a fresh clone: what a newcomer meets first.

    python3 .ci/readme_commands.py [--keep]

It clones the committed HEAD into a temporary folder, starts the README's first command
(`python3 dev.py serve`) there in the background, sets the tokens from the `export` line it
prints, then runs every ```sh block of the README in order, each as one bash script that stops at
its first failing command. A block preceded by `<!-- readme-commands: skip (why) -->` is not run
(a template with placeholders, or the test command CI runs anyway); the reason is printed. The
standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = re.compile(r"<!--\s*readme-commands:\s*skip\s*\((?P<why>[^)]*)\)\s*-->")
BLOCK = re.compile(r"^```(?P<lang>\S*)\n(?P<body>.*?)^```", re.M | re.S)
SERVE = "python3 dev.py serve"
ADDRESS = "http://127.0.0.1:8000"


def blocks(readme: str) -> list[tuple[str, str | None]]:
    """The README's sh blocks, each with the reason it is skipped (None: run it)."""
    found = []
    for match in BLOCK.finditer(readme):
        if match["lang"] != "sh":
            continue
        before = readme[: match.start()].rstrip().splitlines()
        skip = SKIP.fullmatch(before[-1].strip()) if before else None
        found.append((match["body"], skip["why"] if skip else None))
    return found


def wait_until_serving(server: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 600  # a fresh clone installs its requirements first
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"`{SERVE}` exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{ADDRESS}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    sys.exit(f"`{SERVE}` did not serve within 10 minutes:\n{log.read_text()[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="readme-commands-"))
    clone = workdir / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    readme = (clone / "README.md").read_text()
    first = blocks(readme)[0][0]
    if SERVE not in first:
        sys.exit(f"The README's first block no longer starts the service with `{SERVE}`.")

    log = workdir / "serve.log"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "VIRTUAL_ENV"}}
    # Every curl the README shows must succeed: an HTTP error fails its block.
    (workdir / ".curlrc").write_text("fail\nsilent\nshow-error\n")
    env["CURL_HOME"] = str(workdir)
    with log.open("w") as out:
        server = subprocess.Popen(
            SERVE.split(),
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    failures = 0
    try:
        wait_until_serving(server, log)
        exports = re.search(r"^\s*export (EDITOR_TOKEN=\S+ CLIENT_TOKEN=\S+)\s*$", log.read_text(), re.M)
        if not exports:
            sys.exit(f"`{SERVE}` printed no export line for the tokens:\n{log.read_text()[-3000:]}")
        env.update(dict(pair.split("=", 1) for pair in exports[1].split()))
        print(f"ok      {SERVE} (serving {ADDRESS}, tokens exported)")
        for number, (body, skipped) in enumerate(blocks(readme), start=1):
            if number == 1:
                continue  # the set-up commands: serve is running; the tests are CI's own job
            title = body.strip().splitlines()[0][:70]
            if skipped is not None:
                print(f"skipped block {number} ({skipped}): {title}")
                continue
            result = subprocess.run(
                ["bash", "-euo", "pipefail", "-c", body],
                cwd=clone,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode == 0:
                print(f"ok      block {number}: {title}")
            else:
                failures += 1
                print(f"FAILED  block {number}: {title}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if args.keep:
            print(f"The clone is kept at {clone}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        sys.exit(f"{failures} README block(s) failed.")
    print("Every README command ran as shown.")


if __name__ == "__main__":
    main()
