"""Browser tests drive Debian's Chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def user_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell would have: no pytest variables (NiceGUI reads
    PYTEST_CURRENT_TEST as "running under its own test harness") and no REVLENS_ settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "REVLENS_"))}
    return {**env, **extra}
