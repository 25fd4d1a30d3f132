"""The benchmark registry: a name -> a function that measures and returns rows of figures.

A benchmark is a plain function registered with :func:`benchmark`. It receives a
:class:`RunContext` (the scale, the engine and a scratch folder) and returns :class:`Figure`
rows; the runner prints them side by side with the peer or physical floor each is compared
against.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

SCALES = ("tiny", "small", "medium", "large")
"""`tiny` is a smoke-size run (the demo's tiny scale): for checks, and for engines whose fixed
cost per query makes larger runs too long on one machine (Spark local[2])."""
ENGINES = ("duckdb", "spark")
"""The warehouse a benchmark's workspace runs on: `duckdb` (the default, an embedded file) or
`spark` (`spark://local[2]`, a local Spark in the benchmark's process)."""
SPARK_URL = "spark://local[2]"
T = TypeVar("T")


@dataclass(frozen=True)
class RunContext:
    scale: str                # one of SCALES
    data_dir: Path            # generated inputs are cached here; scratch work goes in a subfolder
    repeat: int = 3           # each timing is the best of this many runs
    engine: str = "duckdb"    # one of ENGINES


@dataclass(frozen=True)
class Figure:
    """One measured figure. `ratio` is RevLens' time over the peer's (1.0 = as fast)."""

    benchmark: str
    figure: str
    value: float
    unit: str = ""
    peer: str = ""
    peer_value: float | None = None
    ratio: float | None = None


def run_async(coroutine: Coroutine[object, object, T]) -> T:
    """Run `coroutine` to its end on an event loop of its own, in a thread of its own: the
    caller's thread may already run a loop (a browser driven by Playwright's sync API keeps one
    running in the thread that started it), and `asyncio.run` refuses to start a second."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


Benchmark = Callable[[RunContext], list[Figure]]
BENCHMARKS: dict[str, Benchmark] = {}
BENCHMARK_ENGINES: dict[str, tuple[str, ...]] = {}
"""The engines each benchmark runs on; a benchmark registered without any runs on DuckDB."""


def benchmark(name: str, engines: tuple[str, ...] = ("duckdb",)
              ) -> Callable[[Benchmark], Benchmark]:
    """Register a benchmark under `name` (what `--only` selects), for `engines`."""
    unknown = set(engines) - set(ENGINES)
    if unknown:
        raise ValueError(f"benchmark {name!r}: unknown engines {sorted(unknown)}; "
                         f"choose from {ENGINES}")

    def register(fn: Benchmark) -> Benchmark:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = fn
        BENCHMARK_ENGINES[name] = tuple(engines)
        return fn

    return register
