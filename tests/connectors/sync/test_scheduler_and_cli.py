"""Scheduled syncs as `revlens serve` runs them (one tick at a time, with the clock given),
and `revlens sync` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from revlens.config import load_settings
from revlens.connectors.sync.scheduler import SyncScheduler
from revlens.workspace import Workspace

T0 = datetime(2026, 3, 10, 2, 7, tzinfo=UTC)  # 10:07 in Shanghai; */15 fires at 10:15


def test_a_due_source_runs_at_its_cron_time_and_not_before(crm, workspace_dir, sources_file):
    scheduler = SyncScheduler(load_settings(workspace_dir), tick=0.1)
    assert scheduler.run_due(T0) == []                       # first sight: scheduled only
    assert scheduler.due["crm"] == datetime(2026, 3, 10, 2, 15, tzinfo=UTC)
    assert scheduler.run_due(T0 + timedelta(minutes=7)) == []  # 10:14: not yet
    (run,) = scheduler.run_due(T0 + timedelta(minutes=8))     # 10:15: runs
    assert run.status == "completed", run.message
    assert [(r.entity, r.result.inserted, r.result.rejected) for r in run.results] == [
        ("accounts", 3, 0), ("contacts", 2, 1)]
    assert scheduler.due["crm"] == datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    with Workspace.open(workspace_dir, read_only=True) as ws:
        assert ws.warehouse.table("accounts").count().execute() == 3
        assert {b.user for b in ws.appdb.batches()} == {"scheduler"}


def test_a_busy_warehouse_is_retried_and_a_failure_waits_for_the_next_time(
        crm, workspace_dir, sources_file, monkeypatch):
    scheduler = SyncScheduler(load_settings(workspace_dir))
    scheduler.run_due(T0)
    due = T0 + timedelta(minutes=8)
    holder = subprocess.Popen(  # another process (a CLI import, say) holds the warehouse
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read()", str(workspace_dir / "warehouse.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        (busy,) = scheduler.run_due(due)
    finally:
        holder.communicate("")
    assert busy.status == "busy"
    assert scheduler.due["crm"] == due.replace(minute=15)     # still due: tried next tick
    monkeypatch.setenv("CRM_TEST_URL", "postgresql://nobody@127.0.0.1:1/none")
    (failed,) = scheduler.run_due(due + timedelta(seconds=10))
    assert failed.status == "failed"
    assert "cannot connect" in failed.message and "nobody" in failed.message
    assert scheduler.due["crm"] == datetime(2026, 3, 10, 2, 30, tzinfo=UTC)


def test_a_broken_edit_of_the_sources_file_keeps_the_last_good_one(crm, workspace_dir,
                                                                   sources_file):
    scheduler = SyncScheduler(load_settings(workspace_dir))
    scheduler.run_due(T0)
    sources_file.write_text("[sources.crm\n", encoding="utf-8")
    (run,) = scheduler.run_due(T0 + timedelta(minutes=8))
    assert run.status == "completed"


def test_cli_sync_list_and_json(crm, cli, ws_env, sources_file):
    env = ws_env  # CRM_TEST_URL is in the environment (the crm fixture)
    run = cli("sync", "crm", "--format", "json", env=env)
    assert run.exit_code == 0, run.stderr
    summaries = json.loads(run.stdout)
    assert [(s["entity"], s["rows_read"], s["inserted"], s["rejected"], s["source"],
             s["high_water_mark"]) for s in summaries] == [
        ("accounts", 3, 3, 0, "crm", "2026-03-02T08:15:00"),
        ("contacts", 3, 2, 1, "crm", "2026-03-02T09:00:00")]
    listed = json.loads(cli("sync", "--list", "--format", "json", env=env).stdout)
    assert [(r["source"], r["entity"], r["url_env"], r["url_env_set"], r["rows"])
            for r in listed] == [("crm", "accounts", "CRM_TEST_URL", True, 3),
                                 ("crm", "contacts", "CRM_TEST_URL", True, 3)]
    table = cli("sync", "crm", "--entity", "contacts", env=env)
    assert table.exit_code == 0, table.stderr
    text = " ".join(table.stdout.split())
    assert "contacts from crm: 0 rows read" in text
    assert "batch none: nothing changed" in text


def test_cli_errors_are_one_line(crm, cli, ws_env, sources_file):
    unknown = cli("sync", "erp", env=ws_env)
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: no source 'erp'")
    assert len(unknown.stderr.strip().splitlines()) == 1
    nameless = cli("sync", env=ws_env)
    assert "name the source to sync" in nameless.stderr
