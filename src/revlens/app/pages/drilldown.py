"""Drill-down on a dashboard: the records behind a clicked number in a dialog — the same
records, scope and masking as `revlens drill` and POST /api/v1/metrics/drill — with links to
each record's customer 360 page, exports, and a button to cross-filter the dashboard by the
clicked value.

A chart element, a table cell and a KPI are clicked alike: the group clicked (a chart
element's `group`, a table row's dimension values) gives the records to list and the
cross-filter `Selection` (`revlens.dashboards.charts.selection_of`); a tile whose figures
have no records behind them cross-filters at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nicegui import ui

from revlens.app import context
from revlens.app.i18n import format_int
from revlens.app.pages.grids import export_buttons, records_grid
from revlens.app.pages.shell import call_scoped, load_into
from revlens.dashboards.analyses import analysis
from revlens.dashboards.charts import clicked_metric, drill_where, row_group, selection_of
from revlens.dashboards.result import TileResult
from revlens.dashboards.runner import drill_tile
from revlens.dashboards.spec import Tile
from revlens.metrics.catalog import Catalog
from revlens.metrics.query import DrillResult

if TYPE_CHECKING:
    from revlens.app.pages.dashboard import Board

PAGE = 500
EXPORT_LIMIT = 100_000


async def on_point(board: Board, tile: Tile, result: TileResult, event) -> None:
    """A chart element: the series names the metric, the element the group."""
    metric = None
    if not result.analysis:
        metric = next((m.id for m in result.metrics if event.series_name.startswith(m.label)),
                      result.metrics[0].id)
    await on_group(board, tile, result, event.data, metric)


async def on_cell(board: Board, tile: Tile, result: TileResult, event) -> None:
    """A table cell: its row is the group, its column the metric (the tile's first when a
    dimension's column was clicked)."""
    args = event.args if isinstance(event.args, dict) else {}
    metric = clicked_metric(result, args.get("colId"))
    if metric is None and not result.analysis and result.metrics:
        metric = result.metrics[0].id
    await on_group(board, tile, result, row_group(result, args.get("data") or {}), metric)


async def on_group(board: Board, tile: Tile, result: TileResult, clicked: dict,
                   metric: str | None) -> None:
    """A clicked group (`clicked` carries it as `group`): the records behind its number, with
    the button to cross-filter the other tiles by it; without records to show (drill-down
    off, or an analysis whose figures are not counts of records), the cross-filter at once."""
    selection = selection_of(result, clicked)
    cross = (selection.dimension, selection.values[0]) if selection else None
    if drillable(result):
        await open_dialog(board, tile, Drill(metric=metric, where=drill_where(clicked)), cross)
    elif cross is not None:
        await board.cross_filter(*cross, tile.id)


def drillable(result: TileResult) -> bool:
    return result.drill and (result.analysis is None
                             or analysis(result.analysis).drill is not None)


async def on_kpi(board: Board, tile: Tile, metric: str) -> None:
    await open_dialog(board, tile, Drill(metric=metric, where={}), None)


@dataclass(frozen=True)
class Drill:
    """What was clicked: which metric of the tile (None: an analysis's figure) in which
    group."""

    metric: str | None
    where: dict[str, Any]


async def open_dialog(board: Board, tile: Tile, request: Drill,
                      cross: tuple[str, Any] | None) -> None:
    viewer = board.viewer
    with ui.dialog().props("maximized-on-mobile") as dialog, ui.card().classes(
            "w-full max-w-6xl").props("data-testid=drill-dialog"):
        with ui.row().classes("w-full items-center no-wrap"):
            title = ui.label(viewer.t("records_behind")).classes("text-h6 grow")
            ui.button(icon="close", on_click=dialog.close).props("flat round dense")
        body = ui.column().classes("w-full")
        with body:
            ui.skeleton().classes("w-full h-64")
    dialog.open()
    found: DrillResult | None = await load_into(body, viewer, _drill, board, tile, request, PAGE)
    if found is None:
        return
    where = ", ".join(f"{viewer.t(k)} = {v}" for k, v in request.where.items())
    title.set_text(f"{viewer.t('records_behind')}: {_metric_label(tile, request, viewer)}"
                   + (f" · {where}" if where else ""))
    body.clear()
    with body:
        with ui.row().classes("w-full items-center gap-2"):
            ui.label(viewer.t("records_count").format(
                shown=format_int(len(found.rows), viewer.locale),
                total=format_int(found.total, viewer.locale))).props(
                "data-testid=drill-total").classes("text-body2 text-grey-8")
            ui.space()
            if cross is not None:
                dimension, value = cross

                async def apply() -> None:
                    dialog.close()
                    await board.cross_filter(dimension, value, tile.id)

                ui.button(viewer.t("filter_by").format(value=value), icon="filter_alt",
                          on_click=apply).props("outline dense no-caps data-testid=cross-apply")
            export_buttons("drill", lambda: _all_records(board, tile, request),
                           viewer.locale, viewer.user.username,
                           f"drill {board.dashboard.id}/{tile.id} {request.where}")
        records_grid(found.columns, found.rows, viewer.locale, height="28rem", testid="drill")
        with ui.expansion(viewer.t("query_used")).classes("w-full text-caption"):
            ui.code(found.sql, language="sql").classes("w-full")


def _metric_label(tile: Tile, request: Drill, viewer) -> str:
    if request.metric is None:
        return tile.label.get(viewer.locale)
    catalog = Catalog.load(context.settings().workspace)
    return catalog.get(request.metric).label.get(viewer.locale)


def _drill(wh, scope, board: Board, tile: Tile, request: Drill, limit: int) -> DrillResult:
    return drill_tile(wh, tile, board.effective(), request.where, scope, request.metric,
                      board.switches.get(tile.id), limit=limit, pii=board.viewer.user.pii)


def _all_records(board: Board, tile: Tile, request: Drill) -> tuple[list[str], list[dict]]:
    """Every record behind the number (up to EXPORT_LIMIT) for an export, in the viewer's
    scope and masking."""
    found = call_scoped(board.viewer.user, _drill, (board, tile, request, EXPORT_LIMIT), {})
    return found.columns, found.rows
