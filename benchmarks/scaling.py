"""How the pipeline's time grows with data: `python benchmarks/scaling.py [--scales S ...]`.

Runs the `pipeline` benchmark at each scale asked for (saved with the other results, in
`benchmarks/results/ENGINE-SCALE.json`), then reads every saved pipeline run, of every engine
and scale, and writes `benchmarks/results/scaling.json` and prints its Markdown section
(the one docs/benchmarks.md shows):

- per stage (import, refresh and each of its steps, the cockpit's queries): seconds at each
  scale, and the growth exponent k of time ~ rows^k, the least-squares slope of log(seconds)
  against log(rows) over the scales from `small` up (the `tiny` demo is left out of the fit:
  its times are mostly fixed costs). k = 1.0 is linear growth. Wall-clock and CPU time (every
  thread) are fitted separately: on a shared machine the CPU time is the steadier of the two.
- Spark: what each stage cost on `spark://local[2]` (jobs, tasks, summed task time) and, from
  that, an *estimate* of where Spark on several nodes would overtake DuckDB on one — a model
  with stated assumptions, not a measurement (see `spark_estimate`).

Nothing is measured here that a saved run does not hold; a stage or engine without saved runs
is reported as not measured.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks import results  # noqa: E402
from benchmarks.bench_pipeline import (  # noqa: E402
    NAME,
    PEAK_FIGURE,
    PEAK_SUFFIX,
    ROWS_FIGURE,
    SPARK_COCKPIT_RUNS,
    STEP_PREFIX,
    stage_seconds,
)
from benchmarks.registry import ENGINES, SCALES, SPARK_URL  # noqa: E402

FIT_FROM = "small"
"""The smallest scale the growth exponent is fitted over."""
SPARK_CORES = int(SPARK_URL.split("[", 1)[1].rstrip("]"))
NODES = (2, 4, 8, 16)
"""Cluster sizes the estimate is given for; each node like the measured machine."""
SPARK_ROW_COST = (1.0, 3.0)
"""Assumed CPU time Spark spends per row, relative to DuckDB's (not measured here: the Spark
runs are too small for their per-row cost to show beside their fixed costs)."""
ESTIMATED_STAGES = ("import", "refresh")


def points(saved: list[dict]) -> list[dict]:
    """One point per saved pipeline run: engine, scale, rows, stage seconds (wall and CPU),
    Spark's costs per stage, when it ran and the load average around it."""
    out = []
    for result in saved:
        entry = result["benchmarks"].get(NAME)
        if entry is None:
            continue
        figures = results.figures_of(entry)
        by_name = {f.figure: f for f in figures}
        spark = {stage: {kind: by_name[f"{stage}: Spark {label}"].value
                         for kind, label in (("jobs", "jobs"), ("tasks", "tasks"),
                                             ("task_seconds", "task time, summed"))}
                 for stage in ESTIMATED_STAGES if f"{stage}: Spark jobs" in by_name}
        out.append({"engine": result["engine"], "scale": result["scale"],
                    "rows": by_name[ROWS_FIGURE].value, "wall": stage_seconds(figures),
                    "cpu": stage_seconds(figures, cpu=True), "spark": spark,
                    "started": entry["started"], "load_average": entry["load_average"],
                    "cpus": entry["machine"].get("cpus"), "peak": peak_memory(
                        figures, steps=result["engine"] == "duckdb"),   # Spark: the JVM's is whole
                    "failed": [f.figure for f in figures if "FAILED" in f.figure]})
    return out


def peak_memory(figures: list, steps: bool = True) -> dict[str, float]:
    """Peak memory of refresh (MB), whole and (with `steps`) per step, by the stage names of
    the times."""
    out = {}
    for f in figures:
        if f.unit != "MB":
            continue
        if f.figure.startswith(PEAK_FIGURE):
            out["refresh"] = f.value
        elif steps and f.figure.startswith(STEP_PREFIX) and f.figure.endswith(PEAK_SUFFIX):
            out[f"refresh: {f.figure.removeprefix(STEP_PREFIX).removesuffix(PEAK_SUFFIX)}"] = \
                f.value
    return out


def projected_rows(pts: list[dict], scale: str = "large") -> float | None:
    """Demo rows at `scale`, projected from the largest measured DuckDB run by the ratio of
    the demo's touchpoint targets (the demo keeps its tables' proportions across scales); None
    when `scale` was measured or nothing was."""
    from revlens.demo.scales import SCALES as DEMO_SCALES

    duck = [p for p in pts if p["engine"] == "duckdb"]
    if not duck or any(p["scale"] == scale for p in duck):
        return None
    top = max(duck, key=lambda p: SCALES.index(p["scale"]))
    return top["rows"] * DEMO_SCALES[scale].touchpoints / DEMO_SCALES[top["scale"]].touchpoints


def exponent(pairs: list[tuple[float, float]]) -> tuple[float, float] | None:
    """(k, a) of seconds = a * rows^k, least squares in log-log; None under two distinct
    row counts."""
    pairs = [(r, s) for r, s in pairs if r > 0 and s > 0]
    if len({r for r, _ in pairs}) < 2:
        return None
    xs, ys = [math.log(r) for r, _ in pairs], [math.log(s) for _, s in pairs]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    k = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)
    return k, math.exp(my - k * mx)


def growth(pts: list[dict], engine: str, clock: str) -> dict[str, dict]:
    """Per stage: {scale: seconds}, and the fitted exponent over the scales from FIT_FROM."""
    mine = sorted((p for p in pts if p["engine"] == engine), key=lambda p: SCALES.index(
        p["scale"]))
    fitted = [p for p in mine if SCALES.index(p["scale"]) >= SCALES.index(FIT_FROM)]
    stages = list(dict.fromkeys(s for p in mine for s in p[clock]))
    out = {}
    for stage in stages:
        fit = exponent([(p["rows"], p[clock][stage]) for p in fitted if stage in p[clock]])
        out[stage] = {"seconds": {p["scale"]: p[clock][stage] for p in mine if stage in p[clock]},
                      "exponent": None if fit is None else fit[0],
                      "coefficient": None if fit is None else fit[1],
                      "fitted_scales": [p["scale"] for p in fitted if stage in p[clock]]}
    return out


def spark_estimate(pts: list[dict], duckdb_growth: dict[str, dict]) -> dict[str, dict]:
    """Where Spark on n nodes would overtake DuckDB on one node — an ESTIMATE from the
    smallest Spark run's measured costs, per stage:

    - measured on spark://local[2]: wall time W, tasks N, their summed time S; the cost per
      task t = S / N; the driver's time D = W - S / 2 (what the two task slots did not cover:
      planning, scheduling, and work done in the driver's Python).
    - modelled: Spark on n nodes of 2 cores at R rows takes D + N·t / (2n) + m·T(R) / n,
      where T(R) = a·R^k is DuckDB's fitted time on one node and m Spark's CPU per row
      relative to DuckDB's (assumed: SPARK_ROW_COST). D and N are taken as they were
      measured (not growing with the data), which favours Spark.
    - break-even: T(R) = D + N·t / (2n) + m·T(R) / n, so T* = (D + N·t / (2n)) / (1 - m / n)
      when n > m (else Spark never catches up), and R* = (T* / a)^(1 / k).
    """
    spark = [p for p in pts if p["engine"] == "spark" and p["spark"]]
    if not spark:
        return {}
    run = min(spark, key=lambda p: SCALES.index(p["scale"]))
    out = {}
    for stage in ESTIMATED_STAGES:
        cost, fit = run["spark"].get(stage), duckdb_growth.get(stage, {})
        if not cost or not cost["tasks"] or stage not in run["wall"]:   # none, or it failed
            continue
        wall = run["wall"][stage]
        per_task = cost["task_seconds"] / cost["tasks"]
        driver = max(wall - cost["task_seconds"] / SPARK_CORES, 0.0)
        rows = {}
        if fit.get("exponent"):
            for m in SPARK_ROW_COST:
                for n in NODES:
                    if n <= m:
                        rows[f"{m:g}x/{n}"] = None
                        continue
                    duck = (driver + cost["tasks"] * per_task / (SPARK_CORES * n)) / (1 - m / n)
                    rows[f"{m:g}x/{n}"] = (duck / fit["coefficient"]) ** (1 / fit["exponent"])
        out[stage] = {"scale": run["scale"], "wall_seconds": wall, "jobs": cost["jobs"],
                      "tasks": cost["tasks"], "task_seconds": cost["task_seconds"],
                      "per_task_seconds": per_task, "driver_seconds": driver,
                      "per_job_driver_seconds": driver / cost["jobs"] if cost["jobs"] else None,
                      "break_even_rows": rows}
    return out


def analyse(saved: list[dict]) -> dict:
    pts = points(saved)
    engines = [e for e in ENGINES if any(p["engine"] == e for p in pts)]
    out = {"points": pts, "fit_from": FIT_FROM,
           "growth": {e: {clock: growth(pts, e, clock) for clock in ("wall", "cpu", "peak")}
                      for e in engines},
           "large_rows_projected": projected_rows(pts)}
    out["spark_estimate"] = spark_estimate(pts, out["growth"].get("duckdb", {}).get("wall", {}))
    return out


# -- Markdown ------------------------------------------------------------------------------
def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def _rows(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def _k(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def markdown(analysis: dict) -> str:
    """The scaling section of docs/benchmarks.md."""
    pts = analysis["points"]
    lines = ["## Scaling: the pipeline at each scale", ""]
    if not pts:
        return "\n".join(lines + ["Not measured yet: no saved `pipeline` run.", ""])
    lines += [
        "Each point is one saved `pipeline` run (import of the demo folder, `refresh`, the "
        "cockpit's fifteen queries), on a fresh workspace. k is the growth exponent of "
        f"time ~ rows^k fitted over the scales from `{analysis['fit_from']}` up (1.00 = "
        "linear; `tiny` is left out of the fit, its times are mostly fixed costs). Wall "
        "clock and CPU time (every thread) are fitted separately; the machine was shared "
        "with other work (see each run's load average), which inflates wall-clock times "
        "more than CPU times.", "",
        "| engine | scale | demo rows | ran | load average (before → after) |",
        "|---|---|---:|---|---|"]
    for p in pts:
        before, after = p["load_average"]
        load = f"{before:.1f} → {after:.1f} on {p['cpus']} CPUs" if before is not None else ""
        lines.append(f"| {p['engine']} | {p['scale']} | {_rows(p['rows'])} | "
                     f"{p['started'][:16].replace('T', ' ')} UTC | {load} |")
    for engine, clocks in analysis["growth"].items():
        for clock in ("wall", "cpu", "peak"):
            lines += _growth_table(engine, clock, clocks[clock], analysis.get(
                "large_rows_projected") if engine == "duckdb" else None)
    lines += ["", *_spark_lines(analysis)]
    return "\n".join(lines) + "\n"


def _growth_table(engine: str, clock: str, stages: dict[str, dict],
                  large_rows: float | None) -> list[str]:
    """One table: each stage's value at each scale and its exponent; for peak memory, the
    value the fit projects at `large` when it was not measured."""
    if not stages:
        return []
    title = {"wall": "seconds by scale (wall clock)", "cpu": "seconds by scale (CPU time)",
             "peak": "peak memory of refresh by scale (MB)"}[clock]
    scales = [s for s in SCALES if any(s in g["seconds"] for g in stages.values())]
    project = clock == "peak" and large_rows is not None
    extra = [f"large, projected ({_rows(large_rows)} rows)"] if project else []
    lines = ["", f"### {engine}: {title}", "",
             "| stage | " + " | ".join(scales + extra) + " | k | fitted on |",
             "|---|" + "---:|" * (len(scales) + len(extra)) + "---:|---|"]
    show = _rows if clock == "peak" else _seconds
    for stage, g in stages.items():
        cells = [show(g["seconds"].get(s)) for s in scales]
        if project:
            cells.append("" if g["exponent"] is None else
                         show(g["coefficient"] * large_rows ** g["exponent"]))
        fitted = ", ".join(g["fitted_scales"]) if g["exponent"] is not None else \
            "under two scales measured"
        lines.append(f"| {stage} | {' | '.join(cells)} | {_k(g['exponent'])} | {fitted} |")
    if project:
        lines += ["", "The `large` column is an estimate, not a measurement: the fitted growth "
                      "carried to the `large` demo's rows (themselves projected from the "
                      "largest measured run by the demo's touchpoint targets). DuckDB's "
                      "`memory_limit` caps DuckDB's own share of a step, not Python's."]
    return lines


def _spark_lines(analysis: dict) -> list[str]:
    lines = ["### Spark on several nodes (an estimate)", ""]
    spark = [p for p in analysis["points"] if p["engine"] == "spark"]
    if not spark:
        return lines + ["Not measured: no saved `pipeline` run on Spark (`run.py --engine "
                        "spark` makes one), so no estimate is given.", ""]
    estimate = analysis["spark_estimate"]
    duck = {p["scale"]: p for p in analysis["points"] if p["engine"] == "duckdb"}
    failed = [f"{p['scale']}: {f}" for p in spark for f in p["failed"]]
    if failed:
        lines += ["What failed on Spark (so has no estimate):", "",
                  *(f"- {f}" for f in failed), ""]
    lines += ["Measured on `spark://local[2]` (Spark in one process, 2 task slots), beside "
              "DuckDB's run at the same scale (a separate run: where their load averages "
              "differ, the CPU-time ratio is the steadier one):", "",
              "| stage | scale | Spark s | DuckDB s | Spark / DuckDB | Spark / DuckDB, CPU time | "
              "jobs | tasks | task time s | per task s | driver s |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    runs = {p["scale"]: p for p in spark}
    for stage, e in estimate.items():
        other = duck.get(e["scale"], {}).get("wall", {}).get(stage)
        ratio = f"{e['wall_seconds'] / other:.1f}x" if other else "DuckDB not measured"
        cpu = runs[e["scale"]]["cpu"].get(stage)
        other_cpu = duck.get(e["scale"], {}).get("cpu", {}).get(stage)
        cpu_ratio = f"{cpu / other_cpu:.1f}x" if cpu and other_cpu else ""
        lines.append(f"| {stage} | {e['scale']} | {_seconds(e['wall_seconds'])} | "
                     f"{_seconds(other)} | {ratio} | {cpu_ratio} | {e['jobs']:,.0f} | "
                     f"{e['tasks']:,.0f} | {_seconds(e['task_seconds'])} | "
                     f"{e['per_task_seconds']:.3f} | {_seconds(e['driver_seconds'])} |")
    lines += ["", "**Estimate, not a measurement.** Spark on n nodes overtakes DuckDB on one "
              "node once spreading the per-row work over n nodes saves more than Spark's fixed "
              "costs, measured above: the driver's time D (wall time the two task slots did "
              "not cover: planning and scheduling each job, and the work done in the driver's "
              "Python) and N tasks of t seconds each. The model: on n nodes of 2 cores, Spark "
              "takes D + N·t/(2n) + m·T(R)/n, where T(R) = a·R^k is DuckDB's wall time at R "
              "rows on one node as fitted above, and m is Spark's CPU per row relative to "
              "DuckDB's — assumed 1x (as fast) and 3x, not measured: the Spark runs here are "
              "too small for their per-row cost to show. D and N are taken as measured, not "
              "growing with the data, which favours Spark. Both sides' wall-clock times were "
              "measured on the shared machine (see the load averages), and a k below 1 (fixed "
              "costs still weighing at `small`) pushes the break-even to more rows. Rows of "
              "demo data (all tables) at which Spark would break even:", ""]
    header = [f"{m:g}x, {n} nodes" for m in SPARK_ROW_COST for n in NODES]
    lines += ["| stage | " + " | ".join(header) + " |", "|---|" + "---:|" * len(header)]
    for stage, e in estimate.items():
        if not e["break_even_rows"]:
            lines.append(f"| {stage} | DuckDB's growth not fitted (under two scales) |")
            continue
        cells = ["never" if v is None else _rows(v) for v in e["break_even_rows"].values()]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines += ["", f"The cockpit on Spark ran {SPARK_COCKPIT_RUNS} times per query, without "
              "the SQL peer (the SQL is DuckDB's).", ""]
    return lines


# -- the command ---------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(description="Run the pipeline benchmark at several scales "
                                              "and report how its time grows.")
    out.add_argument("--scales", nargs="*", choices=SCALES, default=["small", "medium", "large"],
                     help="scales to run (default: small medium large); none: only report "
                          "what is saved")
    out.add_argument("--engine", choices=ENGINES, default="duckdb",
                     help="engine of the runs (default duckdb)")
    out.add_argument("--repeat", type=int, default=1, metavar="N",
                     help="best of N runs of each stage (default 1)")
    out.add_argument("--results-dir", type=Path, default=results.RESULTS_DIR,
                     help="where runs are saved and read (default benchmarks/results)")
    out.add_argument("--data-dir", type=Path, default=None,
                     help="where generated inputs are cached (default benchmarks/.data)")
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks import run

    args = parser().parse_args(argv)
    for scale in args.scales:
        run.main(["--scale", scale, "--only", NAME, "--engine", args.engine, "--repeat",
                  str(args.repeat), "--save", "--results-dir", str(args.results_dir),
                  "--data-dir", str(args.data_dir or run.DATA_DIR)])
    print(markdown(write_analysis(args.results_dir)))
    return 0


def write_analysis(results_dir: Path) -> dict:
    """The analysis of every saved run in `results_dir`, also written to its scaling.json."""
    analysis = analyse(results.load_all(results_dir))
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "scaling.json").write_text(json.dumps(analysis, indent=1) + "\n",
                                              encoding="utf-8")
    return analysis


if __name__ == "__main__":
    sys.exit(main())
