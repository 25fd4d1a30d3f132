"""Import batches in the app database: their life cycle, and how `Workspace.open` settles the
ones a dead process left running."""

from __future__ import annotations

import subprocess
import sys

import pytest

from revlens.errors import UnknownBatch
from revlens.ingest.pipeline import import_file
from revlens.workspace import Workspace


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_batch_runs_then_completes(appdb):
    appdb.start_batch("b1", "leads", "leads.csv", "ab12", "csv", "ana", {"mapping": None})
    running = appdb.batch("b1")
    assert (running.status, running.user, running.finished_at) == ("running", "ana", None)
    assert [b.id for b in appdb.running_batches()] == ["b1"]
    appdb.finish_batch("b1", "completed", rows_read=4, inserted=3, rejected=1)
    done = appdb.batch("b1")
    assert (done.status, done.rows_read, done.inserted, done.rejected, done.updated) == (
        "completed", 4, 3, 1, 0)
    assert done.finished_at is not None and done.options == {"mapping": None}
    assert appdb.running_batches() == []


def test_batches_are_listed_newest_first_and_filtered_by_entity(appdb):
    for batch_id, entity in [("b1", "leads"), ("b2", "accounts"), ("b3", "leads")]:
        appdb.start_batch(batch_id, entity, f"{entity}.csv", "", "csv", "cli")
    assert [b.id for b in appdb.batches()] == ["b3", "b2", "b1"]
    assert [b.id for b in appdb.batches(entity="leads")] == ["b3", "b1"]
    assert [b.id for b in appdb.batches(limit=1)] == ["b3"]


def test_an_unknown_batch_is_an_error(appdb):
    with pytest.raises(UnknownBatch, match="no import batch 'nope'"):
        appdb.batch("nope")
    with pytest.raises(UnknownBatch):
        appdb.finish_batch("nope", "completed")


def test_open_settles_batches_of_dead_processes(workspace, workspace_dir, ws_overrides,
                                                tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nL1,2026-01-05\nL2,x\n", encoding="utf-8")
    committed = import_file(workspace, "leads", leads)
    # Pretend the process died after its warehouse commit but before it settled the batch,
    # and that another one died before committing anything.
    dead = _dead_pid()
    with workspace.appdb.session() as session:
        from revlens.appdb.models import ImportBatch
        batch = session.get(ImportBatch, committed.batch_id)
        batch.status, batch.pid, batch.inserted, batch.rejected = "running", dead, 0, 0
    workspace.appdb.start_batch("lost", "leads", "more.csv", "", "csv", "cli")
    with workspace.appdb.session() as session:
        session.get(ImportBatch, "lost").pid = dead
    alive = workspace.appdb.start_batch("alive", "leads", "live.csv", "", "csv", "cli")
    assert alive.pid > 0
    workspace.close()

    with Workspace.open(workspace_dir, **ws_overrides) as ws:
        settled = ws.appdb.batch(committed.batch_id)
        assert (settled.status, settled.rows_read, settled.inserted, settled.rejected) == (
            "completed", 2, 1, 1)                      # counts from the warehouse's record
        lost = ws.appdb.batch("lost")
        assert lost.status == "interrupted"
        assert lost.error.startswith("the import process stopped before committing")
        assert ws.appdb.batch("alive").status == "running"   # this process is alive
