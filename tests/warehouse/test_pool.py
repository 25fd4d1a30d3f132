"""Read-only connections for requests: opened at the first query, kept between requests when
the process reuses them (as `revlens serve` does), and never in the way of a writer — this
process's writers close them first, and idle ones go so that other processes can write."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from revlens.config import load_settings
from revlens.errors import WorkspaceBusy
from revlens.warehouse import pool
from revlens.warehouse.connection import duckdb_path, in_process_writer
from revlens.workspace import Workspace

WRITE = textwrap.dedent("""
    import sys
    from revlens.workspace import Workspace
    with Workspace.open(sys.argv[1]) as ws:
        print(ws.warehouse.row_counts()["leads"], flush=True)
""")


@pytest.fixture
def app_db_url():
    """Connections are the warehouse's business: one app database backend is enough."""
    return None


@pytest.fixture
def settings(workspace_dir):
    return load_settings(workspace_dir)


@pytest.fixture
def reused():
    """Connections kept for a minute of idleness (the reaper never closes one meanwhile)."""
    pool.reuse_connections(idle_seconds=60)
    yield
    pool.reuse_connections(idle_seconds=0)


def _pool(settings) -> pool.ReaderPool:
    return pool._pool_for(settings, duckdb_path(settings.warehouse_url))


def _leads(settings) -> int:
    wh = pool.reader(settings)
    try:
        return wh.row_counts()["leads"]
    finally:
        wh.close()


def test_a_reader_that_runs_no_query_opens_nothing(settings, reused):
    wh = pool.reader(settings)
    wh.close()
    assert not wh.connected
    assert _pool(settings).opened == 0


def test_requests_one_after_another_share_one_connection(settings, reused):
    assert [_leads(settings) for _ in range(3)] == [0, 0, 0]
    kept = _pool(settings)
    assert (kept.opened, kept.lent, len(kept.idle)) == (1, 0, 1)


def test_requests_at_the_same_time_get_a_connection_each(settings, reused):
    first, second = pool.reader(settings), pool.reader(settings)
    try:
        assert first.connection() is not second.connection()
        assert _pool(settings).lent == 2
    finally:
        first.close()
        second.close()
    assert len(_pool(settings).idle) == 2


def test_without_reuse_each_request_closes_its_connection(settings):
    assert _leads(settings) == 0
    assert _pool(settings).idle == []


def test_a_writer_of_this_process_closes_the_kept_connections_first(settings, reused):
    """The sync scheduler and the tracking flusher write inside `in_process_writer`; a plain
    write open in this process gets the same."""
    _leads(settings)
    with in_process_writer(duckdb_path(settings.warehouse_url)):
        assert _pool(settings).idle == []
        with Workspace.open(settings.workspace) as ws:      # would fail with a reader open
            assert ws.warehouse.row_counts()["leads"] == 0
    _leads(settings)
    with Workspace.open(settings.workspace) as ws:          # no marker: closed all the same
        assert ws.warehouse.row_counts()["leads"] == 0
    assert _pool(settings).idle == []


def test_a_connection_in_use_holds_a_writer_off_until_the_wait_is_over(settings, reused,
                                                                       monkeypatch):
    from revlens.warehouse import connection

    monkeypatch.setattr(connection, "IN_PROCESS_WAIT_SECONDS", 0.2)
    busy = pool.reader(settings)
    busy.connection()
    try:
        with pytest.raises(WorkspaceBusy):
            Workspace.open(settings.workspace)
    finally:
        busy.close()
    with Workspace.open(settings.workspace) as ws:          # once it is back, the writer opens
        assert ws.warehouse.row_counts()["leads"] == 0


def test_idle_connections_are_closed_so_another_process_can_write(settings):
    pool.reuse_connections(idle_seconds=0.2)
    try:
        _leads(settings)
        deadline = time.monotonic() + 60
        while _pool(settings).idle:          # the reaper closes it after 0.2 s idle
            assert time.monotonic() < deadline, "the idle connection was never closed"
            time.sleep(0.05)
    finally:
        pool.reuse_connections(idle_seconds=0)
    writer = subprocess.run([sys.executable, "-c", WRITE, str(settings.workspace)],
                            capture_output=True, text=True, timeout=120)
    assert writer.returncode == 0, writer.stderr
    assert writer.stdout.strip() == "0"


def test_temporary_tables_do_not_outlive_the_request(settings, reused):
    import ibis

    wh = pool.reader(settings)
    wh.create_temp("_left_behind", ibis.memtable({"x": [1]}))
    wh.close()
    wh = pool.reader(settings)
    try:
        assert "_left_behind" not in wh.tables()
    finally:
        wh.close()
    assert _pool(settings).opened == 1
