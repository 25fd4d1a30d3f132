"""Every command of docs/tracking.md runs as a user would run it, in the doc's order: the
`revlens` commands as console scripts, the server by the doc's own `revlens serve` line, the
curl lines with curl, the Python example with the official Segment SDK; then the warehouse
holds what the doc says it holds."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.docs.support import code_blocks
from tests.e2e.conftest import free_port, user_env
from tests.tracking.conftest import REVLENS, new_workspace, rows

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "tracking.md").read_text(encoding="utf-8")
HOST, KEY = "https://revlens.example.com", "YOUR_WRITE_KEY"


def _lines() -> list[str]:
    return [line for block in code_blocks(DOC, "bash") for line in block.splitlines()
            if line.strip()]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    if args[0] == "revlens":
        args = [REVLENS, *args[1:]]
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{shlex.join(args)}\n{done.stdout}\n{done.stderr}"
    return done


def _serve(args: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen, str]:
    """The doc's `revlens serve` line on a free port (the doc's host is kept)."""
    port = free_port()
    args = [REVLENS, *args[1:]]
    args[args.index("--port") + 1] = str(port)
    log = (cwd / "serve.log").open("w")
    server = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, (cwd / "serve.log").read_text()
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"revlens serve did not answer:\n{(cwd / 'serve.log').read_text()}")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the doc's examples use curl")
def test_the_doc_runs_and_lands_what_it_says(tmp_path):
    workspace = new_workspace(tmp_path / "ws")
    env = user_env(REVLENS_WORKSPACE=str(workspace))
    (tmp_path / "jinshuju-fields.toml").write_text(code_blocks(DOC, "toml")[0], encoding="utf-8")
    lines = _lines()
    assert [shlex.split(line)[:3] for line in lines] == [
        ["revlens", "sources", "create"], ["revlens", "sources", "list"],
        ["revlens", "serve", "--host"], ["curl", "-sS", "-u"], ["curl", "-sS", "-u"],
        ["revlens", "tracking", "flush"], ["revlens", "sources", "create"],
        ["curl", "-sS", f"{HOST}/v1/forms/jinshuju?key={KEY}"],
        ["revlens", "sources", "revoke"]]
    keys: dict[str, str] = {}
    server = url = None
    try:
        for line in lines:
            args = shlex.split(line)
            if args[:2] == ["revlens", "serve"]:
                server, url = _serve(args, env, tmp_path)
                continue
            if args[:3] == ["revlens", "tracking", "flush"]:
                continue  # run below, once the server that holds the warehouse has stopped
            if args[0] == "curl":
                key = keys["jinshuju" if "/forms/" in line else "backend"]
                args = [a.replace(HOST, url).replace(KEY, key) for a in args]
            done = _run(args, env, tmp_path)
            if args[1:3] == ["sources", "create"]:
                keys[args[3]] = done.stdout.strip()
                assert keys[args[3]].startswith("rlk_") and "\n" not in keys[args[3]]
                assert "shown once" in done.stderr
            elif args[0] == "curl":
                answer = json.loads(done.stdout)
                assert answer["success"] is True, answer
                if "/forms/" in line:
                    form_lead = answer["lead_id"]
                else:
                    assert (answer["duplicates"], answer["warnings"]) == (0, [])
            elif args[1:3] == ["sources", "list"]:
                assert "backend" in done.stdout
            elif args[1:3] == ["sources", "revoke"]:
                refused = httpx.post(f"{url}/v1/track", auth=(keys["backend"], ""),
                                     json={"userId": "x", "event": "e"})
                assert refused.status_code == 401

        touches = rows(workspace, "touchpoints", lambda rs: len(rs) >= 3)
    finally:
        if server:
            _stop(server)

    flushed = _run([REVLENS, "tracking", "flush", "--format", "json"], env, tmp_path)
    assert json.loads(flushed.stdout)["pending"] == 0
    by_id = {t["touchpoint_id"]: t for t in rows(workspace, "touchpoints")}
    track, page = by_id["doc-track-1"], by_id["doc-page-1"]
    assert (track["type"], track["contact_id"], track["anonymous_id"], track["utm_campaign"],
            track["utm_source"], track["channel"]) == (
        "demo_request", "C-1001", "a-77", "q4-brand", "baidu", "paid_search")
    assert track["occurred_at"].isoformat() == "2026-11-02T01:30:00+00:00"
    assert (page["type"], page["url"], page["referrer"], page["channel"]) == (
        "page_view", "https://www.example.cn/pricing", "https://www.baidu.com/", "organic_search")
    links = {(r["from_value"], r["to_kind"], r["to_value"])
             for r in rows(workspace, "identity_links")}
    assert {("a-77", "email", "li.lei@example.cn"), ("a-77", "phone", "+8613912345678"),
            ("a-77", "user_id", "C-1001")} <= links
    (form_touch,) = [t for t in by_id.values() if t["lead_id"] == form_lead]
    assert (form_touch["type"], form_touch["utm_source"]) == ("form_submit", "baidu")
    (lead,) = [r for r in rows(workspace, "leads") if r["lead_id"] == form_lead]
    assert (lead["name"], lead["company"], lead["phone"], lead["email"]) == (
        "王芳", "星辰科技", "+8613912345678", "wang.fang@example.cn")
    assert len(touches) == 3  # two from curl, one form submission


def test_the_sdk_example_delivers_with_a_live_key(tmp_path):
    """The Python example, run with a key that is not revoked, lands its event."""
    from tests.tracking.conftest import TrackingServer, add_source

    workspace = new_workspace(tmp_path / "ws")
    key = add_source(workspace, "backend")
    server = TrackingServer(workspace, user_env(REVLENS_WORKSPACE=str(workspace))).start()
    try:
        (example,) = code_blocks(DOC, "python")
        sdk = subprocess.run([sys.executable, "-c", example.replace(HOST, server.url).replace(
            KEY, key)], capture_output=True, text=True, timeout=60)
        assert sdk.returncode == 0, sdk.stderr
        (touch,) = rows(workspace, "touchpoints", bool)
    finally:
        server.stop()
    assert (touch["touchpoint_id"], touch["type"], touch["contact_id"], touch["anonymous_id"]) == (
        "doc-sdk-1", "event_registration", "C-1001", "a-77")
    assert json.loads(touch["properties"]) == {"webinar": "2026 年度发布会"}
