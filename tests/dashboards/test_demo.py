"""Every shipped dashboard on the tiny demo: each tile runs without error, shows something,
draws (chart options, table columns), and runs the same on concurrent connections."""

from __future__ import annotations

from datetime import date

import pytest

from revlens.config import load_settings
from revlens.dashboards import (
    GlobalFilters,
    echart_options,
    run_dashboard,
    run_dashboard_concurrently,
    shipped_dashboards,
    table_columns,
)
from revlens.metrics.scope import resolve_scope
from revlens.workspace import Workspace

pytestmark = pytest.mark.slow      # the demo is generated, imported and refreshed once
YEAR = GlobalFilters(date_from=date(2025, 11, 1), date_to=date(2026, 10, 31),
                     compare="previous_year")
MAY_BE_EMPTY = {"forecast_accuracy"}     # no snapshot of an ended quarter in a fresh workspace


@pytest.fixture(scope="module")
def demo(demo_dir):
    ws = Workspace.open(demo_dir, read_only=True)
    yield ws
    ws.close()


@pytest.mark.parametrize("name", list(shipped_dashboards()))
def test_every_tile_runs_and_draws_on_the_demo(demo, name):
    for locale in ("zh-CN", "en"):
        results = run_dashboard(demo.warehouse, shipped_dashboards()[name], YEAR,
                                locale=locale)
        assert {r.tile: r.error for r in results if r.error} == {}
        assert {r.tile for r in results if r.empty} <= MAY_BE_EMPTY, name
        for r in results:
            if r.kind == "table":
                assert len(table_columns(r, locale)) == len(r.dimensions) + len(r.metrics) * (
                    2 if r.compare else 1)
            elif r.kind != "kpi":
                assert echart_options(r, locale)["series"], r.tile


def test_a_reps_dashboards_on_the_demo(demo):
    wh = demo.warehouse
    rep = wh.to_arrow(wh.table("users").filter(wh.table("users").role == "sales_rep")
                      .select("user_id").limit(1)).to_pylist()[0]["user_id"]
    scope = resolve_scope(wh, rep, "own")
    for dashboard in shipped_dashboards().values():
        failed = {r.tile: r.error for r in run_dashboard(wh, dashboard, YEAR, scope)
                  if r.error and r.tile != "forecast_accuracy"}
        assert failed == {}, dashboard.id


def test_concurrent_tiles_give_the_same_results(demo, demo_dir):
    cockpit = shipped_dashboards()["cockpit"]
    alone = run_dashboard(demo.warehouse, cockpit, YEAR)
    together = run_dashboard_concurrently(load_settings(demo_dir), cockpit, YEAR, workers=3)
    assert [(r.rows, r.kpis, r.error) for r in together] == \
        [(r.rows, r.kpis, r.error) for r in alone]
