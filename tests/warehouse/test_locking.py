"""One writer at a time: a warehouse file held by another process gives WorkspaceBusy, a clear
error that says what to do, and the holder's data is untouched."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from revlens.errors import WorkspaceBusy
from revlens.workspace import Workspace

REVLENS = str(Path(sys.executable).with_name("revlens"))
HOLD = textwrap.dedent("""
    import sys
    from revlens.workspace import Workspace
    with Workspace.open(sys.argv[1]):
        print("holding", flush=True)
        sys.stdin.read()          # until the test closes our stdin
""")


@pytest.fixture
def app_db_url():
    """Locking is the warehouse's business: one app database backend is enough."""
    return None


def test_a_second_writer_in_this_process_gets_workspace_busy(workspace_dir):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(workspace_dir)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "holding\n"
        with pytest.raises(WorkspaceBusy) as busy:
            Workspace.open(workspace_dir)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert busy.value.path == str(workspace_dir / "warehouse.duckdb")
    assert busy.value.retryable is True
    message = str(busy.value)
    assert message.startswith(f"the warehouse {workspace_dir / 'warehouse.duckdb'} is in use "
                              "by another RevLens process (usually `revlens serve`); stop that "
                              "process, or upload the file through the web app, then try again")
    with Workspace.open(workspace_dir) as ws:          # free again once the holder is gone
        assert ws.warehouse.row_counts()["leads"] == 0


def test_an_import_while_the_workspace_is_open_fails_with_one_line(workspace, workspace_dir,
                                                                     tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nL1,2026-01-05\n", encoding="utf-8")
    proc = subprocess.run([REVLENS, "import", "leads", str(leads), "-w", str(workspace_dir)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "error: the warehouse" in proc.stderr
    assert "in use by another RevLens process" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert workspace.warehouse.row_counts()["leads"] == 0
    assert workspace.appdb.batches() == []            # no batch was started


def test_a_process_that_waits_for_locks_opens_once_the_holder_lets_go(workspace_dir):
    """`revlens serve` waits (wait_for_locks) for its flusher's brief hold instead of failing;
    it still fails, with WorkspaceBusy, once the wait is over."""
    from revlens.warehouse import connection

    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(workspace_dir)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "holding\n"
        connection.wait_for_locks(0.3)
        with pytest.raises(WorkspaceBusy):
            Workspace.open(workspace_dir, read_only=True)   # held longer than the wait
        connection.wait_for_locks(30)
        threading.Timer(0.5, holder.stdin.close).start()  # the holder lets go in 0.5 s
        with Workspace.open(workspace_dir, read_only=True) as ws:
            assert ws.warehouse.row_counts()["leads"] == 0
    finally:
        connection.wait_for_locks(0)
        if not holder.stdin.closed:
            holder.stdin.close()
        holder.wait(timeout=30)
