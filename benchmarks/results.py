"""Saved benchmark results: one JSON file per engine and scale in `benchmarks/results/`.

`python benchmarks/run.py --save` merges what it measured into `results/ENGINE-SCALE.json`:
each benchmark it ran replaces that benchmark's entry, the others stay. An entry holds the
figures, when and how long it ran, the load average before and after (above the CPU count,
other work competed for the CPUs) and the machine. `benchmarks/report.py` and
`benchmarks/scaling.py` read these files; no figure is ever written into the docs by hand.

    {"engine": "duckdb", "scale": "medium",
     "benchmarks": {"pipeline": {"started": "2026-11-23T18:40:00+00:00", "seconds": 912.4,
                                 "repeat": 1, "load_average": [3.1, 4.0],
                                 "machine": {...}, "figures": [{...Figure...}, ...]}}}
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from benchmarks.registry import ENGINES, SCALES, Figure

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def results_file(results_dir: Path, engine: str, scale: str) -> Path:
    return results_dir / f"{engine}-{scale}.json"


def entry(figures: list[Figure], started: str, seconds: float, repeat: int,
          load_average: tuple[float | None, float | None], machine: dict) -> dict:
    """One benchmark's saved entry."""
    return {"started": started, "seconds": seconds, "repeat": repeat,
            "load_average": list(load_average), "machine": machine,
            "figures": [asdict(f) for f in figures]}


def save(results_dir: Path, engine: str, scale: str, entries: dict[str, dict]) -> Path:
    """Merge `entries` (benchmark name -> entry) into the engine's and scale's file."""
    path = results_file(results_dir, engine, scale)
    saved = load_file(path) if path.exists() else {"engine": engine, "scale": scale,
                                                    "benchmarks": {}}
    saved["benchmarks"].update(entries)
    results_dir.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(".tmp")
    staged.write_text(json.dumps(saved, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    staged.replace(path)
    return path


def load_file(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def load_all(results_dir: Path) -> list[dict]:
    """Every saved result file, in engine then scale order."""
    found = [load_file(p) for p in sorted(results_dir.glob("*.json"))
             if p.stem.split("-", 1)[0] in ENGINES]
    return sorted(found, key=lambda r: (ENGINES.index(r["engine"]),
                                        SCALES.index(r["scale"])))


def figures_of(entry_: dict) -> list[Figure]:
    return [Figure(**f) for f in entry_["figures"]]
