"""An import killed with SIGKILL leaves the warehouse exactly as it was, and the next
`Workspace.open` settles its batch as `interrupted`.

`REVLENS_FAULT=<point>` makes the import kill itself inside the warehouse transaction (see
`_fault` in revlens/ingest/pipeline.py); the last test kills a real import from outside.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from revlens.appdb import AppDB
from revlens.contract.entities import ENTITIES
from revlens.warehouse.schema import BATCHES_TABLE, REJECTS_TABLE
from revlens.workspace import Workspace
from tests.ingest.support import load, stored, write

REVLENS = str(Path(sys.executable).with_name("revlens"))
FIRST = ("lead_id,created_at,name,status\n"
         "L1,2026-01-05 10:00,张三,new\n"
         "L2,2026-01-05 11:00,李四,new\n"
         "L3,2026-01-05 12:00,王五,new\n")
SECOND = ("lead_id,created_at,name,status\n"
          "L1,2026-01-05 10:00,张三,contacted\n"      # would update
          "L4,2026-01-06 09:00,赵六,new\n"             # would insert
          "L5,someday,钱七,new\n")                     # would be a reject


def _snapshot(ws: Workspace) -> dict:
    tables = [*ENTITIES, BATCHES_TABLE, REJECTS_TABLE]
    return {"counts": ws.warehouse.row_counts(),
            "rows": {t: stored(ws, t) for t in tables if t in ws.warehouse.tables()}}


def _workspace_with_leads(workspace_dir: Path, overrides: dict, tmp_path: Path) -> dict:
    with Workspace.open(workspace_dir, **overrides) as ws:
        assert load(ws, "leads", write(tmp_path / "first.csv", FIRST)).inserted == 3
        return _snapshot(ws)


def _app_db(workspace_dir: Path, app_db_url: str | None) -> AppDB:
    return AppDB(app_db_url or f"sqlite:///{workspace_dir / 'app.db'}")


def _assert_untouched_and_settled(workspace_dir, overrides, app_db_url, before, pid):
    appdb = _app_db(workspace_dir, app_db_url)
    try:
        [stale] = appdb.running_batches()     # nobody has settled it yet
    finally:
        appdb.close()
    assert stale.pid == pid
    with Workspace.open(workspace_dir, **overrides) as ws:
        assert _snapshot(ws) == before
        batches = ws.warehouse.table(BATCHES_TABLE)
        assert ws.warehouse.execute(batches.filter(batches.batch_id == stale.id).count()) == 0
        settled = ws.appdb.batch(stale.id)
        assert settled.status == "interrupted"
        assert "nothing was written" in settled.error
        assert ws.appdb.running_batches() == []


@pytest.mark.parametrize("point", ["after_upsert", "before_commit"])
def test_a_kill_inside_the_transaction_writes_nothing(workspace_dir, ws_overrides, ws_env,
                                                      app_db_url, tmp_path, point):
    before = _workspace_with_leads(workspace_dir, ws_overrides, tmp_path)
    second = write(tmp_path / "second.csv", SECOND)

    proc = subprocess.Popen([REVLENS, "import", "leads", str(second)], text=True,
                            env={**ws_env, "REVLENS_FAULT": point},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _out, err = proc.communicate(timeout=120)

    assert proc.returncode == -signal.SIGKILL, err
    _assert_untouched_and_settled(workspace_dir, ws_overrides, app_db_url, before, proc.pid)


def test_without_a_fault_the_same_import_commits(workspace_dir, ws_overrides, ws_env,
                                                 tmp_path):
    """The control: the fault tests would notice a write, since this import makes one."""
    before = _workspace_with_leads(workspace_dir, ws_overrides, tmp_path)
    second = write(tmp_path / "second.csv", SECOND)
    proc = subprocess.run([REVLENS, "import", "leads", str(second)], capture_output=True,
                          text=True, env=ws_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with Workspace.open(workspace_dir, **ws_overrides) as ws:
        after = _snapshot(ws)
        assert after["counts"]["leads"] == before["counts"]["leads"] + 1
        assert len(after["rows"][BATCHES_TABLE]) == 2
        assert len(after["rows"][REJECTS_TABLE]) == 1
        assert ws.appdb.batches()[0].status == "completed"


def _touchpoints(path: Path, n: int = 200_000) -> Path:
    i = np.arange(n)
    start = np.datetime64("2026-01-01T00:00:00")
    pq.write_table(pa.table({
        "touchpoint_id": pa.array(np.char.add("T", i.astype(str))),
        "occurred_at": pa.array(start + (i * 37).astype("timedelta64[s]")),
        "type": pa.array(np.array(["page_view", "ad_click", "form_submit"])[i % 3]),
        "anonymous_id": pa.array(np.char.add("anon", (i % 5000).astype(str))),
        "utm_medium": pa.array(np.array(["cpc", "email", None], dtype=object)[i % 3]),
    }), path)
    return path


def _wait_until_running(appdb: AppDB, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not appdb.running_batches():
        assert proc.poll() is None, f"the import ended first: {proc.communicate()}"
        assert time.monotonic() < deadline, "the import never started its batch"
        time.sleep(0.02)


@pytest.mark.slow
def test_kill_9_from_outside_during_a_large_import(workspace_dir, ws_overrides, ws_env,
                                                   app_db_url, tmp_path):
    before = _workspace_with_leads(workspace_dir, ws_overrides, tmp_path)
    big = _touchpoints(tmp_path / "touchpoints.parquet")
    appdb = _app_db(workspace_dir, app_db_url)
    proc = subprocess.Popen([REVLENS, "import", "touchpoints", str(big)], env=ws_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_running(appdb, proc)
        time.sleep(0.5)     # validation takes ~0.3 s, the write ~1 s: kill it mid-write
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL, "the import finished before the kill"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
        appdb.close()
    _assert_untouched_and_settled(workspace_dir, ws_overrides, app_db_url, before, proc.pid)
