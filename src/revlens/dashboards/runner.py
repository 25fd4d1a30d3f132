"""Running tiles: a tile and the page's global filters in, a `TileResult` out, within the
viewer's row-level scope.

Every tile is independent — its own query through the metric compiler (or its analysis) — so a
page may run its tiles concurrently, each on its own read-only connection
(`run_dashboard_concurrently`). A tile that cannot run (a metric a workspace removed, a switch
value that does not exist ...) comes back with `error` saying what to change, and the other
tiles still run.

On a read-only warehouse what a tile measures — its metric query, its analysis, the names of
its values — comes from the result cache when the same question was asked of the same data in
the same scope before (`revlens.metrics.cache`); only the labels are put on per call, in the
caller's language.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from revlens.config import Settings
from revlens.dashboards.analyses import OUTPUT_DIMENSIONS, AnalysisRequest, analysis
from revlens.dashboards.exceptions import DashboardError
from revlens.dashboards.names import parameter_labels, value_labels
from revlens.dashboards.result import DimensionInfo, KpiValue, SwitchState, TileResult
from revlens.dashboards.spec import Dashboard, GlobalFilters, Tile, TilePlan
from revlens.dashboards.validation import check_tile
from revlens.errors import RevLensError
from revlens.metrics.cache import cached_query
from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import ADDITIVE
from revlens.metrics.dimensions import DIMENSIONS, GRAINS
from revlens.metrics.drill import drill
from revlens.metrics.periods import period_labels
from revlens.metrics.query import DrillRequest, DrillResult, Value
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse
from revlens.warehouse.pool import reader

log = logging.getLogger(__name__)


def run_tile(wh: Warehouse, dashboard: Dashboard, tile_id: str, filters: GlobalFilters,
             scope: Scope | None = None, locale: str = "zh-CN", switch_value: str | None = None,
             *, catalog: Catalog | None = None, pii: bool = False) -> TileResult:
    """One tile of a dashboard under the page's filters (an unknown tile id raises
    UnknownTile; anything wrong with the tile itself comes back as its `error`)."""
    return run_spec(wh, dashboard.tile(tile_id), filters, scope, locale, switch_value,
                    catalog=catalog, pii=pii)


def run_spec(wh: Warehouse, tile: Tile, filters: GlobalFilters | None = None,
             scope: Scope | None = None, locale: str = "zh-CN", switch_value: str | None = None,
             *, catalog: Catalog | None = None, pii: bool = False) -> TileResult:
    """A tile spec that need not be saved anywhere (the report designer's live preview)."""
    started = time.perf_counter()
    scope = scope or Scope.everything()
    filters = filters or GlobalFilters()
    result = TileResult(tile=tile.id, kind=tile.kind, title=tile.label.get(locale),
                        analysis=tile.analysis, scope=scope.describe(),
                        cross_filter=tile.click_dimension, drill=tile.drill)
    try:
        catalog = catalog or Catalog.load(wh.settings.workspace)
        check_tile(tile, catalog)
        plan = filters.plan(tile, catalog, switch_value)
        result.date_from, result.date_to = plan.date_from, plan.date_to
        result.compare, result.not_applied_filters = plan.compare, plan.not_applied
        if tile.switch:
            result.switch = SwitchState(
                param=tile.switch.param, value=plan.switch_value,
                values=list(tile.switch.values),
                labels={**parameter_labels(tile.switch.param, tile.switch.values, locale),
                        **{k: v.get(locale) for k, v in tile.switch.labels.items()}})
        if tile.analysis:
            _run_analysis(wh, tile, plan, scope, catalog, locale, pii, result)
        else:
            _run_metrics(wh, tile, plan, scope, catalog, locale, result)
    except RevLensError as exc:
        log.info("tile %s could not run: %s", tile.id, exc)
        result.error, result.empty, result.rows, result.kpis = str(exc), True, [], []
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return result


def run_dashboard(wh: Warehouse, dashboard: Dashboard, filters: GlobalFilters,
                  scope: Scope | None = None, locale: str = "zh-CN",
                  switches: Mapping[str, str] | None = None, *, catalog: Catalog | None = None,
                  pii: bool = False) -> list[TileResult]:
    """Every tile, one after another on one connection; `switches` maps tile id -> value."""
    switches = switches or {}
    catalog = catalog or Catalog.load(wh.settings.workspace)
    return [run_spec(wh, tile, filters, scope, locale, switches.get(tile.id), catalog=catalog,
                     pii=pii) for tile in dashboard.tiles]


def run_dashboard_concurrently(settings: Settings, dashboard: Dashboard, filters: GlobalFilters,
                               scope: Scope | None = None, locale: str = "zh-CN",
                               switches: Mapping[str, str] | None = None, *,
                               workers: int = 4, pii: bool = False) -> list[TileResult]:
    """Every tile, `workers` at a time. Each worker thread opens its own read-only connection
    to the workspace's warehouse and keeps it for the tiles it runs (DuckDB shares one
    database among a process's read-only connections; a connection is never used by two
    threads). Results in tile order, the same as `run_dashboard`'s."""
    switches = switches or {}
    catalog = Catalog.load(settings.workspace)
    local, opened, lock = threading.local(), [], threading.Lock()

    def connection() -> Warehouse:
        if not hasattr(local, "wh"):
            local.wh = reader(settings)
            with lock:
                opened.append(local.wh)
        return local.wh

    def one(tile: Tile) -> TileResult:
        return run_spec(connection(), tile, filters, scope, locale, switches.get(tile.id),
                        catalog=catalog, pii=pii)

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tile") as pool:
            return list(pool.map(one, dashboard.tiles))
    finally:
        for wh in opened:
            wh.close()


def drill_tile(wh: Warehouse, tile: Tile, filters: GlobalFilters, where: dict[str, Value],
               scope: Scope | None = None, metric: str | None = None,
               switch_value: str | None = None, *, catalog: Catalog | None = None,
               limit: int = 100, offset: int = 0, pii: bool = False) -> DrillResult:
    """The records behind one number of a tile: `where` gives the group clicked (its
    dimension values), `metric` which of the tile's metrics (default its first), with the
    tile's filters, the page's filters and period and the tile's parameters."""
    scope = scope or Scope.everything()
    catalog = catalog or Catalog.load(wh.settings.workspace)
    check_tile(tile, catalog)
    if not tile.drill:
        raise DashboardError("drill-down is turned off for this tile", tile.id)
    plan = filters.plan(tile, catalog, switch_value)
    if tile.analysis:
        a = analysis(tile.analysis)
        if a.drill is None:
            raise DashboardError(f"the figures of {a.id!r} are not counts of records; there "
                                 "is nothing to drill into", tile.id)
        return a.drill(_analysis_request(wh, tile, plan, scope, catalog, "en", pii), where,
                       limit, offset)
    metric = metric or tile.metrics[0]
    if metric not in tile.metrics:
        raise DashboardError(f"{metric!r} is not shown on this tile; its metrics: "
                             f"{', '.join(tile.metrics)}", tile.id)
    unknown = [d for d in where if d not in tile.group_by]
    if unknown:
        raise DashboardError(f"the tile is not grouped by {', '.join(unknown)}; its "
                             f"dimensions: {', '.join(tile.group_by) or 'none'}", tile.id)
    request = DrillRequest(metric=metric, where=where, filters=plan.filters,
                           date_from=plan.date_from, date_to=plan.date_to, params=plan.params,
                           limit=limit, offset=offset)
    return drill(wh, request, scope, catalog, pii=pii)


# -- metric tiles ------------------------------------------------------------------------------
def _run_metrics(wh: Warehouse, tile: Tile, plan: TilePlan, scope: Scope, catalog: Catalog,
                 locale: str, result: TileResult) -> None:
    measured = cached_query(wh, plan.query, scope, catalog, locale)
    dims = list(measured.dimensions)
    rows = measured.rows
    measured_nothing = not rows or all(r.get(m.id) is None for r in rows
                                       for m in measured.metrics)
    if tile.grain and dims == [tile.grain] and plan.date_from and plan.date_to:
        rows = every_period(rows, tile.grain, plan, catalog, [m.id for m in measured.metrics])
    result.dimensions = [_dimension(d, locale, wh) for d in dims]
    rows = ordered(tile, rows, [m.id for m in measured.metrics], result.dimensions)
    result.metrics = measured.metrics
    result.rows, result.truncated = rows, measured.truncated
    result.previous_from, result.previous_to = measured.previous_from, measured.previous_to
    result.value_labels = value_labels(wh, rows, [d for d in dims if d not in GRAINS], locale)
    if tile.kind == "kpi":
        row = rows[0] if rows else {}
        result.kpis = [KpiValue(metric=m.id, label=m.label, format=m.format,
                                direction=m.direction, value=row.get(m.id),
                                previous=row.get(f"{m.id}_previous"),
                                change=row.get(f"{m.id}_change")) for m in measured.metrics]
        result.empty = all(k.value is None for k in result.kpis)
    else:
        result.empty = measured_nothing


def every_period(rows: list[dict[str, Any]], grain: str, plan: TilePlan, catalog: Catalog,
                 metrics: list[str]) -> list[dict[str, Any]]:
    """Rows for every period of the range, so a time axis has no holes: a period without
    records counts 0 for counts and sums, and has no value for ratios and averages."""
    have = {r[grain]: r for r in rows}
    zero = {m for m in metrics if not catalog.get(m).is_derived
            and catalog.get(m).measure.agg in ADDITIVE}
    out = []
    for name in period_labels(plan.date_from, plan.date_to, grain):
        out.append(have.pop(name, None) or {grain: name, **{m: 0 if m in zero else None
                                                            for m in metrics}})
    return out + list(have.values())


def ordered(tile: Tile, rows: list[dict[str, Any]], columns: list[str],
            dims: list[DimensionInfo]) -> list[dict[str, Any]]:
    """Rows sorted as the tile asks (else the first non-time dimension in its natural order,
    where it has one), cut to the top `limit` values of the first non-time dimension (ranked
    by the sort column, else the first metric) — every row of those values is kept."""
    first = next((d for d in dims if d.id not in GRAINS), None)
    key = first.id if first else None
    if tile.sort:
        by, desc = tile.sort.by, tile.sort.desc
        present = [r for r in rows if r.get(by) is not None]
        missing = [r for r in rows if r.get(by) is None]
        rows = sorted(present, key=lambda r: r[by], reverse=desc) + missing
    elif first and first.order:
        rank = {v: i for i, v in enumerate(first.order)}
        rows = sorted(rows, key=lambda r: rank.get(r.get(key), len(rank)))
    if tile.limit is None:
        return rows
    if key is None:
        return rows[:tile.limit]
    by = tile.sort.by if tile.sort and tile.sort.by in columns else columns[0]
    totals: dict[Any, float] = {}
    for r in rows:
        totals[r.get(key)] = totals.get(r.get(key), 0.0) + float(r.get(by) or 0.0)
    top = sorted(totals, key=lambda v: totals[v],
                 reverse=not (tile.sort and not tile.sort.desc))[:tile.limit]
    keep = set(top)
    return [r for r in rows if r.get(key) in keep]


def _dimension(dim: str, locale: str, wh: Warehouse) -> DimensionInfo:
    if dim == "stage":          # the workspace's stages, in their configured order
        return DimensionInfo(id=dim, label=DIMENSIONS[dim].label(locale),
                             order=[s.name for s in wh.settings.stages])
    if dim in DIMENSIONS:
        d = DIMENSIONS[dim]
        return DimensionInfo(id=dim, label=d.label(locale), order=list(d.order))
    text = OUTPUT_DIMENSIONS.get(dim)
    return DimensionInfo(id=dim, label=text.get(locale) if text else dim)


# -- analysis tiles ----------------------------------------------------------------------------
def _analysis_request(wh: Warehouse, tile: Tile, plan: TilePlan, scope: Scope,
                      catalog: Catalog, locale: str, pii: bool) -> AnalysisRequest:
    a = analysis(tile.analysis)
    if a.whole_company and scope.restricted:
        raise DashboardError(f"{a.label.get('en').lower()} is measured for the whole company; "
                             f"it is not shown within a restricted scope ({scope.describe()})",
                             tile.id)
    return AnalysisRequest(wh=wh, scope=scope, catalog=catalog, filters=plan.filters,
                           date_from=plan.date_from, date_to=plan.date_to, params=plan.params,
                           locale=locale, limit=tile.limit, pii=pii)


def _run_analysis(wh: Warehouse, tile: Tile, plan: TilePlan, scope: Scope, catalog: Catalog,
                  locale: str, pii: bool, result: TileResult) -> None:
    a = analysis(tile.analysis)
    out = a.run(_analysis_request(wh, tile, plan, scope, catalog, locale, pii))
    columns = [a.column(c) for c in tile.metrics] or list(a.columns)
    if tile.kind == "heatmap" and len(out.dimensions) != 2:
        raise DashboardError(f"a heatmap needs two dimensions; {a.id!r} gives "
                             f"{', '.join(out.dimensions)} (set its `by` parameter)", tile.id)
    rows = [{**{d: r.get(d) for d in out.dimensions}, **{c.id: r.get(c.id) for c in columns}}
            for r in out.rows]
    result.dimensions = [_dimension(d, locale, wh) for d in out.dimensions]
    if tile.sort or (tile.limit and tile.analysis not in ("lead_pool", "stalled_deals")):
        rows = ordered(tile, rows, [c.id for c in columns], result.dimensions)
    result.metrics = [c.info(locale) for c in columns]
    result.rows, result.value_labels, result.notes = rows, out.value_labels, out.notes
    if tile.kind == "kpi":
        first = out.dimensions[0] if out.dimensions else None
        result.kpis = [KpiValue(metric=columns[0].id,
                                label=result.label_of(first, r.get(first)) if first
                                else columns[0].label.get(locale),
                                format=columns[0].format, direction=columns[0].direction,
                                value=r.get(columns[0].id)) for r in rows]
    result.empty = not rows
