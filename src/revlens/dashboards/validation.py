"""Which tile specs can run: every metric, dimension, filter, parameter and analysis must come
from the catalog (no free SQL), and the chart kind must fit the shape of the rows. Errors name
the tile and the unknown id and list the valid choices."""

from __future__ import annotations

import difflib

from revlens.dashboards.analyses import ANALYSES, analysis
from revlens.dashboards.exceptions import DashboardError
from revlens.dashboards.spec import Dashboard, Tile, tile_dimensions
from revlens.metrics.catalog import Catalog
from revlens.metrics.dimensions import DIMENSIONS


def check_dashboard(dashboard: Dashboard, catalog: Catalog) -> None:
    for tile in dashboard.tiles:
        check_tile(tile, catalog)


def check_tile(tile: Tile, catalog: Catalog) -> None:
    if tile.analysis:
        _check_analysis_tile(tile, catalog)
    else:
        _check_metric_tile(tile, catalog)
    if tile.sort:
        sortable = [*tile.metrics, *tile.group_by]
        if tile.analysis:
            sortable += [c.id for c in analysis(tile.analysis).columns]
        if tile.sort.by not in sortable:
            raise DashboardError(f"cannot sort by {tile.sort.by!r}; sort by one of: "
                                 f"{', '.join(dict.fromkeys(sortable))}", tile.id)
    if tile.cross_filter and tile.cross_filter not in DIMENSIONS:
        raise DashboardError(f"cross_filter {tile.cross_filter!r} is not a dimension; "
                             f"dimensions: {', '.join(DIMENSIONS)}", tile.id)


def _check_metric_tile(tile: Tile, catalog: Catalog) -> None:
    for metric in tile.metrics:
        if metric not in catalog:
            close = difflib.get_close_matches(metric, list(catalog.metrics), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise DashboardError(f"unknown metric {metric!r}{hint}; metrics: "
                                 f"{', '.join(sorted(catalog.metrics))}", tile.id)
    allowed = tile_dimensions(tile, catalog)
    wanted = [*tile.group_by, *(f.dimension for f in tile.filters)]
    if tile.cross_filter:
        wanted.append(tile.cross_filter)
    for dim in wanted:
        if dim not in DIMENSIONS:
            raise DashboardError(f"unknown dimension {dim!r}; dimensions: "
                                 f"{', '.join(DIMENSIONS)}", tile.id)
        if dim not in allowed:
            raise DashboardError(f"{', '.join(tile.metrics)} cannot be grouped or filtered by "
                                 f"{dim!r}; dimensions they share: {', '.join(allowed)}",
                                 tile.id)
    params = {p for m in tile.metrics for p in catalog.params(m)}
    named = [*tile.params, *([tile.switch.param] if tile.switch else [])]
    for param in named:
        if param not in params:
            raise DashboardError(f"no metric of the tile takes the parameter {param!r}; "
                                 f"parameters: {', '.join(sorted(params)) or 'none'}", tile.id)
    _check_shape(tile)


def _check_shape(tile: Tile) -> None:
    groups, metrics = len(tile.group_by), len(tile.metrics)
    fits = {
        "kpi": groups == 0,
        "line": groups == 1 or (groups == 2 and metrics == 1),
        "bar": groups == 1 or (groups == 2 and metrics == 1),
        "stacked": (groups == 1 and metrics >= 2) or (groups == 2 and metrics == 1),
        "pie": groups == 1 and metrics == 1 and not tile.grain,
        "funnel": groups == 1 and metrics == 1 and not tile.grain,
        "heatmap": groups == 2 and metrics == 1,
        "table": True,
    }
    shapes = {
        "kpi": "no dimensions (one figure per metric)",
        "line": "a grain or one dimension (two with one metric)",
        "bar": "one dimension (two with one metric)",
        "stacked": "one dimension with two or more metrics, or two dimensions with one metric",
        "pie": "one dimension (not a time grain) and one metric",
        "funnel": "one dimension (the steps) and one metric",
        "heatmap": "two dimensions (or a grain and a dimension) and one metric",
    }
    if not fits[tile.kind]:
        raise DashboardError(f"a {tile.kind} tile needs {shapes[tile.kind]}; this one has "
                             f"{groups} dimension(s) and {metrics} metric(s)", tile.id)


def _check_analysis_tile(tile: Tile, catalog: Catalog) -> None:
    if tile.analysis not in ANALYSES:
        raise DashboardError(f"unknown analysis {tile.analysis!r}; analyses: "
                             f"{', '.join(ANALYSES)}", tile.id)
    a = analysis(tile.analysis)
    if tile.kind not in a.kinds:
        raise DashboardError(f"analysis {a.id!r} shows as {', '.join(a.kinds)}, not as "
                             f"{tile.kind}", tile.id)
    if tile.dimensions or tile.grain:
        raise DashboardError(f"analysis {a.id!r} gives its own dimensions; leave dimensions "
                             "and grain out (its `by` parameter groups it, where it has one)",
                             tile.id)
    if tile.compare:
        raise DashboardError("compare applies to metric tiles, not analyses", tile.id)
    for column in tile.metrics:
        try:
            a.column(column)
        except DashboardError as exc:
            raise DashboardError(exc.reason, tile.id) from None
    a.check_params(tile.params, catalog, tile.id)
    if tile.switch:
        for value in tile.switch.values:
            a.check_params({tile.switch.param: value}, catalog, tile.id)
    allowed = a.filterable(catalog)
    for f in tile.filters:
        if f.dimension not in allowed:
            raise DashboardError(f"analysis {a.id!r} cannot be filtered by {f.dimension!r}; "
                                 f"it can be by: {', '.join(allowed) or 'nothing'}", tile.id)
