"""The benchmark registry: a name -> a function that measures and returns rows of figures.

A benchmark is a plain function registered with :func:`benchmark`. It receives a
:class:`RunContext` (the scale and a scratch folder) and returns :class:`Figure` rows; the
runner prints them side by side with the peer or physical floor each is compared against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SCALES = ("small", "medium", "large")


@dataclass(frozen=True)
class RunContext:
    scale: str       # one of SCALES
    data_dir: Path   # generated inputs are cached here; scratch work goes in a subfolder
    repeat: int = 3  # each timing is the best of this many runs


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


Benchmark = Callable[[RunContext], list[Figure]]
BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str) -> Callable[[Benchmark], Benchmark]:
    """Register a benchmark under `name` (what `--only` selects)."""

    def register(fn: Benchmark) -> Benchmark:
        if name in BENCHMARKS:
            raise ValueError(f"benchmark {name!r} is registered twice")
        BENCHMARKS[name] = fn
        return fn

    return register
