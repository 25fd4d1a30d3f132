"""Browser tests drive Debian's Chromium through Playwright (never a downloaded browser); the
`browser` fixture itself is in tests/conftest.py, shared by every directory (Playwright's sync API
allows one instance per thread).

`demo_server` is README's demo command (`make demo`) on a fresh workspace at the tiny scale:
generated data, imported and refreshed, with the demo's log-ins, served on a free port."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def user_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell would have: no pytest variables (NiceGUI reads
    PYTEST_CURRENT_TEST as "running under its own test harness") and no REVLENS_ settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "REVLENS_"))}
    return {**env, **extra}


@dataclass
class DemoServer:
    url: str
    workspace: Path
    password: str          # of admin and of every demo log-in
    log: Path

    def login(self, page, username: str, lang: str = "en") -> None:
        """Log in through the log-in form and land on the cockpit."""
        page.goto(f"{self.url}/login?lang={lang}")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(self.password)
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(f"{self.url}/?lang={lang}")

    def api(self, username: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(username, self.password), timeout=60)


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the demo stopped (exit {process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"{url} did not answer within {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """`make demo` on a fresh workspace (tiny scale, a free port), until the app answers."""
    workspace = tmp_path_factory.mktemp("demo") / "workspace"
    port = free_port()
    log = workspace.parent / "demo.log"
    env = user_env(REVLENS_WORKSPACE=str(workspace), REVLENS_PORT=str(port),
                   REVLENS_DEMO_SCALE="tiny")
    with log.open("w") as output:
        process = subprocess.Popen(["make", "demo"], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        found = re.search(r"admin password: (\S+)", log.read_text())
        assert found, log.read_text()[-2000:]
        yield DemoServer(f"http://127.0.0.1:{port}", workspace, found.group(1), log)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
