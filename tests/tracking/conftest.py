"""A real `revlens serve` on a free loopback port, a real HTTP client, real files.

`TrackingServer` starts the installed console script in its own session (environment without
PYTEST_* variables: NiceGUI reads PYTEST_CURRENT_TEST); `rows()` reads the warehouse the way a
user would, retrying while the server's flusher holds it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from revlens.errors import WorkspaceBusy
from revlens.tracking.sources import create_source
from revlens.workspace import Workspace
from tests.e2e.conftest import free_port, user_env

REVLENS = str(Path(sys.executable).with_name("revlens"))


@dataclass
class TrackingServer:
    workspace: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TrackingServer:
        log = self.workspace.parent / f"serve-{self.port}.log"
        with log.open("a") as output:
            self.process = subprocess.Popen(
                [REVLENS, "serve", "--port", str(self.port)], env=self.env, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"revlens serve stopped:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        pytest.fail(f"revlens serve did not answer:\n{log.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            pytest.fail("revlens serve did not stop within 30 s")
        if sig == signal.SIGTERM:  # a clean shutdown: every shutdown handler ran
            log = (self.workspace.parent / f"serve-{self.port}.log").read_text()
            assert "shutdown failed" not in log and "Traceback" not in log, log[-3000:]


def new_workspace(root: Path) -> Path:
    Workspace.init(root, admin_password="correct-horse-42")
    return root


def add_source(workspace: Path, name: str, **options) -> str:
    with Workspace.open(workspace, read_only=True) as ws:
        _, key = create_source(ws.appdb, name, **options)
    return key


def rows(workspace: Path, table: str, wait_for: Callable[[list[dict]], bool] = bool,
         seconds: float = 20) -> list[dict]:
    """The rows of `table`, once `wait_for(rows)` holds (the flusher runs every second)."""
    deadline = time.monotonic() + seconds
    found: list[dict] = []
    while time.monotonic() < deadline:
        try:
            with Workspace.open(workspace, read_only=True) as ws:
                found = ws.warehouse.to_arrow(ws.warehouse.table(table)).to_pylist()
        except WorkspaceBusy:
            found = []
        if wait_for(found):
            return found
        time.sleep(0.25)
    return found


@dataclass
class Running:
    server: TrackingServer
    keys: dict[str, str]

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def workspace(self) -> Path:
        return self.server.workspace

    def post(self, path: str, body: object = None, key: str | None = "web",
             **kwargs) -> httpx.Response:
        auth = (self.keys[key], "") if key else None
        return httpx.post(f"{self.url}{path}", json=body, auth=auth, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Iterator[Running]:
    """One server per test module, with a tracking source `web`, a slow one `slow` (10 events/s,
    burst 20), and a form source `signup`."""
    workspace = new_workspace(tmp_path_factory.mktemp("tracking") / "ws")
    keys = {"web": add_source(workspace, "web"),
            "slow": add_source(workspace, "slow", rate_limit=10, burst=20),
            "signup": add_source(workspace, "signup", kind="form",
                                 mapping={"your-name": "name", "utm": "utm_source"})}
    server = TrackingServer(workspace, user_env(REVLENS_WORKSPACE=str(workspace))).start()
    yield Running(server, keys)
    server.stop()
