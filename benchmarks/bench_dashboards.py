"""Dashboard loads under concurrent users: `revlens serve` on loopback, simulated users loading
the cockpit and every operations dashboard as the pages do (the spec, then every tile at once),
and the cockpit fully rendered in Chromium.

Input: the demo at the run's scale, imported and refreshed (the cockpit benchmark's workspace),
with the demo's log-ins for each role. Figures per dashboard: its first load after the server
started (nothing computed yet) against its later loads by the same user; p50 and p95 of a
whole load with 20 users at once (each loading every dashboard in turn, three rounds, users
spread over the executive, the sales manager and a rep), against the same load by one user
alone (the peer: the ratio is what sharing two cores with 19 others costs). The cockpit in
Chromium: from navigation until the last tile has drawn (target: under 2 s on `medium`),
against the same tiles fetched by one user over the REST API (the ratio is the browser's and
the page's share).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.bench_metrics import refreshed_workspace
from benchmarks.registry import Figure, RunContext, benchmark, run_async

NAME = "dashboards"
DASHBOARDS = ("cockpit", "events", "ads_web", "content", "sdr", "sales")
ROLES = ("ceo", "sales_lead", "rep")
PASSWORD = "benchmark-demo-1"
FILTERS = {"date_from": "2026-01-01", "date_to": "2026-10-31", "compare": "previous_year"}


@benchmark(NAME)
def run(ctx: RunContext) -> list[Figure]:
    workspace = refreshed_workspace(ctx.scale, ctx.data_dir)
    return measure_dashboards(workspace, users=20, rounds=3, browser=True)


def demo_logins(workspace: Path) -> list[tuple[str, str]]:
    """(user name, password) of the demo's executive, sales manager and rep."""
    from revlens.demo.logins import create_demo_logins
    from revlens.workspace import Workspace

    with Workspace.open(workspace) as ws:
        made, _ = create_demo_logins(ws, PASSWORD)
        chosen = [m.username for m in made if m.username in ROLES]
        for username in chosen:        # log-ins made earlier keep their password otherwise
            ws.appdb.reset_password(username, PASSWORD, by="benchmark")
    return [(username, PASSWORD) for username in chosen]


class Served:
    """`revlens serve` on a free loopback port, as a user starts it."""

    def __init__(self, workspace: Path, settings: dict[str, str] | None = None):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REVLENS_"))}
        env["REVLENS_WORKSPACE"] = str(workspace)
        env.update({f"REVLENS_{k.upper()}": v for k, v in (settings or {}).items()})
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "revlens"), "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self) -> Served:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("revlens serve did not answer within 120 s")

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


async def _send(client: httpx.AsyncClient, method: str, url: str, **kwargs) -> httpx.Response:
    """The request, sent once more when the server closed a kept-alive connection just as
    it was reused (after a long wait, the server's keep-alive timeout may end it)."""
    try:
        return await client.request(method, url, **kwargs)
    except (httpx.ReadError, httpx.RemoteProtocolError):
        return await client.request(method, url, **kwargs)


async def load_dashboard(client: httpx.AsyncClient, dashboard: str) -> float:
    """One page's worth of requests: the spec, then every tile concurrently; seconds."""
    started = time.perf_counter()
    spec = (await _send(client, "GET", f"/api/v1/dashboards/{dashboard}")
            ).raise_for_status().json()
    answers = await asyncio.gather(*(
        _send(client, "POST", f"/api/v1/dashboards/{dashboard}/tiles/{tile['id']}",
              json={"filters": FILTERS}) for tile in spec["tiles"]))
    for answer in answers:
        answer.raise_for_status()
    return time.perf_counter() - started


async def _user(url: str, login: tuple[str, str], rounds: int,
                times: dict[str, list[float]]) -> None:
    """One simulated user: log in, then load each dashboard in turn, `rounds` times."""
    limits = httpx.Limits(max_connections=6)      # as many as a browser opens to one host
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        login = await client.post("/api/v1/auth/login",
                                  json={"username": login[0], "password": login[1]})
        login.raise_for_status()                 # a session cookie, as the browser holds
        for _ in range(rounds):
            for dashboard in times:
                times[dashboard].append(await load_dashboard(client, dashboard))


def _loads(url: str, logins: list[tuple[str, str]], users: int, rounds: int,
           dashboards: tuple[str, ...] = DASHBOARDS) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {d: [] for d in dashboards}

    async def everyone() -> None:
        await asyncio.gather(*(_user(url, logins[i % len(logins)], rounds, times)
                               for i in range(users)))

    run_async(everyone())
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _rendered(url: str, login: tuple[str, str], runs: int) -> list[float]:
    """Seconds from navigating to the cockpit until no tile is loading, in Chromium."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/login")
        page.get_by_test_id("login-username").fill(login[0])
        page.get_by_test_id("login-password").fill(login[1])
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(f"{url}/")
        address = f"{url}/?from={FILTERS['date_from']}&to={FILTERS['date_to']}&compare=" \
                  f"{FILTERS['compare']}"
        for _ in range(runs + 1):                      # the first warms the server's caches
            started = time.perf_counter()
            page.goto(address)
            page.get_by_test_id("tiles").wait_for()
            page.wait_for_function(
                "() => document.querySelectorAll('.q-skeleton').length === 0", timeout=120_000)
            out.append(time.perf_counter() - started)
        browser.close()
    return out[1:]


def measure_dashboards(workspace: Path, users: int = 20, rounds: int = 3, browser: bool = True,
                       logins: list[tuple[str, str]] | None = None,
                       dashboards: tuple[str, ...] = DASHBOARDS,
                       settings: dict[str, str] | None = None) -> list[Figure]:
    """The figures; `settings` are the server's (e.g. {"result_cache_mb": "0"} measures it
    without kept results)."""
    logins = logins or demo_logins(workspace)
    figures = []
    with Served(workspace, settings) as server:
        first = _loads(server.url, logins[:1], 1, 1, dashboards)      # warm-up: nothing kept
        alone = _loads(server.url, logins[:1], 1, rounds, dashboards)
        crowd = _loads(server.url, logins, users, rounds, dashboards)
        for dashboard in dashboards:
            a50, c50 = statistics.median(alone[dashboard]), statistics.median(crowd[dashboard])
            a95, c95 = _p(alone[dashboard], 0.95), _p(crowd[dashboard], 0.95)
            peer = "one user alone"
            cold = first[dashboard][0]
            figures.append(Figure(NAME, f"{dashboard}: first load, one user", cold * 1000,
                                  "ms", "its later loads (p50)", a50 * 1000, cold / a50))
            figures.append(Figure(NAME, f"{dashboard}: p50 with {users} users", c50 * 1000,
                                  "ms", peer, a50 * 1000, c50 / a50))
            figures.append(Figure(NAME, f"{dashboard}: p95 with {users} users", c95 * 1000,
                                  "ms", peer, a95 * 1000, c95 / a95))
        if browser and "cockpit" in dashboards:
            with ThreadPoolExecutor(1) as thread:   # Playwright's own thread
                shown = statistics.median(thread.submit(_rendered, server.url, logins[0],
                                                        3).result())
            data = statistics.median(alone["cockpit"])
            figures.append(Figure(NAME, "cockpit rendered in Chromium: p50", shown * 1000, "ms",
                                  "its tiles over the REST API", data * 1000, shown / data))
    return figures
