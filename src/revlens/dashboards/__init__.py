"""Dashboards: what the pages render, as typed specs and runners (no UI code).

A `Dashboard` is a grid of `Tile`s — catalog metrics grouped by catalog dimensions, or a named
analysis — shipped as YAML (`definitions/`) or saved by users (`store`). `GlobalFilters` turn a
tile into its query; `run_tile` gives a `TileResult` within the viewer's scope; `charts` turns
a result into ECharts options or AG Grid columns.

    from revlens.dashboards import GlobalFilters, run_tile, shipped_dashboards
    cockpit = shipped_dashboards()["cockpit"]
    result = run_tile(ws.warehouse, cockpit, "bookings",
                      GlobalFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31),
                                    compare="previous_year"))
"""

from revlens.dashboards.charts import echart_options, selection_of, table_columns
from revlens.dashboards.result import KpiValue, TileResult
from revlens.dashboards.runner import (
    drill_tile,
    run_dashboard,
    run_dashboard_concurrently,
    run_spec,
    run_tile,
)
from revlens.dashboards.shipped import shipped_dashboards
from revlens.dashboards.spec import Dashboard, GlobalFilters, Selection, Tile

__all__ = ["Dashboard", "GlobalFilters", "KpiValue", "Selection", "Tile", "TileResult",
           "drill_tile", "echart_options", "run_dashboard", "run_dashboard_concurrently",
           "run_spec", "run_tile", "selection_of", "shipped_dashboards", "table_columns"]
