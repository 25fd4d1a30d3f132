"""The tracking benchmark, run small against a real server: its figures are well-formed, every
event sent was accepted and reached the warehouse, and the floor stored the same events.

No timing is asserted; only that the benchmark measures what it says it measures.
"""

from __future__ import annotations

import json
import math

import pytest
from benchmarks.bench_tracking import (
    BATCH,
    FLOOR,
    NAME,
    WARM_UP,
    batches,
    measure_tracking,
)
from benchmarks.registry import BENCHMARKS

from revlens.workspace import Workspace

EVENTS = 1_000

pytestmark = pytest.mark.slow  # a real `revlens serve`


def test_batches_are_segment_bodies_of_a_hundred():
    bodies = batches(250)
    assert [len(json.loads(b)["batch"]) for b in bodies] == [BATCH, BATCH, 50]
    ids = [m["messageId"] for b in bodies for m in json.loads(b)["batch"]]
    assert len(set(ids)) == 250
    assert batches(250) == bodies  # deterministic


def test_figures_are_well_formed(tmp_path):
    assert NAME in BENCHMARKS
    figures = {f.figure: f for f in measure_tracking(EVENTS, tmp_path)}
    assert figures["events sent (100 per batch)"].value == EVENTS
    stored = figures["events stored"]
    assert (stored.value, stored.peer, stored.peer_value) == (EVENTS, FLOOR, EVENTS)
    p50, p99 = figures["  latency p50"].value, figures["  latency p99"].value
    assert 0 < p50 <= p99
    for f in figures.values():
        assert math.isfinite(f.value) and f.value >= 0, f
        if f.ratio is not None:
            assert f.peer_value and math.isfinite(f.ratio) and f.ratio > 0, f
    sent = [*batches(WARM_UP, seed=1, prefix="warm-up"), *batches(EVENTS)]
    messages = [m for b in sent for m in json.loads(b)["batch"]]
    touches = sum(m["type"] in ("page", "track") for m in messages)
    with Workspace.open(tmp_path / "workspace-0", read_only=True) as ws:
        assert ws.warehouse.table("touchpoints").count().execute() == touches
        links = ws.warehouse.table("identity_links").count().execute()
    # each identify links its visitor to a user id, an email and a phone; repeats add nothing
    visitors = {m["anonymousId"] for m in messages if m["type"] == "identify"}
    assert links == 3 * len(visitors)
