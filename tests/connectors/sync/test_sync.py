"""`revlens sync` against the real PostgreSQL and MariaDB servers: a first full read, an
incremental second read of only what changed, a bad row in rejects, a crash that moves
nothing, the marks, and the errors a user meets first.

The CRM's times carry no offset and are Asia/Shanghai (the workspace zone): 2026-03-01
10:00:00 there is 02:00:00 UTC.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from revlens.connectors.sync import load_sources, prepare, source_status
from revlens.connectors.sync import state as sync_state
from revlens.connectors.sync.exceptions import MissingConnectionEnv, MissingUpdatedAt
from revlens.ingest.pipeline import rejects
from revlens.warehouse.schema import SYNC_STATE_TABLE
from revlens.workspace import Workspace
from tests.connectors.sync.conftest import URL_ENV


def _sync(ws, sources_file, entity=None, full=False):
    with prepare(load_sources(sources_file), "crm", entity) as plan:
        return {r.entity: r for r in plan.run(ws, full=full)}


def _rows(ws, table, *columns):
    arrow = ws.warehouse.to_arrow(ws.warehouse.table(table))
    return sorted(tuple(r[c] for c in columns) for r in arrow.select(list(columns)).to_pylist())


def _counts(result):
    r = result.result
    return r.rows_read, r.inserted, r.updated, r.unchanged, r.rejected


def test_first_sync_reads_everything_and_rejects_the_bad_row(crm, workspace, sources_file):
    done = _sync(workspace, sources_file)

    assert _counts(done["accounts"]) == (3, 3, 0, 0, 0)
    assert _counts(done["contacts"]) == (3, 2, 0, 0, 1)
    assert _rows(workspace, "accounts", "account_id", "name", "industry") == [
        ("A1", "星辰科技有限公司", "制造业"), ("A2", "Acme Robotics", "Manufacturing"),
        ("A3", "云杉软件", "软件")]
    assert _rows(workspace, "contacts", "contact_id", "account_id", "email", "phone") == [
        ("P1", "A1", "wang.fang@example.cn", "+8613912345678"),
        ("P2", "A2", "john@acme.example", "+14155550100")]
    created = _rows(workspace, "accounts", "account_id", "created_at")[0][1]
    assert created == datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    (bad,) = rejects(workspace, done["contacts"].result.batch_id).to_pylist()
    assert (bad["row_number"], bad["column"], bad["value"]) == (3, "email", "not-an-email")
    assert bad["reason"].endswith("(record contact_id=P3)")
    # the mark: the greatest `modified` read, the rejected row's included
    assert done["accounts"].high_water_mark == "2026-03-02T08:15:00"
    assert done["contacts"].high_water_mark == "2026-03-02T09:00:00"
    batch = workspace.appdb.batch(done["contacts"].result.batch_id)
    assert (batch.status, batch.source_name, batch.source_format) == (
        "completed", "crm.contacts", crm.kind if crm.kind == "postgresql" else "mysql")


def test_second_sync_reads_only_the_changed_rows(crm, workspace, sources_file):
    _sync(workspace, sources_file)
    crm.execute("UPDATE crm_account SET sector = '半导体', modified = '2026-03-05 12:00:00' "
                "WHERE id = 'A1'")
    crm.add_account(("A4", "北辰物流", "物流", "2026-03-05 09:00:00", "2026-03-05 12:00:00"))
    crm.execute("UPDATE crm_person SET mail = 'li.lei@yunshan.example', "
                "modified = '2026-03-06 08:00:00' WHERE id = 'P3'")

    done = _sync(workspace, sources_file)

    assert _counts(done["accounts"]) == (2, 1, 1, 0, 0)
    assert _counts(done["contacts"]) == (1, 1, 0, 0, 0)  # the fixed row arrives
    assert done["accounts"].previous_mark == "2026-03-02T08:15:00"
    assert done["accounts"].high_water_mark == "2026-03-05T12:00:00"
    assert ("A1", "半导体") in _rows(workspace, "accounts", "account_id", "industry")
    assert ("P3", "li.lei@yunshan.example") in _rows(workspace, "contacts", "contact_id",
                                                      "email")
    again = _sync(workspace, sources_file)  # nothing changed: nothing read, no batch
    assert _counts(again["accounts"]) == (0, 0, 0, 0, 0)
    assert again["accounts"].result.batch_id == ""
    assert again["accounts"].high_water_mark == "2026-03-05T12:00:00"


def test_a_row_changed_in_the_same_second_as_the_mark_is_not_missed(crm, workspace,
                                                                      sources_file):
    """DATETIME has whole seconds: a row written at the mark's own second after the last
    sync is read (>=), and the rows read there before are not read again."""
    _sync(workspace, sources_file, "accounts")
    crm.add_account(("A5", "同秒公司", None, "2026-03-02 08:15:00", "2026-03-02 08:15:00"))
    done = _sync(workspace, sources_file, "accounts")
    assert _counts(done["accounts"]) == (1, 1, 0, 0, 0)


def test_full_reads_everything_again_and_changes_nothing(crm, workspace, sources_file):
    _sync(workspace, sources_file)
    done = _sync(workspace, sources_file, full=True)
    assert _counts(done["accounts"]) == (3, 0, 0, 3, 0)
    assert _counts(done["contacts"]) == (3, 0, 0, 2, 1)
    assert done["accounts"].full is True


def test_a_kill_mid_sync_leaves_rows_and_mark_as_they_were(crm, workspace_dir, sources_file):
    """`revlens sync` killed (as by kill -9) after the upsert, before the commit: the next
    open finds the rows and the mark as the previous sync left them, and the next sync brings
    the changes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLENS_")}
    env["REVLENS_WORKSPACE"] = str(workspace_dir)
    sync = [str(Path(sys.executable).with_name("revlens")), "sync", "crm", "--entity",
            "accounts"]
    assert subprocess.run(sync, env=env, capture_output=True, timeout=120).returncode == 0
    with Workspace.open(workspace_dir, read_only=True) as ws:
        before = _rows(ws, "accounts", "account_id", "industry", "_batch_id")
        marks = _rows(ws, SYNC_STATE_TABLE, "entity", "high_water_mark", "last_batch_id")
    crm.execute("UPDATE crm_account SET sector = 'X', modified = '2026-04-01 00:00:00'")
    killed = subprocess.run(sync, env={**env, "REVLENS_FAULT": "before_commit"},
                            capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL
    with Workspace.open(workspace_dir) as ws:
        assert _rows(ws, "accounts", "account_id", "industry", "_batch_id") == before
        assert _rows(ws, SYNC_STATE_TABLE, "entity", "high_water_mark",
                     "last_batch_id") == marks
        retried = _sync(ws, sources_file, "accounts")
        assert _counts(retried["accounts"]) == (3, 0, 3, 0, 0)
        assert {r[1] for r in _rows(ws, "accounts", "account_id", "industry")} == {"X"}


def test_an_error_mid_sync_rolls_back_and_marks_the_batch_failed(crm, workspace, sources_file,
                                                                   monkeypatch):
    _sync(workspace, sources_file, "accounts")
    marks = _rows(workspace, SYNC_STATE_TABLE, "entity", "high_water_mark", "last_batch_id")
    crm.execute("UPDATE crm_account SET sector = 'X', modified = '2026-04-01 00:00:00'")

    def broken(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(sync_state, "save", broken)
    with pytest.raises(OSError, match="disk full"):
        _sync(workspace, sources_file, "accounts")
    monkeypatch.undo()
    assert "X" not in {r[1] for r in _rows(workspace, "accounts", "account_id", "industry")}
    assert _rows(workspace, SYNC_STATE_TABLE, "entity", "high_water_mark",
                 "last_batch_id") == marks
    latest = workspace.appdb.batches(entity="accounts")[0]
    assert (latest.status, latest.error) == ("failed", "disk full")


def test_the_url_stays_in_the_environment(crm, workspace, sources_file, monkeypatch):
    _sync(workspace, sources_file)
    stored = json.dumps([vars(b) for b in workspace.appdb.batches()], default=str)
    stored += json.dumps(workspace.warehouse.to_arrow(
        workspace.warehouse.table(SYNC_STATE_TABLE)).to_pylist(), default=str)
    assert crm.url.split("://", 1)[1] not in stored
    assert "127.0.0.1" not in stored
    monkeypatch.delenv(URL_ENV)
    with pytest.raises(MissingConnectionEnv, match=URL_ENV):
        prepare(load_sources(sources_file), "crm")


def test_a_query_without_its_updated_at_column_fails_before_any_write(crm, workspace,
                                                                       sources_file):
    text = sources_file.read_text(encoding="utf-8").replace("created AS created_at, modified "
                                                            "FROM crm_account",
                                                            "created AS created_at FROM "
                                                            "crm_account")
    sources_file.write_text(text, encoding="utf-8")
    with pytest.raises(MissingUpdatedAt, match="modified"):
        prepare(load_sources(sources_file), "crm")
    assert workspace.appdb.batches() == []


def test_status_lists_marks_and_next_runs(crm, workspace, sources_file):
    _sync(workspace, sources_file, "accounts")
    now = datetime(2026, 3, 10, 2, 7, tzinfo=UTC)
    lines = {line.entity: line for line in source_status(
        workspace.warehouse, load_sources(sources_file), "Asia/Shanghai", now=now)}
    assert lines["accounts"].high_water_mark == "2026-03-02T08:15:00"
    assert lines["accounts"].rows == 3
    assert lines["contacts"].high_water_mark is None
    assert lines["accounts"].url_env_set is True
    # */15 in Shanghai after 10:07 local: 10:15 local
    assert lines["accounts"].next_run.isoformat() == "2026-03-10T10:15:00+08:00"
