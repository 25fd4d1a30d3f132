"""Import of N touchpoints from CSV: RevLens' whole import path against this engine's floor.

RevLens side: `import_file(ws, "touchpoints", csv)` — what `revlens import touchpoints FILE`
runs: read, header matching, validation, natural-key upsert, rejects and the batch log — on a
fresh workspace, then again on the same file (the re-import: every row unchanged).

Floor: the same CSV through DuckDB's own reader, `INSERT INTO t SELECT * FROM read_csv(...)`,
into a table of the same column types in a fresh DuckDB file. Nothing can load this file into
this engine much faster, so `ratio` (RevLens time / floor time) is the cost of everything RevLens
adds. The issue's target is a ratio within 3 (import of 1M touchpoints, validation included).

Each side runs in its own fresh worker process, so each peak RSS is that side's alone; the
clock covers the import call only (not starting Python or creating the workspace).
"""

from __future__ import annotations

import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.registry import Figure, RunContext, benchmark
from benchmarks.touchpoints_csv import touchpoints_csv

NAME = "import"
ROWS = {"tiny": 20_000, "small": 200_000, "medium": 1_000_000, "large": 1_000_000}
FLOOR = "duckdb read_csv + INSERT"
ENTITY = "touchpoints"
STAGE_LABELS = {  # the first word of each progress message import_file reports
    "reading": "reading the file", "validating": "validating",
    "writing": "writing (upsert, rejects, batch log)",
}


@dataclass
class RevLensRun:
    seconds: float                 # first import, on an empty workspace
    stage_seconds: dict[str, float]
    reimport_seconds: float        # same file again: every row unchanged
    inserted: int
    reimport_unchanged: int
    warnings: int
    rows_stored: int               # rows in the touchpoints table afterwards
    peak_rss_mb: float


@dataclass
class FloorRun:
    seconds: float
    rows_stored: int
    peak_rss_mb: float


@benchmark(NAME)
def run(ctx: RunContext) -> list[Figure]:
    scratch = ctx.data_dir / "runs"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="import-") as work:
        return measure_import(ROWS[ctx.scale], ctx.data_dir, Path(work), ctx.repeat)


def measure_import(rows: int, data_dir: Path, work: Path, repeat: int = 1) -> list[Figure]:
    """Generate (or reuse) the CSV of `rows` touchpoints, run both sides, return the figures.

    Each timing is the best of `repeat` runs (each run on a fresh workspace and database);
    peak RSS is the highest. `work` keeps what the last runs wrote: `work/workspace` (the
    RevLens workspace) and `work/floor.duckdb`.
    """
    csv = touchpoints_csv(rows, data_dir)
    work.mkdir(parents=True, exist_ok=True)
    revlens_runs, floor_runs = [], []
    for _ in range(repeat):
        shutil.rmtree(work / "workspace", ignore_errors=True)
        revlens_runs.append(_in_worker(revlens_import, csv, work / "workspace"))
        floor_runs.append(_in_worker(floor_import, csv, work / "floor.duckdb"))
    return figures(rows, _best_revlens(revlens_runs), _best_floor(floor_runs))


def _best_revlens(runs: list[RevLensRun]) -> RevLensRun:
    """The fastest first import (with its stages), the fastest re-import, the highest RSS."""
    best = min(runs, key=lambda r: r.seconds)
    return replace(best, reimport_seconds=min(r.reimport_seconds for r in runs),
                   peak_rss_mb=max(r.peak_rss_mb for r in runs))


def _best_floor(runs: list[FloorRun]) -> FloorRun:
    best = min(runs, key=lambda r: r.seconds)
    return replace(best, peak_rss_mb=max(r.peak_rss_mb for r in runs))


def figures(rows: int, revlens: RevLensRun, floor: FloorRun) -> list[Figure]:
    def row(figure: str, value: float, unit: str, peer: float | None = None,
            ratio: float | None = None) -> Figure:
        return Figure(NAME, figure, value, unit, FLOOR if peer is not None else "", peer, ratio)

    floor_rate = rows / floor.seconds
    stages = [row(f"  {STAGE_LABELS[stage]}", seconds, "s")
              for stage, seconds in revlens.stage_seconds.items()]
    return [
        row("touchpoints in the CSV", rows, "rows"),
        row("first import", rows / revlens.seconds, "rows/s", floor_rate,
            revlens.seconds / floor.seconds),
        row("first import", revlens.seconds, "s", floor.seconds,
            revlens.seconds / floor.seconds),
        *stages,
        row("re-import, all unchanged", rows / revlens.reimport_seconds, "rows/s", floor_rate,
            revlens.reimport_seconds / floor.seconds),
        row("rows stored", revlens.rows_stored, "rows", floor.rows_stored),
        row("  inserted by the first import", revlens.inserted, "rows"),
        row("  unchanged on re-import", revlens.reimport_unchanged, "rows"),
        row("  warnings (phones emptied)", revlens.warnings, "rows"),
        row("peak RSS (memory ratio)", revlens.peak_rss_mb, "MB", floor.peak_rss_mb,
            revlens.peak_rss_mb / floor.peak_rss_mb),
    ]


def _in_worker(fn, *args):
    """Run `fn(*args)` in a fresh process, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def revlens_import(csv: Path, workspace: Path) -> RevLensRun:
    """Two imports of `csv` into a fresh workspace (runs in a worker process)."""
    from revlens.ingest.pipeline import import_file
    from revlens.workspace import Workspace

    Workspace.init(workspace, admin_password="benchmark")
    with Workspace.open(workspace) as ws:
        marks: list[tuple[str, float]] = []

        def progress(message: str) -> None:
            marks.append((message.split(" ", 1)[0], time.perf_counter()))

        started = time.perf_counter()
        first = import_file(ws, ENTITY, csv, user="benchmark", progress=progress)
        seconds = time.perf_counter() - started
        ends = [t for _, t in marks[1:]] + [started + seconds]
        stage_seconds = {name: end - t for (name, t), end in zip(marks, ends, strict=True)}

        started = time.perf_counter()
        second = import_file(ws, ENTITY, csv, user="benchmark")
        reimport_seconds = time.perf_counter() - started
        stored = ws.warehouse.row_counts()[ENTITY]
    return RevLensRun(seconds, stage_seconds, reimport_seconds, first.inserted,
                      second.unchanged, first.warnings, stored, _peak_rss_mb())


def floor_import(csv: Path, database: Path) -> FloorRun:
    """DuckDB alone: read the CSV and insert it into a table of the warehouse's column types."""
    import duckdb
    from ibis.backends.sql.compilers.duckdb import compiler

    from revlens.contract.entities import entity
    from revlens.warehouse.connection import quoted
    from revlens.warehouse.schema import entity_schema

    schema = entity_schema(entity(ENTITY))
    with csv.open(encoding="utf-8") as handle:
        header = handle.readline().strip().replace('"', "").split(",")
    columns = ", ".join(f"{quoted(name)} {compiler.type_mapper.to_string(schema[name])}"
                        for name in header)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute("SET TimeZone = 'UTC'")  # as the warehouse connection does
        con.execute(f"CREATE TABLE {quoted(ENTITY)} ({columns})")
        started = time.perf_counter()
        con.execute(f"INSERT INTO {quoted(ENTITY)} SELECT * FROM read_csv(?, header = true)",
                    [str(csv)])
        seconds = time.perf_counter() - started
        stored = con.execute(f"SELECT count(*) FROM {quoted(ENTITY)}").fetchone()[0]
    finally:
        con.close()
    return FloorRun(seconds, stored, _peak_rss_mb())
