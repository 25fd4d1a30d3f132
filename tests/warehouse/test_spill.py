"""The warehouse's memory cap and spill folder: DuckDB gets the workspace's
`duckdb_memory_limit` (default 8GB) and spills what does not fit to `.duckdb_tmp/` beside the
warehouse file, so data larger than memory is slower, not fatal.

DuckDB spills stored data (tables, temporary tables, the partitioned runs of large joins,
aggregates and sorts), but each hash join, aggregate and window of a running query also holds
a few MB of its own, however small the data, and a query holds those of all its operators at
once. `revlens refresh` therefore keeps each query small: attribution computes the person
links, the conversions and the journey links once each into temporary tables
(`attribution.persons.PersonSource.computed`, `Warehouse.scratch`) and writes the credits one
model at a time; stored metric models are written, then sorted, in two statements. The whole
refresh of the tiny demo completes under a 96 MB limit with two DuckDB threads
(`duckdb_threads`; each thread adds buffers of its own, so more threads need a higher limit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from revlens.workspace import Workspace

PASSWORD = "spill-check-1"


def test_the_limit_and_the_spill_folder_come_from_the_workspace(tmp_path):
    Workspace.init(tmp_path / "ws", admin_password=PASSWORD)
    with Workspace.open(tmp_path / "ws") as ws:
        limit, = ws.warehouse.con.con.execute(
            "SELECT current_setting('memory_limit')").fetchone()
    assert limit == "7.4 GiB"                      # 8GB, in DuckDB's units
    with Workspace.open(tmp_path / "ws", duckdb_memory_limit="64MB") as ws:
        limit, folder = ws.warehouse.con.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert limit == "61.0 MiB"
    assert Path(folder) == (tmp_path / "ws" / ".duckdb_tmp").resolve()


@pytest.mark.slow
def test_a_table_larger_than_the_limit_spills_to_the_workspace(tmp_path):
    """3M sorted 32-character strings (about 150 MB) under a 64 MB limit."""
    Workspace.init(tmp_path / "ws", admin_password=PASSWORD)
    with Workspace.open(tmp_path / "ws", duckdb_memory_limit="64MB") as ws:
        raw = ws.warehouse.con.con
        raw.execute("CREATE TEMP TABLE sorted AS SELECT md5(CAST(range AS VARCHAR)) AS h "
                    "FROM range(3000000) ORDER BY h")
        assert raw.execute("SELECT count(*), min(h) FROM sorted").fetchone() == (
            3_000_000, "0000023f507999464aa2b78875b7e5d6")
        spilled = raw.execute("SELECT path, size FROM duckdb_temporary_files()").fetchall()
    assert spilled and sum(size for _, size in spilled) > 20 * 2**20
    assert all(Path(path).parent == (tmp_path / "ws" / ".duckdb_tmp").resolve()
               for path, _ in spilled)


@pytest.fixture
def tiny_demo(tmp_path) -> Path:
    """The tiny demo imported into a workspace (not refreshed)."""
    from revlens.demo.generate import generate
    from revlens.ingest.bulk import import_manifest

    generate(tmp_path / "data", scale="tiny")
    Workspace.init(tmp_path / "ws", admin_password=PASSWORD)
    with Workspace.open(tmp_path / "ws") as ws:
        import_manifest(ws, tmp_path / "data", user="test")
    return tmp_path / "ws"


@pytest.mark.slow
def test_refresh_of_the_tiny_demo_completes_under_96_mb(tiny_demo):
    from revlens.refresh import refresh

    with Workspace.open(tiny_demo, duckdb_memory_limit="96MB", duckdb_threads=2) as ws:
        done = refresh(ws)
        credits = ws.warehouse.table("attribution_credits")
        sums = credits.group_by(["model", "conversion_type", "conversion_id"]).aggregate(
            total=credits.credit.sum())
        worst, = ws.warehouse.to_arrow(sums.aggregate(
            n=sums.count(), off=(sums.total - 1.0).abs().max())).to_pylist()
    assert {"identity_map", "attribution_credits", "metric_models",
            "forecast_snapshots"} <= set(done)
    assert worst["n"] > 1000 and worst["off"] < 1e-9    # credits sum to 1 per conversion
