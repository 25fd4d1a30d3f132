"""The identity benchmark, run tiny: both sides see the same edges and find the same persons
(the floor is a correct cross-check of the graph), and the figures are well-formed.

No timing is asserted; only that the benchmark measures what it says it measures.
"""

from __future__ import annotations

import math

import pytest
from benchmarks.bench_identity import FLOOR, NAME, measure_identity, observations
from benchmarks.registry import BENCHMARKS

pytestmark = pytest.mark.slow  # fresh worker processes


def test_the_input_is_deterministic_and_grouped_by_record():
    first, again = observations(2_000), observations(2_000)
    assert first.equals(again)
    record = first["record_id"].astype(int).to_numpy()
    assert (record[1:] >= record[:-1]).all()
    assert set(first["kind"]) == {"anonymous_id", "email", "phone", "contact_id"}


def test_both_sides_find_the_same_persons():
    assert NAME in BENCHMARKS
    figures = {f.figure: f for f in measure_identity(2_000)}
    edges, persons = figures["identifier edges"], figures["persons found"]
    assert edges.value == edges.peer_value > 900
    assert persons.value == persons.peer_value > 0
    timing = figures["build the person graph"]
    assert timing.peer == FLOOR and timing.ratio > 0 and math.isfinite(timing.ratio)
