"""`revlens sources create/list/revoke`: keys shown once, stored hashed, refused once revoked."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess

import httpx
import pytest

from tests.e2e.conftest import user_env
from tests.tracking.conftest import REVLENS, TrackingServer, new_workspace

pytestmark = pytest.mark.slow


def _revlens(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([REVLENS, *args], env=env, capture_output=True, text=True, timeout=120)


def test_create_list_revoke_with_a_running_server(tmp_path):
    workspace = new_workspace(tmp_path / "ws")
    env = user_env(REVLENS_WORKSPACE=str(workspace))
    server = TrackingServer(workspace, env).start()
    try:
        created = _revlens("sources", "create", "website", env=env)
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip()
        assert key.startswith("rlk_") and len(key) == 36
        assert "shown once" in created.stderr
        with sqlite3.connect(workspace / "app.db") as con:
            stored = con.execute("SELECT key_prefix, key_hash FROM sources").fetchall()
        assert stored == [(key[:12], hashlib.sha256(key.encode()).hexdigest())]
        assert key.encode() not in (workspace / "app.db").read_bytes()

        for n in range(3):
            answer = httpx.post(f"{server.url}/v1/track", auth=(key, ""),
                                json={"event": "x", "anonymousId": "a", "messageId": f"m{n}"})
            assert answer.status_code == 200, answer.text
        listed = json.loads(_revlens("sources", "list", "--format", "json", env=env).stdout)
        assert [(s["name"], s["kind"], s["key_prefix"], s["revoked_at"], s["events_received"])
                for s in listed] == [("website", "tracking", key[:12], None, 3)]

        again = _revlens("sources", "create", "website", env=env)
        assert again.returncode == 1
        assert "a source 'website' exists already" in again.stderr

        revoked = _revlens("sources", "revoke", "website", env=env)
        assert revoked.returncode == 0, revoked.stderr
        answer = httpx.post(f"{server.url}/v1/track", auth=(key, ""),
                            json={"event": "x", "anonymousId": "a"})
        assert (answer.status_code, answer.json()["code"]) == (401, "bad_key")
        listed = json.loads(_revlens("sources", "list", "--format", "json", env=env).stdout)
        assert listed[0]["revoked_at"] is not None
        table = _revlens("sources", "list", env=env).stdout
        assert "website" in table and key[:12] in table and key not in table
    finally:
        server.stop()


def test_unknown_source_and_bad_mapping_are_one_line_errors(tmp_path):
    workspace = new_workspace(tmp_path / "ws")
    env = user_env(REVLENS_WORKSPACE=str(workspace))
    missing = _revlens("sources", "revoke", "nope", env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == ("error: no source 'nope'; `revlens sources list` shows "
                                      "them (none yet)")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('"your-name" = "full_name"\n', encoding="utf-8")
    bad = _revlens("sources", "create", "f", "--kind", "form", "--mapping", str(mapping),
                   env=env)
    assert bad.returncode == 1
    assert "'full_name' is not a lead column" in bad.stderr
    assert len([line for line in bad.stderr.splitlines() if line.strip()]) == 1
