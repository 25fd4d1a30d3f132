"""The Spark warehouse underneath: its URL, its undo journal (a failed or killed transaction
leaves every table as it was), updates through the import path, and the message when pyspark
is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from revlens.config import load_settings
from revlens.errors import MissingExtra, UnsupportedWarehouse
from revlens.warehouse import Warehouse
from revlens.warehouse.spark import JOURNAL_FILE, SparkWarehouse, master_of, spark_session
from revlens.workspace import Workspace
from tests.ingest.support import load, stored, write
from tests.spark.conftest import spark_overrides

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_the_url_names_the_master():
    assert master_of("spark://local[2]") == "local[2]"
    assert master_of("spark://yarn") == "yarn"
    assert master_of("spark://10.0.0.5:7077") == "spark://10.0.0.5:7077"
    with pytest.raises(UnsupportedWarehouse, match="spark://local"):
        master_of("spark://")


def test_without_pyspark_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    settings = load_settings(tmp_path, **spark_overrides("none"))
    with pytest.raises(MissingExtra) as info:
        spark_session(settings)
    assert "pip install 'revlens[spark]'" in str(info.value)


@pytest.fixture
def spark_wh(spark_root, request):
    name = request.node.name.replace("test_", "")[:20].replace("-", "_")
    settings = load_settings(spark_root / name, **spark_overrides(name))
    settings.workspace.mkdir(parents=True, exist_ok=True)
    wh = Warehouse(settings)
    assert isinstance(wh, SparkWarehouse)
    wh.con.create_table("kept", schema={"x": "int64"})
    wh.append("kept", pa.table({"x": [1, 2]}))
    yield wh
    wh.close()


def values(wh, name="kept") -> list[int]:
    return sorted(wh.to_arrow(wh.table(name)).column("x").to_pylist())


def test_a_failed_transaction_leaves_every_table_as_it_was(spark_wh):
    with pytest.raises(RuntimeError, match="half-way"), spark_wh.transaction():
        spark_wh.append("kept", pa.table({"x": [3]}))
        spark_wh.con.truncate_table("kept")
        spark_wh.con.create_table("made", schema={"x": "int64"})
        raise RuntimeError("half-way")
    assert values(spark_wh) == [1, 2]
    assert "made" not in spark_wh.tables()
    assert not [t for t in spark_wh.con.list_tables() if t.startswith("_undo_")]


def test_a_committed_transaction_keeps_every_write(spark_wh):
    with spark_wh.transaction():
        spark_wh.append("kept", pa.table({"x": [3]}))
        spark_wh.con.create_table("made", schema={"x": "int64"})
    assert values(spark_wh) == [1, 2, 3]
    assert "made" in spark_wh.tables()
    assert not [t for t in spark_wh.con.list_tables() if t.startswith("_undo_")]


def test_a_killed_writer_is_undone_when_the_warehouse_next_opens(spark_wh):
    open_transaction = spark_wh.transaction()
    open_transaction.__enter__()  # the process "dies" inside: no exit, no rollback
    spark_wh.append("kept", pa.table({"x": [3]}))
    spark_wh.con.create_table("made", schema={"x": "int64"})
    assert values(spark_wh) == [1, 2, 3]
    assert (spark_wh.settings.workspace / JOURNAL_FILE).exists()
    again = Warehouse(spark_wh.settings)          # opening for writing replays the journal
    assert values(again) == [1, 2]
    assert "made" not in again.tables()
    assert again.recover() == []                   # nothing left to undo


def test_a_second_process_is_told_the_workspace_is_busy(spark_root):
    """The tests' own Spark holds the embedded metastore of `first`: another process opening
    that workspace gets the message, not Hive's stack trace."""
    revlens = Path(sys.executable).with_name("revlens")
    run = subprocess.run([str(revlens), "imports", "--workspace", str(spark_root / "first")],
                         capture_output=True, text=True, timeout=600,
                         env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"})
    assert run.returncode != 0
    assert "is in use by another RevLens process" in run.stderr, run.stderr[-2000:]
    assert "spark.hadoop.hive.metastore.uris" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_import_updates_rows_in_place(spark_root):
    ws_dir = spark_root / "updates"
    Workspace.init(ws_dir, admin_password="spark-password-1", **spark_overrides("updates"))
    with Workspace.open(ws_dir) as ws:             # the URL was written to revlens.toml
        assert isinstance(ws.warehouse, SparkWarehouse)
        first = load(ws, "campaigns", write(spark_root / "c1.csv",
                                            "campaign_id,name,channel\nC1,春季,event\n"
                                            "C2,秋季,event\n"))
        second = load(ws, "campaigns", write(spark_root / "c2.csv",
                                             "campaign_id,name,channel\nC1,春季,event\n"
                                             "C2,秋季大会,event\nC3,冬季,webinar\n"))
        assert (first.inserted, first.updated) == (2, 0)
        assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
        assert [r["name"] for r in stored(ws, "campaigns", "campaign_id", "name")] == [
            "春季", "秋季大会", "冬季"]
