"""A seaforge server started as a real process, and Debian's Chromium under Playwright, for the
browser tests (serve's playground, the arena). Not part of the package: the serve and arena
conftests put this folder on sys.path."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out, and this closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing(what: str):
    """Skip for a missing system package, except under SEAFORGE_REQUIRE_SYSTEM=1 (CI), where it fails."""
    if os.environ.get("SEAFORGE_REQUIRE_SYSTEM") == "1":
        pytest.fail(f"{what} and SEAFORGE_REQUIRE_SYSTEM=1")
    pytest.skip(what)


def health(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def running(command: list[str], url: str, log_path: Path, what: str = "the server", timeout: float = 120):
    """Run `command` until the block ends; wait for `url`/health first, failing with its log."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            command, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + timeout
        while not health(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {proc.returncode}" if proc.poll() is not None else f"no /health in {timeout:.0f} s"
                pytest.fail(f"{what} {why}:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def chromium():
    """A headless Chromium (Debian's) driven by Playwright; skips or fails when either is missing."""
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
