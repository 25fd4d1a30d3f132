"""README's demo command brings the workspace page up with the demo data, in Chromium."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port, user_env

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 300) -> None:
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


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """`make demo` on a fresh workspace (tiny scale, a free port), until the page answers."""
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
        yield f"http://127.0.0.1:{port}", workspace
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_page_shows_entities_with_demo_row_counts(demo_server, browser):
    base, workspace = demo_server
    manifest = json.loads((workspace / "demo-data" / "manifest.json").read_text())
    page = browser.new_page()
    page.goto(f"{base}/?lang=en")
    table = page.get_by_test_id("entity-table")
    table.wait_for()
    shown = {}
    for row in table.locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        shown[cells[0].strip()] = int(cells[1].replace(",", ""))
    for entity in ("users", "accounts", "leads", "opportunities", "touchpoints"):
        assert shown[entity] == manifest["rows"][entity], entity
    imports = page.get_by_test_id("imports-table")
    assert "touchpoints" in imports.inner_text()
    assert "completed" in imports.inner_text()
    page.screenshot(path=str(workspace.parent / "overview-en.png"))


def test_page_speaks_chinese_and_switches_language(demo_server, browser):
    base, _ = demo_server
    page = browser.new_page()
    page.goto(f"{base}/?lang=zh-CN")
    page.get_by_test_id("entity-table").wait_for()
    assert "RevLens 营收洞察" in page.title()
    assert "线索 leads" in page.get_by_test_id("entity-table").inner_text()
    page.get_by_text("English").click()
    page.wait_for_url(f"{base}/?lang=en")
    assert page.title() == "RevLens revenue insights"


def test_api_lists_the_same_counts(demo_server):
    base, workspace = demo_server
    manifest = json.loads((workspace / "demo-data" / "manifest.json").read_text())
    body = httpx.get(f"{base}/api/v1/workspace", timeout=10).json()
    counts = {e["entity"]: e["rows"] for e in body["entities"]}
    assert counts["leads"] == manifest["rows"]["leads"]
    assert body["total_rows"] == sum(counts.values())
