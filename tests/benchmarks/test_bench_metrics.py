"""The cockpit benchmark on the hand-made story: every query of the set gives the same result
through the metric layer as its hand-written SQL (the benchmark's cross-check), and the figures
are well-formed. No timing is asserted."""

from __future__ import annotations

from benchmarks.bench_metrics import NAME, PEER, QUERIES, measure_cockpit
from benchmarks.registry import BENCHMARKS


def test_every_cockpit_query_matches_its_sql(story_dir):
    assert NAME in BENCHMARKS and len(QUERIES) == 15
    figures = measure_cockpit(story_dir, runs=2)
    assert len(figures) == 3 * len(QUERIES)
    different = [f.figure for f in figures if "DIFFERENT" in f.figure]
    assert different == []
    assert all(f.peer == PEER and f.value > 0 and f.ratio > 0 for f in figures)
