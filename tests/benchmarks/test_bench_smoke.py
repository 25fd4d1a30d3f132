"""The import benchmark, run small: its figures are well-formed and both sides loaded every row.

No timing is asserted; only that the benchmark measures what it says it measures.
"""

from __future__ import annotations

import math

import duckdb
import pytest
from benchmarks.bench_import import FLOOR, NAME, measure_import
from benchmarks.registry import BENCHMARKS, Figure

from revlens.workspace import Workspace

ROWS = 2_000

pytestmark = pytest.mark.slow  # two fresh worker processes


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    data, work = tmp_path_factory.mktemp("data"), tmp_path_factory.mktemp("work")
    return measure_import(ROWS, data, work), work


def test_import_is_registered():
    assert NAME in BENCHMARKS


def test_figures_are_well_formed(measured):
    figures, _ = measured
    assert figures and all(isinstance(f, Figure) and f.benchmark == NAME for f in figures)
    for f in figures:
        assert f.figure and f.unit
        assert math.isfinite(f.value) and f.value >= 0, f
        assert (f.peer == FLOOR) == (f.peer_value is not None), f
        if f.ratio is not None:
            assert f.peer_value and math.isfinite(f.ratio) and f.ratio > 0, f
    by_name = {(f.figure, f.unit): f for f in figures}
    rate = by_name[("first import", "rows/s")]
    seconds = by_name[("first import", "s")]
    assert rate.value == pytest.approx(ROWS / seconds.value)
    assert rate.ratio == pytest.approx(seconds.value / seconds.peer_value)
    assert by_name[("touchpoints in the CSV", "rows")].value == ROWS
    assert by_name[("rows stored", "rows")].value == ROWS
    assert by_name[("rows stored", "rows")].peer_value == ROWS


def test_revlens_loaded_every_row_and_the_reimport_changed_nothing(measured):
    _, work = measured
    with Workspace.open(work / "workspace", read_only=True) as ws:
        assert ws.warehouse.row_counts()["touchpoints"] == ROWS
        batches = ws.warehouse.to_arrow(ws.warehouse.table("_batches")).to_pylist()
    batches.sort(key=lambda b: b["committed_at"])
    assert [(b["rows_read"], b["inserted"], b["unchanged"], b["rejected"]) for b in batches] == [
        (ROWS, ROWS, 0, 0), (ROWS, 0, ROWS, 0)]


def test_the_floor_loaded_every_row(measured):
    _, work = measured
    with duckdb.connect(str(work / "floor.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM touchpoints").fetchone() == (ROWS,)
