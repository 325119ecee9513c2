"""Headless Chromium for the tests that need a real browser (Debian's `chromium` and
`chromium-driver`, driven by Selenium). Screenshots go to var/screenshots/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


def chromium_missing() -> str | None:
    """Why no browser test can run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (requirements-dev.txt)"
    if not shutil.which("chromedriver") or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        return "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
    return None


@contextmanager
def chromium(width: int = 1366, height: int = 900) -> Iterator[Any]:
    """A headless Chromium window of the given size."""
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def full_page_screenshot(driver: Any, name: str, *, bottom: float | None = None) -> Path:
    """The whole page, not only the window (up to 12,000 pixels down), or down to `bottom` (CSS
    pixels) with some room under it."""
    import base64

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width, height = driver.execute_script("return [window.innerWidth, document.documentElement.scrollHeight]")
    height = min(height, 12_000) if bottom is None else round(bottom) + 24
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


# axe-core, the accessibility engine, from the npm registry at a pinned version: fetched once
# with `npm pack` into var/ (CI's machine has node for .ci/lint-schema), then read from there.
AXE_CORE = "axe-core@4.10.3"
AXE_DIR = Path(__file__).resolve().parents[1] / "var" / "axe"


def axe_script() -> str:
    """The source of axe.min.js at AXE_CORE; skips the test when npm is not there to fetch it."""
    import subprocess
    import tarfile
    import tempfile

    path = AXE_DIR / AXE_CORE.replace("@", "-") / "axe.min.js"
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip(f"npm is not installed, so {AXE_CORE} cannot be fetched")
        with tempfile.TemporaryDirectory() as work:
            subprocess.run(
                [npm, "pack", AXE_CORE, "--pack-destination", work, "--silent"],
                check=True,
                capture_output=True,
                timeout=120,
            )
            [tarball] = Path(work).glob("axe-core-*.tgz")
            with tarfile.open(tarball) as archive:
                member = archive.extractfile("package/axe.min.js")
                assert member is not None
                source = member.read()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(source)
    return path.read_text(encoding="utf-8")
