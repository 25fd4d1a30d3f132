"""Run the benchmark suite and print one table: `python benchmarks/run.py [--scale S] [--only N]`.

Each registered benchmark returns rows of figures; every row is printed next to its peer or
physical floor, with ratio = RevLens' time / the peer's time. Generated inputs are cached in
`benchmarks/.data/` (gitignored); each run's scratch files are removed when it ends. With
`--save` the figures are also merged into `benchmarks/results/ENGINE-SCALE.json`, with the
machine and the load average (`benchmarks/results.py`), from which `benchmarks/report.py`
writes docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks import machine, results  # noqa: E402
from benchmarks.registry import (  # noqa: E402
    BENCHMARK_ENGINES,
    BENCHMARKS,
    ENGINES,
    SCALES,
    Figure,
    RunContext,
)

MODULES = (  # each registers its benchmarks on import
    "benchmarks.bench_import", "benchmarks.bench_tracking", "benchmarks.bench_attribution",
    "benchmarks.bench_identity", "benchmarks.bench_metrics", "benchmarks.bench_identity_quality",
    "benchmarks.bench_dashboards", "benchmarks.bench_pipeline",
)
DATA_DIR = Path(__file__).resolve().parent / ".data"


def load() -> None:
    for module in MODULES:
        importlib.import_module(module)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "s":
        return f"{value:,.2f} s"
    if unit == "points":
        return f"{value:,.2f} points"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "share":
        return f"{value:.4f}"
    return f"{value:,.0f} {unit}".rstrip()


def table(figures: list[Figure], title: str) -> Table:
    out = Table(title=title)
    for name, justify in (("benchmark", "left"), ("figure", "left"), ("value", "right"),
                          ("peer/floor", "left"), ("peer value", "right"),
                          ("ratio", "right")):
        out.add_column(name, justify=justify)
    for f in figures:
        out.add_row(f.benchmark, f.figure, format_value(f.value, f.unit), f.peer,
                    format_value(f.peer_value, f.unit),
                    "" if f.ratio is None else f"{f.ratio:.2f}x")
    return out


def parser() -> argparse.ArgumentParser:
    """The command line; `load()` first, so that `--only` knows every benchmark."""
    out = argparse.ArgumentParser(description="Run RevLens' benchmarks.")
    out.add_argument("--scale", choices=SCALES, default="large",
                     help="input size (see benchmarks/README.md); default large")
    out.add_argument("--only", choices=sorted(BENCHMARKS), metavar="NAME",
                     help=f"run one benchmark: {', '.join(sorted(BENCHMARKS))}")
    out.add_argument("--repeat", type=int, default=3, metavar="N",
                     help="report the best of N runs of each measurement (default 3)")
    out.add_argument("--data-dir", type=Path, default=DATA_DIR,
                     help="where generated inputs are cached (default benchmarks/.data)")
    out.add_argument("--engine", choices=ENGINES, default="duckdb",
                     help="the warehouse of the benchmarks' workspaces: duckdb (default) or "
                          "spark (spark://local[2]; only the benchmarks that support it run)")
    out.add_argument("--save", action="store_true",
                     help="also merge the figures into benchmarks/results/ENGINE-SCALE.json")
    out.add_argument("--results-dir", type=Path, default=results.RESULTS_DIR,
                     help="where --save writes (default benchmarks/results)")
    return out


def main(argv: list[str] | None = None) -> int:
    load()
    args = parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 130)
    ctx = RunContext(args.scale, args.data_dir, max(1, args.repeat), args.engine)
    figures: list[Figure] = []
    described = machine.describe() if args.save else {}
    for name, fn in BENCHMARKS.items():
        if args.only and name != args.only:
            continue
        if args.engine not in BENCHMARK_ENGINES[name]:
            console.log(f"{name}: skipped, it runs on {', '.join(BENCHMARK_ENGINES[name])} only")
            continue
        load_before = machine.load_average()
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        with console.status(f"running {name} at {args.scale} on {args.engine}…"):
            started = time.perf_counter()
            measured = fn(ctx)
        seconds = time.perf_counter() - started
        console.log(f"{name}: {seconds:,.0f} s")
        figures += measured
        if args.save:      # after each benchmark: a later one failing loses nothing saved
            path = results.save(args.results_dir, args.engine, args.scale, {
                name: results.entry(measured, started_at, seconds, ctx.repeat,
                                    (load_before, machine.load_average()), described)})
            console.log(f"{name}: saved to {path}")
    console.print(table(figures, f"RevLens benchmarks, scale {args.scale}, engine {args.engine}"
                                 f", best of {ctx.repeat}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
