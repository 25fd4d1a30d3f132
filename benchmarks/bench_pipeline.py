"""The whole pipeline on the demo at the run's scale: import of the demo folder, `refresh`, and
the executive cockpit's queries, each stage in a fresh worker process on a fresh workspace.

- **generate**: the demo's files (`revlens.demo.generate`), generated once and cached in the
  data folder; its time is the one measured when it was generated.
- **import**: `import_manifest` of the whole demo folder (every entity file of the manifest, in
  its order: read, validate, upsert, rejects, batch log) into a new workspace; rows/s over every
  row read. Floor: DuckDB alone reading each of the same files with `read_csv` and inserting it
  into a table of the warehouse's column types, in a fresh DuckDB file (each in its own fresh
  process, as for the `import` benchmark).
- **refresh**: `revlens.refresh.refresh` on the imported workspace (lead events, company
  matches, the identity map, attribution credits, tags, segments, stored metric models, the
  forecast), with the time of each step. Its peak memory is the process's resident-set
  high-water mark as the kernel keeps it (`VmHWM`, the same as `getrusage` `ru_maxrss`), read
  by the process itself; the mark is started again at each step (`/proc/self/clear_refs`), so
  each step's own peak is reported too (on Spark, the Python process's alone: the JVM's peak is
  read once, at the end). Refresh has no peer: the row beside its peak is the
  memory budget (8 GB) it must stay under, a limit, not a peer.
- **cockpit**: the `cockpit` benchmark's fifteen queries (`bench_metrics.measure_cockpit`) on
  the refreshed workspace: the sum of their p50s and the slowest p95, against the hand-written
  DuckDB SQL of the same numbers.

Import and refresh also report their CPU time (every thread of the process, DuckDB's too, and
on Spark the JVM's): on a machine shared with other work it moves less than wall-clock time. A
refresh step or a cockpit query that fails is reported as a figure saying where and why, with
the time until it failed, and the stages after it still run.

Engines: on `duckdb` the workspace is a DuckDB file (memory limit and spill folder as the
workspace sets them); on `spark` it is `spark://local[2]`, a local Spark started in each
stage's process (not timed). On Spark the cockpit has no SQL peer (the SQL is DuckDB's), and
each stage also reports what Spark's event log shows for the tasks launched while its clock
ran: jobs, tasks and the tasks' summed time, from which `benchmarks/scaling.py` estimates the
cost per task; the peak memory then also counts the JVM (its own high-water mark, read before it
stops: the two peaks need not coincide, so their sum is an upper bound).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchmarks.bench_attribution import demo_data
from benchmarks.machine_costs import (
    SparkCost,
    cpu_seconds,
    jvms,
    peak_rss_mb,
    reset_peak_rss,
    spark_cost,
)
from benchmarks.registry import SPARK_URL, Figure, RunContext, benchmark

NAME = "pipeline"
FLOOR = "duckdb read_csv + INSERT, each file"
BUDGET = "memory budget 8 GB (a limit, not a peer)"
BUDGET_MB = 8 * 1024
SQL_PEER = "hand-written DuckDB SQL"
COCKPIT_RUNS = {"tiny": 3, "small": 10, "medium": 10, "large": 5}
SPARK_COCKPIT_RUNS = 2
PASSWORD = "benchmark-only"
SPARK_DATABASE = "pipeline"

# the figures every engine reports (benchmarks/scaling.py reads them by these names)
ROWS_FIGURE = "demo rows imported"
GENERATE_FIGURE = "generate the demo (when first generated)"
IMPORT_FIGURE = "import the demo folder"
REFRESH_FIGURE = "refresh"
COCKPIT_FIGURE = "cockpit: 15 queries, sum of p50"
STEP_PREFIX = "  refresh step "
CPU_SUFFIX = ": CPU time"
PEAK_SUFFIX = ": peak RSS"
PEAK_FIGURE = "refresh: peak RSS"


@dataclass
class StageRun:
    seconds: float
    rows: int = 0
    rejected: int = 0
    parts: dict[str, float] = field(default_factory=dict)   # seconds per entity or per step
    cpu_seconds: float = 0.0               # CPU time of the timed call, every thread (and JVM)
    part_cpu: dict[str, float] = field(default_factory=dict)
    part_peak_mb: dict[str, float] = field(default_factory=dict)   # peak memory of each step
    peak_rss_mb: float = 0.0               # this process (kernel high-water mark)
    jvm_peak_rss_mb: float | None = None   # Spark's JVM, a child of the process
    memory_limit: str = ""
    window_ms: tuple[int, int] = (0, 0)    # wall-clock span of the timed call (epoch ms)
    spark: SparkCost | None = None
    error: str = ""                        # why the stage stopped, when it failed


@benchmark(NAME, engines=("duckdb", "spark"))
def run(ctx: RunContext) -> list[Figure]:
    scratch = ctx.data_dir / "runs"
    scratch.mkdir(parents=True, exist_ok=True)
    data = demo_data(ctx.scale, ctx.data_dir)
    runs = SPARK_COCKPIT_RUNS if ctx.engine == "spark" else COCKPIT_RUNS[ctx.scale]
    with tempfile.TemporaryDirectory(dir=scratch, prefix="pipeline-") as work:
        return measure_pipeline(data, Path(work), ctx.engine, ctx.repeat, runs)


def measure_pipeline(data: Path, work: Path, engine: str = "duckdb", repeat: int = 1,
                     cockpit_runs: int = 10) -> list[Figure]:
    """Every stage on the demo folder `data`, `repeat` times on a fresh workspace each; the
    best time of each stage, the highest peak memory. `work` keeps the last run's workspace
    (`work/workspace`) and floor database (`work/floor.duckdb`)."""
    imports, floors, refreshes, cockpits = [], [], [], []
    for _ in range(max(repeat, 1)):
        for stale in ("workspace", "spark-events"):
            shutil.rmtree(work / stale, ignore_errors=True)
        workspace = work / "workspace"
        imports.append(_stage(import_stage, "import", work, engine, data, workspace))
        floors.append(_in_worker(floor_stage, data, work / "floor.duckdb"))
        refreshes.append(_stage(refresh_stage, "refresh", work, engine, workspace))
        cockpits.append(_in_worker(cockpit_attempt, workspace, _overrides(engine, None),
                                   cockpit_runs, engine == "duckdb"))
    return figures(engine, _generated(data), _best(imports), _best(floors),
                   _best(refreshes), _best_cockpit(cockpits))


def _overrides(engine: str, events: Path | None) -> dict:
    """Workspace settings of the engine (for Spark: its event log in `events`, plain JSON)."""
    if engine == "duckdb":
        return {}
    conf = {} if events is None else {
        "spark.eventLog.enabled": "true", "spark.eventLog.dir": str(events),
        "spark.eventLog.compress": "false", "spark.eventLog.rolling.enabled": "false"}
    return {"warehouse_url": SPARK_URL, "spark_database": SPARK_DATABASE, "spark_conf": conf}


def _stage(fn, name: str, work: Path, engine: str, *args) -> StageRun:
    """`fn(*args, overrides)` in a fresh process; on Spark with the event log read after."""
    events = work / "spark-events" / name if engine == "spark" else None
    if events is not None:
        events.mkdir(parents=True, exist_ok=True)
    result = _in_worker(fn, *args, _overrides(engine, events))
    if events is not None:
        result.spark = spark_cost(events, *result.window_ms)
    return result


def _in_worker(fn, *args):
    """Run `fn(*args)` in a fresh process, so its peak memory is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(fn, *args).result()


def _best(runs: list[StageRun]) -> StageRun:
    """The fastest run (a failed run: only if all failed), the highest peak memory."""
    best = min([r for r in runs if not r.error] or runs, key=lambda r: r.seconds)
    jvm = [r.jvm_peak_rss_mb for r in runs if r.jvm_peak_rss_mb is not None]
    return replace(best, peak_rss_mb=max(r.peak_rss_mb for r in runs),
                   jvm_peak_rss_mb=max(jvm) if jvm else None)


def _best_cockpit(runs: list[tuple[list[Figure], str]]) -> tuple[list[Figure], str]:
    """The run whose p50s add up to the least (a failed run: only if all failed)."""
    done = [r for r in runs if not r[1]] or runs
    return min(done, key=lambda run: sum(f.value for f in run[0] if f.figure.endswith(": p50")))


def _generated(data: Path) -> dict:
    marker = data.parent / "generated.json"
    return json.loads(marker.read_text(encoding="utf-8")) if marker.exists() else {}


# -- the figures ---------------------------------------------------------------------------
def figures(engine: str, generated: dict, imported: StageRun, floor: StageRun,
            refreshed: StageRun, cockpit: tuple[list[Figure], str]) -> list[Figure]:
    def row(figure: str, value: float, unit: str, peer: str = "", peer_value: float | None = None,
            ratio: float | None = None) -> Figure:
        return Figure(NAME, figure, value, unit, peer, peer_value, ratio)

    out = [row(ROWS_FIGURE, imported.rows, "rows", FLOOR, floor.rows)]
    if generated:
        out.append(row(GENERATE_FIGURE, generated["seconds"], "s"))
    out += [
        row(IMPORT_FIGURE, imported.rows / imported.seconds, "rows/s", FLOOR,
            floor.rows / floor.seconds, imported.seconds / floor.seconds),
        row(IMPORT_FIGURE, imported.seconds, "s", FLOOR, floor.seconds,
            imported.seconds / floor.seconds),
        row(f"{IMPORT_FIGURE}{CPU_SUFFIX}", imported.cpu_seconds, "s", FLOOR, floor.cpu_seconds,
            _ratio(imported.cpu_seconds, floor.cpu_seconds)),
        row("  of which touchpoints", imported.parts.get("touchpoints", 0.0), "s", FLOOR,
            floor.parts.get("touchpoints"), _ratio(imported.parts.get("touchpoints"),
                                                   floor.parts.get("touchpoints"))),
        row("  rows rejected", imported.rejected, "rows"),
        row("import: peak RSS (memory ratio)", _total_mb(imported), "MB", FLOOR,
            floor.peak_rss_mb, _total_mb(imported) / floor.peak_rss_mb),
        *_spark_rows(row, "import", imported),
        row(f"{REFRESH_FIGURE}: FAILED {refreshed.error}" if refreshed.error else REFRESH_FIGURE,
            refreshed.seconds, "s"),
        row(f"{REFRESH_FIGURE}{CPU_SUFFIX}{' until it failed' if refreshed.error else ''}",
            refreshed.cpu_seconds, "s"),
        *(row(f"{STEP_PREFIX}{step}", seconds, "s") for step, seconds in refreshed.parts.items()),
        *(row(f"{STEP_PREFIX}{step}{CPU_SUFFIX}", seconds, "s")
          for step, seconds in refreshed.part_cpu.items()),
        row(f"{PEAK_FIGURE} (memory_limit {refreshed.memory_limit})" if engine == "duckdb"
            else f"{PEAK_FIGURE} (Python + JVM)", _total_mb(refreshed), "MB", BUDGET, BUDGET_MB,
            _total_mb(refreshed) / BUDGET_MB),
        *(row(f"{STEP_PREFIX}{step}{PEAK_SUFFIX}", mb, "MB")
          for step, mb in refreshed.part_peak_mb.items()),
        *_spark_rows(row, "refresh", refreshed),
    ]
    return out + cockpit_rows(row, cockpit)


def _ratio(value: float | None, peer: float | None) -> float | None:
    return value / peer if value is not None and peer else None


def _total_mb(stage: StageRun) -> float:
    return stage.peak_rss_mb + (stage.jvm_peak_rss_mb or 0.0)


def _spark_rows(row, stage: str, run: StageRun) -> list[Figure]:
    if run.spark is None:
        return []
    cost = run.spark
    return [row(f"{stage}: Spark jobs", cost.jobs, "jobs"),
            row(f"{stage}: Spark tasks", cost.tasks, "tasks"),
            row(f"{stage}: Spark task time, summed", cost.task_seconds, "s")]


def cockpit_rows(row, measured: tuple[list[Figure], str]) -> list[Figure]:
    """Two rows for the fifteen queries: the sum of their p50s, the slowest p95 (one row
    saying why, when they failed)."""
    cockpit, error = measured
    if error:
        return [row(f"cockpit: FAILED {error}", 0, "queries")]
    p50 = [f for f in cockpit if f.figure.endswith(": p50")]
    p95 = [f for f in cockpit if f.figure.endswith(": p95")]
    if not p95:
        return []
    slowest = max(p95, key=lambda f: f.value)
    different = sum("DIFFERENT" in f.figure for f in p50)
    if slowest.peer_value is None:
        return [row(COCKPIT_FIGURE, sum(f.value for f in p50), "ms"),
                row("cockpit: slowest p95", slowest.value, "ms")]
    ours, theirs = sum(f.value for f in p50), sum(f.peer_value for f in p50)
    return [row(COCKPIT_FIGURE, ours, "ms", SQL_PEER, theirs, ours / theirs),
            row(f"cockpit: slowest p95 ({slowest.figure.removesuffix(': p95')})", slowest.value,
                "ms", SQL_PEER, slowest.peer_value, slowest.ratio),
            row("cockpit: results different from the SQL", different, "queries")]


# -- the stages, each run in a fresh process -----------------------------------------------
def import_stage(data: Path, workspace: Path, overrides: dict) -> StageRun:
    """A new workspace, then `import_manifest` of the demo folder."""
    from revlens.ingest.bulk import import_manifest
    from revlens.workspace import Workspace

    Workspace.init(workspace, admin_password=PASSWORD, **overrides)
    with Workspace.open(workspace, **overrides) as ws:
        began, started, cpu = _epoch_ms(), time.perf_counter(), cpu_seconds()
        results = import_manifest(ws, data, user="benchmark")
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        window = (began, _epoch_ms())
    return _finish(StageRun(seconds, sum(r.rows_read for r in results),
                            sum(r.rejected for r in results),
                            {r.entity: r.seconds for r in results}, cpu, window_ms=window))


def refresh_stage(workspace: Path, overrides: dict) -> StageRun:
    """`refresh` of the workspace, timing each step by the progress it reports."""
    from revlens.refresh import refresh
    from revlens.workspace import Workspace

    error, peaks = "", []
    with Workspace.open(workspace, **overrides) as ws:
        marks: list[tuple[str, float, float]] = []
        per_step = reset_peak_rss()

        def mark(step: str) -> None:
            peaks.append(peak_rss_mb(os.getpid()))      # of the step before (or the open)
            reset_peak_rss()
            marks.append((step, time.perf_counter(), cpu_seconds()))

        began, started, cpu = _epoch_ms(), time.perf_counter(), cpu_seconds()
        try:
            refresh(ws, progress=mark)
        except Exception as exc:     # reported as a figure: a failing step is a finding
            error = failure(exc, marks[-1][0] if marks else "")
        ended, cpu_ended = time.perf_counter(), cpu_seconds()
        peaks.append(peak_rss_mb(os.getpid()))
        window = (began, _epoch_ms())
        limit = ws.settings.duckdb_memory_limit
    ends = [(t, c) for _, t, c in marks[1:]] + [(ended, cpu_ended)]
    steps = {step: end[0] - t for (step, t, _), end in zip(marks, ends, strict=True)}
    steps_cpu = {step: end[1] - c for (step, _, c), end in zip(marks, ends, strict=True)}
    steps_peak = dict(zip((step for step, _, _ in marks), peaks[1:], strict=True)) \
        if per_step else {}
    return _finish(StageRun(ended - started, parts=steps, cpu_seconds=cpu_ended - cpu,
                            part_cpu=steps_cpu, part_peak_mb=steps_peak,
                            peak_rss_mb=max(peaks), memory_limit=limit, window_ms=window,
                            error=error))


def cockpit_stage(workspace: Path, overrides: dict, runs: int, peer: bool) -> list[Figure]:
    """The `cockpit` benchmark's figures on the workspace (`peer`: beside its SQL)."""
    from benchmarks.bench_metrics import measure_cockpit

    return measure_cockpit(workspace, runs, peer=peer, **overrides)


def cockpit_attempt(workspace: Path, overrides: dict, runs: int, peer: bool
                    ) -> tuple[list[Figure], str]:
    """The cockpit's figures, or none and why it failed."""
    try:
        return cockpit_stage(workspace, overrides, runs, peer), ""
    except Exception as exc:         # reported as a figure: a failing query is a finding
        return [], failure(exc)


def failure(exc: Exception, step: str = "") -> str:
    """What failed, in one line for a figure's name."""
    where = f"in {step}: " if step else ""
    message = " ".join(str(exc).split())
    return f"{where}{type(exc).__name__}: {message[:100]}"


def floor_stage(data: Path, database: Path) -> StageRun:
    """DuckDB alone: each file of the manifest read by `read_csv` and inserted into a table of
    the warehouse's column types (a column the contract does not know: text)."""
    import duckdb
    from ibis.backends.sql.compilers.duckdb import compiler

    from revlens.contract.entities import entity
    from revlens.warehouse.connection import quoted
    from revlens.warehouse.schema import entity_schema

    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    parts, part_cpu, rows = {}, {}, 0
    try:
        con.execute("SET TimeZone = 'UTC'")      # as the warehouse connection does
        for name in manifest["import_order"]:
            if name not in manifest["files"]:
                continue
            path = data / manifest["files"][name]
            schema = entity_schema(entity(name))
            with path.open(encoding="utf-8") as handle:
                header = handle.readline().strip().replace('"', "").split(",")
            columns = ", ".join(
                f"{quoted(c)} "
                f"{compiler.type_mapper.to_string(schema[c]) if c in schema else 'VARCHAR'}"
                for c in header)
            con.execute(f"CREATE TABLE {quoted(name)} ({columns})")
            started, cpu = time.perf_counter(), cpu_seconds()
            con.execute(f"INSERT INTO {quoted(name)} SELECT * FROM read_csv(?, header = true)",
                        [str(path)])
            parts[name] = time.perf_counter() - started
            part_cpu[name] = cpu_seconds() - cpu
            rows += con.execute(f"SELECT count(*) FROM {quoted(name)}").fetchone()[0]
    finally:
        con.close()
    return StageRun(sum(parts.values()), rows, parts=parts, cpu_seconds=sum(part_cpu.values()),
                    part_cpu=part_cpu, peak_rss_mb=peak_rss_mb(os.getpid()))


def _epoch_ms() -> int:
    return time.time_ns() // 1_000_000


def _finish(run: StageRun) -> StageRun:
    """Peak memory of this process and, when a Spark runs in it, of its JVM (then stopped, so
    that its event log is complete)."""
    run.peak_rss_mb = max(run.peak_rss_mb, peak_rss_mb(os.getpid()))
    session = _spark_session()
    if session is not None:
        run.jvm_peak_rss_mb = sum(peak_rss_mb(pid) for pid in jvms())
        session.stop()
    return run


def _spark_session():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    return SparkSession.getActiveSession()


def stage_seconds(figures: list[Figure], cpu: bool = False) -> dict[str, float]:
    """The pipeline's stages and refresh steps in seconds (wall clock, or with `cpu` the CPU
    time of every thread), by name, for the scaling report."""
    out = {}
    suffix = CPU_SUFFIX if cpu else ""
    for f in figures:
        if f.figure == IMPORT_FIGURE + suffix and f.unit == "s":
            out["import"] = f.value
        elif f.figure == REFRESH_FIGURE + suffix:
            out["refresh"] = f.value
        elif (f.figure.startswith(STEP_PREFIX) and f.unit == "s"
              and f.figure.endswith(CPU_SUFFIX) == cpu):
            out[f"refresh: {f.figure.removeprefix(STEP_PREFIX).removesuffix(suffix)}"] = f.value
        elif f.figure == COCKPIT_FIGURE and not cpu:
            out["cockpit (sum of p50)"] = f.value / 1000
    return out
