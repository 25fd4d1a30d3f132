"""The warehouse's memory cap and spill folder: DuckDB gets the workspace's
`duckdb_memory_limit` (default 8GB) and spills what does not fit to `.duckdb_tmp/` beside the
warehouse file, so data larger than memory is slower, not fatal.

`refresh` of the tiny demo under a 64 MB limit does not complete yet: the attribution step's
journey links of account-based conversions (`opportunity_created`, `won`:
`attribution.journeys.attach` -> `Warehouse.scratch(links)`) compile to one plan of a few hundred
operators — the person links of leads, contacts and touchpoints inlined several times, each
union de-duplicated by its own hash table — and DuckDB needs about 590 MB of buffer memory for
it even on the tiny demo (1M rows through the plan; the result is 4,243 links). The hash
tables of the whole plan are alive at once and their memory cannot be spilled, so the query
fails with "Out of Memory Error: failed to pin block" under 64 MB and under 256 MB, and runs
under 1 GB. The test below is marked to fail until that query needs less; it then passes and
the mark must go.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
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
@pytest.mark.xfail(strict=True, raises=duckdb.OutOfMemoryException,
                   reason="the account-based journey links query of attribution_credits "
                          "needs ~590 MB of unspillable hash tables (see the module docstring)")
def test_refresh_of_the_tiny_demo_completes_under_64_mb(tiny_demo):
    from revlens.refresh import refresh

    with Workspace.open(tiny_demo, duckdb_memory_limit="64MB") as ws:
        done = refresh(ws)
    assert "attribution_credits" in done
