"""The attribution benchmark on a hand-made workspace: its figures are well-formed, the SQL
peer computes the same linear credits as RevLens, and the Shapley input is what it says.

No timing is asserted; only that the benchmark measures what it says it measures.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from benchmarks.bench_attribution import (
    NAME,
    SHAPLEY_CHANNELS,
    SQL_PEER,
    linear_sql,
    measure_attribution,
    shapley_paths,
)
from benchmarks.registry import BENCHMARKS

from revlens.attribution.engine import Scope, touch_credits
from revlens.attribution.specs import ModelSpec
from revlens.workspace import Workspace
from tests.attribution.conftest import LEAD_TOUCHES, LEADS, write_csv


@pytest.fixture
def app_db_url():
    return None


@pytest.fixture
def leads_workspace(workspace, workspace_dir, tmp_path):
    write_csv(workspace, tmp_path, "leads", LEADS)
    write_csv(workspace, tmp_path, "touchpoints", LEAD_TOUCHES)
    workspace.close()
    return workspace_dir


def test_figures_are_well_formed(leads_workspace):
    assert NAME in BENCHMARKS
    figures = {f.figure: f for f in measure_attribution(leads_workspace)}
    # L1..L5 have touches in their window: 1 + 2 + 3 + 5 + 2 of them
    assert figures["lead_created journeys"].value == 5
    assert figures["  touches in them"].value == 13
    linear = figures["linear credits"]
    assert linear.peer == SQL_PEER and linear.peer_value > 0 and linear.ratio > 0
    for model in ("first_touch", "u_shaped", "w_shaped", "full_path", "time_decay"):
        assert figures[f"{model} credits"].value > 0
    assert figures["markov (order 1, exact)"].value > 0
    for f in figures.values():
        assert math.isfinite(f.value) and f.value >= 0, f


def test_the_sql_peer_gives_the_same_linear_credits(leads_workspace):
    with Workspace.open(leads_workspace, read_only=True) as ws:
        wh = ws.warehouse
        scope = Scope("lead_created")
        with wh.scratch_scope():
            journey = wh.scratch(scope.journeys(wh))
            ours = wh.to_arrow(touch_credits(wh, ModelSpec(model="linear"), scope, journey)
                               .select("touchpoint_id", "credit")).to_pylist()
            peer = wh.table(linear_sql(wh, journey, keep=True))
            theirs = wh.to_arrow(peer.select("touchpoint_id", "credit")).to_pylist()
    as_dict = {r["touchpoint_id"]: r["credit"] for r in ours}
    assert as_dict == pytest.approx({r["touchpoint_id"]: r["credit"] for r in theirs})
    assert as_dict["T11"] == 1.0 and as_dict["T44"] == pytest.approx(1 / 5)


def test_the_shapley_input_has_twelve_channels_and_a_hundred_thousand_journeys():
    table = shapley_paths()
    assert len(table.channels) == SHAPLEY_CHANNELS
    assert len(table.lengths) == 100_000
    assert set(np.unique(table.codes)) == set(range(1, SHAPLEY_CHANNELS + 1))
    assert np.array_equal(table.conversions + table.nulls, np.ones(100_000))
    assert np.array_equal(shapley_paths().codes, table.codes)   # a fixed seed
