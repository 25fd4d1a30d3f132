"""One tile of a dashboard: its card (title, switch, exports), its loading, empty and error
states, and its body — a KPI card, an ECharts chart or an AG Grid table — with clicks that drill
down to the records behind a number or cross-filter the other tiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from revlens.app.i18n import format_percent, format_value
from revlens.app.pages import drilldown
from revlens.app.pages.filters import address
from revlens.app.pages.grids import export_buttons
from revlens.app.pages.shell import load_into
from revlens.dashboards.charts import echart_options, table_columns
from revlens.dashboards.names import parameter_labels
from revlens.dashboards.result import TileResult
from revlens.dashboards.runner import run_tile
from revlens.dashboards.spec import Tile

if TYPE_CHECKING:
    from revlens.app.pages.dashboard import Board

CHARTS = ("line", "bar", "stacked", "pie", "funnel", "heatmap")
ROW = 4.5
"""rem per grid row of a tile's `height` (a chart of height 5 is 22.5rem tall)."""


def _height(tile: Tile) -> str:
    return f"{ROW * tile.height:g}rem"


def frame_of(board: Board, tile: Tile) -> ui.element:
    """The tile's card on the grid; returns the element its body is drawn into."""
    viewer = board.viewer
    width = max(1, min(12, tile.width))
    card = ui.card().classes(f"w-full md:col-span-{width} p-3 gap-1").props(
        f"flat bordered data-testid=tile-{tile.id}")
    with card:
        with ui.row().classes("w-full items-center no-wrap gap-1"):
            ui.label(tile.label.get(viewer.locale)).classes(
                "text-subtitle2 text-weight-medium grow ellipsis")
            if tile.switch:
                _switch(board, tile)
        body = ui.column().classes("w-full gap-1")
        with body:        # loading until the tile's first answer
            ui.skeleton().classes("w-full").style(f"height: {_height(tile)}")
    return body


def _switch(board: Board, tile: Tile) -> None:
    """A select for the tile's switchable parameter (e.g. the attribution model); the choice
    is kept in the address."""
    switch = tile.switch
    current = board.switches.get(tile.id, switch.initial)
    locale = board.viewer.locale
    options = {**parameter_labels(switch.param, switch.values, locale),
               **{v: text.get(locale) for v, text in switch.labels.items()}}

    def changed(e) -> None:
        board.switches[tile.id] = e.value
        ui.navigate.history.replace(address(board.path, board.filters, board.switches))
        ui.timer(0, lambda: show(board, tile), once=True)

    ui.select(options, value=current, on_change=changed).props(
        f"dense options-dense outlined data-testid=switch-{tile.id}").classes("w-40")


async def show(board: Board, tile: Tile) -> None:
    """Load the tile in a worker thread and draw it; a failure is shown in the tile only."""
    body = board.bodies[tile.id]
    viewer = board.viewer
    body.clear()
    with body:
        ui.skeleton().classes("w-full").style(f"height: {_height(tile)}")
    result = await load_into(body, viewer, _run, board.dashboard, tile.id, board.effective(),
                             viewer.locale, board.switches.get(tile.id), viewer.user.pii)
    if result is None:          # failed (the tile says why) or the page was closed
        return
    body.clear()
    with body:
        draw(board, tile, result)


def _run(wh, scope, dashboard, tile_id, filters, locale, switch, pii):
    return run_tile(wh, dashboard, tile_id, filters, scope, locale, switch_value=switch, pii=pii)


def draw(board: Board, tile: Tile, result: TileResult) -> None:
    viewer = board.viewer
    if result.error:
        ui.label(result.error).classes("text-negative").props("data-testid=tile-error")
        return
    if result.empty:
        ui.label(viewer.t("no_data")).classes("text-grey-6 q-pa-md").props(
            "data-testid=tile-empty")
        return
    if result.kind == "kpi":
        _kpis(board, tile, result)
    elif result.kind in CHARTS:
        options = echart_options(result, viewer.locale)
        chart = ui.echart(options).classes("w-full").style(
            f"height: {_height(tile)}")
        chart.props(f"data-testid=chart-{tile.id}")
        chart.on_point_click(lambda e: drilldown.on_point(board, tile, result, e))
    else:
        _table(board, tile, result)
    if result.not_applied_filters:
        ui.label(viewer.t("filters_not_applied") + ": " + ", ".join(
            viewer.t(f) for f in result.not_applied_filters)).classes("text-caption text-grey-6")


def _kpis(board: Board, tile: Tile, result: TileResult) -> None:
    viewer = board.viewer
    with ui.row().classes("w-full gap-4"):
        for kpi in result.kpis:
            with ui.column().classes("gap-0 cursor-pointer min-w-32").props(
                    f"data-testid=kpi-{kpi.metric}") as cell:
                ui.label(kpi.label).classes("text-caption text-grey-7")
                ui.label(format_value(kpi.value, kpi.format, viewer.locale, compact=True)).classes(
                    "text-h5 text-weight-medium").props(f"data-testid=kpi-value-{kpi.metric}")
                if kpi.change is not None or kpi.previous is not None:
                    good = kpi.change is None or (kpi.change >= 0) == (kpi.direction != "lower")
                    color = "text-grey-7" if kpi.direction == "neutral" else \
                        ("text-positive" if good else "text-negative")
                    ui.label(f"{_change(kpi.change, viewer.locale)} "
                             f"({viewer.t('previous')}: "
                             f"{format_value(kpi.previous, kpi.format, viewer.locale)})"
                             ).classes(f"text-caption {color}")
            cell.on("click", lambda _, m=kpi.metric: drilldown.on_kpi(board, tile, m))


def _table(board: Board, tile: Tile, result: TileResult) -> None:
    """An AG Grid; a click on a cell does what a click on the same group of a chart does."""
    viewer = board.viewer
    grid = ui.aggrid({"columnDefs": table_columns(result, viewer.locale),
                      "rowData": result.rows, "pagination": len(result.rows) > 20,
                      "paginationPageSize": 20,
                      "defaultColDef": {"minWidth": 90, "cellClass": "cursor-pointer"}})
    grid.classes("w-full").style(f"height: {_height(tile)}").props(
        f"data-testid=table-{tile.id}")
    grid.on("cellClicked", lambda e: drilldown.on_cell(board, tile, result, e),
            ["data", "colId"])
    columns = [*(d.id for d in result.dimensions), *(m.id for m in result.metrics)]
    export_buttons(f"tile-{tile.id}", lambda: (columns, result.rows), viewer.locale,
                   viewer.user.username, f"dashboard {board.dashboard.id} tile {tile.id}")


def _change(change: float | None, locale: str) -> str:
    if change is None:
        return "—"
    return ("▲ " if change >= 0 else "▼ ") + format_percent(abs(change), locale)
