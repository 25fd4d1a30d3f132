"""Acknowledged means durable: kill -9 right after the 200s, and every event still arrives."""

from __future__ import annotations

import json
import signal
import subprocess

import httpx
import pytest

from tests.e2e.conftest import user_env
from tests.tracking.conftest import REVLENS, TrackingServer, add_source, new_workspace, rows

pytestmark = pytest.mark.slow


def test_events_acknowledged_before_a_kill_9_reach_the_warehouse(tmp_path):
    workspace = new_workspace(tmp_path / "ws")
    key = add_source(workspace, "web")
    # the flusher would wait an hour: whatever is in the warehouse later came from the spool
    env = user_env(REVLENS_WORKSPACE=str(workspace), REVLENS_TRACKING_FLUSH_SECONDS="3600")
    server = TrackingServer(workspace, env).start()
    ids = [f"durable-{n}" for n in range(250)]
    for start in range(0, 250, 50):
        answer = httpx.post(f"{server.url}/v1/batch", auth=(key, ""), json={"batch": [
            {"type": "track", "event": "Demo Requested", "anonymousId": f"a{n}",
             "messageId": ids[n]} for n in range(start, start + 50)]})
        assert answer.status_code == 200, answer.text
    server.stop(signal.SIGKILL)
    assert server.process.returncode == -signal.SIGKILL

    flushed = subprocess.run([REVLENS, "tracking", "flush", "--format", "json"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert flushed.returncode == 0, flushed.stderr
    summary = json.loads(flushed.stdout)
    assert (summary["events"], summary["pending"], summary["busy"]) == (250, 0, False)
    assert [(i["entity"], i["inserted"], i["rejected"]) for i in summary["imports"]] == [
        ("touchpoints", 250, 0)]
    stored = rows(workspace, "touchpoints")
    assert sorted(r["touchpoint_id"] for r in stored) == sorted(ids)

    again = subprocess.run([REVLENS, "tracking", "flush"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0
    assert again.stdout.startswith("flushed 0 events")


def test_a_restarted_server_flushes_what_the_killed_one_spooled(tmp_path):
    workspace = new_workspace(tmp_path / "ws")
    key = add_source(workspace, "web")
    slow = user_env(REVLENS_WORKSPACE=str(workspace), REVLENS_TRACKING_FLUSH_SECONDS="3600")
    server = TrackingServer(workspace, slow).start()
    answer = httpx.post(f"{server.url}/v1/page", auth=(key, ""),
                        json={"anonymousId": "a", "messageId": "after-restart"})
    assert answer.status_code == 200
    server.stop(signal.SIGKILL)
    restarted = TrackingServer(workspace, user_env(REVLENS_WORKSPACE=str(workspace))).start()
    try:
        stored = rows(workspace, "touchpoints", lambda rs: len(rs) == 1)
        assert [r["touchpoint_id"] for r in stored] == ["after-restart"]
    finally:
        restarted.stop()


def test_flush_while_the_warehouse_is_held_says_so_in_one_line(tmp_path):
    workspace = new_workspace(tmp_path / "ws")
    key = add_source(workspace, "web")
    env = user_env(REVLENS_WORKSPACE=str(workspace), REVLENS_TRACKING_FLUSH_SECONDS="3600")
    server = TrackingServer(workspace, env).start()
    httpx.post(f"{server.url}/v1/page", auth=(key, ""), json={"anonymousId": "a"})
    server.stop(signal.SIGKILL)
    import duckdb

    holder = duckdb.connect(str(workspace / "warehouse.duckdb"))  # as `revlens import` would
    try:
        done = subprocess.run([REVLENS, "tracking", "flush"], env=env, capture_output=True,
                              text=True, timeout=120)
    finally:
        holder.close()
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "1 events stay in the spool" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
