"""Write docs/benchmarks.md from the saved results: `python benchmarks/report.py`.

Every number on that page comes from `benchmarks/results/*.json` (written by
`python benchmarks/run.py --save`), and the scaling section from the same files through
`benchmarks/scaling.py` (whose `results/scaling.json` it writes again); the page says which
scale, engine and run each figure comes from, and on which machine. Nothing on it is typed by
hand: change this script, then run it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(ROOT))

from benchmarks import results, scaling  # noqa: E402
from benchmarks.bench_pipeline import (  # noqa: E402
    BUDGET_MB,
    COCKPIT_FIGURE,
    IMPORT_FIGURE,
    PEAK_FIGURE,
    PEAK_SUFFIX,
    REFRESH_FIGURE,
)
from benchmarks.registry import SCALES, Figure  # noqa: E402
from benchmarks.run import format_value  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
LARGE_RUN = "python benchmarks/run.py --scale large --save && python benchmarks/report.py"
COMMANDS = f"""```bash
{LARGE_RUN}
python benchmarks/scaling.py --scales small medium
python benchmarks/run.py --engine spark --scale tiny --only pipeline --repeat 1 --save
python benchmarks/report.py
```"""

Choose = Callable[[list[Figure]], Figure | None]


def _named(name: str, unit: str) -> Choose:
    return lambda figures: next((f for f in figures if f.figure.startswith(name)
                                 and f.unit == unit), None)


def _slowest(suffix: str) -> Choose:
    def choose(figures: list[Figure]) -> Figure | None:
        found = [f for f in figures if f.figure.endswith(suffix)]
        return max(found, key=lambda f: f.value) if found else None

    return choose


HEADLINES: list[tuple[str, str, Choose]] = [
    ("import", "import of touchpoints from CSV", _named("first import", "rows/s")),
    ("identity", "identity graph", _named("build the person graph", "s")),
    ("attribution", "linear credits (rule model)", _named("linear credits", "s")),
    ("attribution", "Markov, order 1", _named("markov (order 1, exact)", "s")),
    ("attribution", "Shapley, 12 channels, per 100k journeys", _named("shapley", "s")),
    ("cockpit", "cockpit query, slowest p95", _slowest(": p95")),
    ("tracking", "tracking API, events accepted", _named("accepted by /v1/batch", "events/s")),
    ("tracking", "tracking API, p99 latency", _named("  latency p99", "ms")),
    ("identity-quality", "OneID persons, pairwise precision",
     _named("persons: pairwise precision", "share")),
    ("dashboards", "cockpit rendered in Chromium, p50",
     _named("cockpit rendered in Chromium", "ms")),
    ("pipeline", "import of the whole demo", _named(IMPORT_FIGURE, "rows/s")),
    ("pipeline", "refresh", _named(REFRESH_FIGURE, "s")),
    ("pipeline", "refresh, peak memory", _named(PEAK_FIGURE, "MB")),
    ("pipeline", "cockpit, 15 queries (sum of p50)", _named(COCKPIT_FIGURE, "ms")),
]


def _cell(text: str) -> str:
    """A table cell; a figure's leading spaces (a part of the row above) kept as indents."""
    indent = len(text) - len(text.lstrip(" "))
    return "&emsp;" * (indent // 2) + text.strip().replace("|", "\\|")


def _ratio(f: Figure) -> str:
    return "" if f.ratio is None else f"{f.ratio:.2f}x"


def _run_note(entry: dict) -> str:
    before, after = entry["load_average"]
    load = "" if before is None else (f", load average {before:.1f} → {after:.1f} on "
                                      f"{entry['machine'].get('cpus', '?')} CPUs")
    return (f"ran {entry['started'][:16].replace('T', ' ')} UTC for {entry['seconds']:,.0f} s, "
            f"best of {entry['repeat']}{load}")


def headline_section(saved: list[dict]) -> list[str]:
    lines = ["## Headline figures", "",
             "Each from the largest scale saved for its benchmark on DuckDB (the scale is "
             "given); the sections below have every figure.", "",
             "| figure | scale | value | peer/floor | peer value | ratio |",
             "|---|---|---:|---|---:|---:|"]
    duckdb = [r for r in saved if r["engine"] == "duckdb"]
    missing = []
    for benchmark, label, choose in HEADLINES:
        found = [(r["scale"], choose(results.figures_of(r["benchmarks"][benchmark])))
                 for r in duckdb if benchmark in r["benchmarks"]]
        found = [(s, f) for s, f in found if f is not None]
        if not found:
            missing.append(label)
            continue
        scale, f = max(found, key=lambda sf: SCALES.index(sf[0]))
        lines.append(f"| {label} | {scale} | {format_value(f.value, f.unit)} | {_cell(f.peer)} "
                     f"| {format_value(f.peer_value, f.unit)} | {_ratio(f)} |")
    if missing:
        lines += ["", "Not measured yet: " + "; ".join(missing) + "."]
    return lines + [""]


def machine_section(saved: list[dict]) -> list[str]:
    machines: list[tuple[dict, list[str]]] = []
    for r in saved:
        for name, entry in r["benchmarks"].items():
            label = f"{name} ({r['engine']}, {r['scale']})"
            for described, runs in machines:
                if described == entry["machine"]:
                    runs.append(label)
                    break
            else:
                machines.append((entry["machine"], [label]))
    lines = ["## The machine", ""]
    for described, runs in machines:
        memory = described.get("memory_gb")
        lines += ["| | |", "|---|---|",
                  f"| CPU | {described['cpu']}, {described['cpus']} logical CPUs |",
                  f"| memory | {'unknown' if memory is None else f'{memory:.1f} GiB'} |",
                  f"| OS | {described['os']} |",
                  f"| Python | {described['python']} |",
                  f"| DuckDB | {described['duckdb']} |",
                  f"| Ibis | {described['ibis']} |",
                  f"| PySpark | {described['pyspark']} |", ""]
        if len(machines) > 1:
            lines += ["Runs on it: " + ", ".join(runs) + ".", ""]
    return lines


def results_section(saved: list[dict]) -> list[str]:
    lines = ["## Every figure, by engine and scale", ""]
    for r in saved:
        lines += [f"### {r['engine']}, scale {r['scale']}", ""]
        for name, entry in r["benchmarks"].items():
            lines += [f"#### {name} — {r['scale']}", "", f"{_run_note(entry)}.", "",
                      "| figure | value | peer/floor | peer value | ratio |",
                      "|---|---:|---|---:|---:|"]
            for f in results.figures_of(entry):
                lines.append(f"| {_cell(f.figure)} | {format_value(f.value, f.unit)} | "
                             f"{_cell(f.peer)} | {format_value(f.peer_value, f.unit)} | "
                             f"{_ratio(f)} |")
            lines.append("")
    measured = {(r["engine"], r["scale"]) for r in saved}
    absent = [s for s in SCALES if ("duckdb", s) not in measured]
    if absent:
        lines += ["Not run yet on DuckDB: scale " + ", ".join(absent) + ".", ""]
    return lines


def memory_section(saved: list[dict]) -> list[str]:
    lines = ["## Memory of `refresh`", "",
             f"The budget: `refresh` of the `large` demo in under {BUDGET_MB / 1024:g} GB on "
             "DuckDB. DuckDB's own memory is capped by the workspace setting "
             "`duckdb_memory_limit` (default `8GB`; `REVLENS_DUCKDB_MEMORY_LIMIT`), and what "
             "does not fit spills to `.duckdb_tmp/` beside the warehouse file instead of "
             "failing: a table three times the limit is written there "
             "(tests/warehouse/test_spill.py). Not everything can spill: each hash join, "
             "aggregate and window of a running query holds a few MB of its own, however "
             "small the data, and a query holds those of all its operators at once. So "
             "`refresh` keeps its queries small — attribution computes the person links, the "
             "conversions and the journey links once each into temporary tables and writes "
             "the credits one model at a time — and the refresh of the tiny demo completes "
             "under a 96 MB limit with two DuckDB threads (more threads need more: each "
             "holds buffers of its own; tests/warehouse/test_spill.py). The peak below is the "
             "refresh process's "
             "resident-set high-water mark (`VmHWM`), Python and DuckDB together (on Spark, "
             "plus the JVM's own peak).", "",
             "| engine | scale | peak RSS of refresh | share of the budget | its largest step |",
             "|---|---|---:|---:|---|"]
    found = False
    for r in saved:
        entry = r["benchmarks"].get("pipeline")
        figures = results.figures_of(entry) if entry else []
        peak = _named(PEAK_FIGURE, "MB")(figures)
        if peak is None:
            continue
        found = True
        steps = [f for f in figures if f.figure.endswith(PEAK_SUFFIX) and f.unit == "MB"
                 and r["engine"] == "duckdb"]      # on Spark the steps' are Python's alone
        top = max(steps, key=lambda f: f.value) if steps else None
        largest = "" if top is None else (
            f"{top.figure.strip().removeprefix('refresh step ').removesuffix(PEAK_SUFFIX)}, "
            f"{format_value(top.value, 'MB')}")
        lines.append(f"| {r['engine']} | {r['scale']} | {format_value(peak.value, 'MB')} "
                     f"| {peak.value / BUDGET_MB:.0%} | {largest} |")
    if not any(r["engine"] == "duckdb" and r["scale"] == "large" and "pipeline" in
               r["benchmarks"] for r in saved):
        lines += ["", "`large` not measured yet: the first command of \"Running them\" "
                  "measures it."]
    return lines + [""] if found else lines[:-3] + ["Not measured yet.", ""]


def render(saved: list[dict], analysis: dict | None = None) -> str:
    """docs/benchmarks.md from the saved result files (and their scaling analysis)."""
    lines = [
        "# Benchmarks", "",
        "<!-- Written by `python benchmarks/report.py` from benchmarks/results/*.json: "
        "change the script or the results, not this page. -->", "",
        "How fast RevLens is, against the peer or physical floor each figure is compared "
        "with; [benchmarks/README.md](../benchmarks/README.md) says what each benchmark "
        "measures and against what. Every figure comes from a saved run, named with its "
        "engine and scale. The runs shared the machine with other work (each run's load "
        "average is given; above the CPU count, work was waiting for a CPU): absolute times "
        "are noisy, so read the ratios, each measured side by side in the same run.", "",
        "## Running them", "", COMMANDS, "",
        "The first line is the full run at `large` (every benchmark, best of 3, on DuckDB) "
        "and then this page again; the scaling section then includes the `large` point. "
        "The second runs the `pipeline` benchmark at each scale given and prints the scaling "
        "section; the third measures the pipeline on Spark (`spark://local[2]`) on the tiny "
        "demo: Spark's fixed cost per query makes even that run take tens of minutes on one "
        "machine (its times are below). "
        "`run.py --save` merges its figures into `benchmarks/results/ENGINE-SCALE.json`; "
        "`report.py` rewrites this page from those files.", "",
    ]
    lines += machine_section(saved) if saved else ["## The machine", "", "No saved run.", ""]
    lines += headline_section(saved)
    lines += scaling.markdown(analysis or scaling.analyse(saved)).splitlines() + [""]
    lines += memory_section(saved)
    lines += results_section(saved)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip("\n") + "\n"


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(description="Write docs/benchmarks.md from saved results.")
    out.add_argument("--results-dir", type=Path, default=results.RESULTS_DIR,
                     help="the saved results (default benchmarks/results)")
    out.add_argument("--out", type=Path, default=DOC,
                     help="the page to write (default docs/benchmarks.md)")
    return out


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    analysis = scaling.write_analysis(args.results_dir)
    args.out.write_text(render(results.load_all(args.results_dir), analysis), encoding="utf-8")
    print(f"wrote {args.out} and {args.results_dir / 'scaling.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
