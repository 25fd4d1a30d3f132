"""A dashboard page: the global filters, then the tiles on a 12-column grid (stacked on a
phone), each loading on its own in a worker thread so the slowest tile never holds the others.

A click on a chart element or a KPI opens the records behind it (drill-down), from which a
record leads to its customer 360 page and the clicked value can filter the other tiles
(cross-filter). The cockpit is served at `/`, every dashboard at `/d/{id}`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi import Request
from nicegui import ui

from revlens.app import context
from revlens.app.pages import tiles
from revlens.app.pages.filter_bar import filter_bar
from revlens.app.pages.filters import filters_from
from revlens.app.pages.shell import Viewer, failure, frame, open_page
from revlens.dashboards.spec import Dashboard, GlobalFilters, Selection
from revlens.dashboards.store import get_dashboard


@dataclass
class Board:
    """One viewer's open dashboard: its filters, cross-filter selections and switch values."""

    viewer: Viewer
    dashboard: Dashboard
    path: str
    filters: GlobalFilters
    switches: dict[str, str]
    cross: dict[str, Selection] = field(default_factory=dict)
    bodies: dict[str, ui.element] = field(default_factory=dict)
    chips: ui.row | None = None

    def effective(self) -> GlobalFilters:
        """The global filters with the cross-filter selections added."""
        return self.filters.model_copy(update={"selections": list(self.cross.values())})

    async def refresh(self, skip: str | None = None) -> None:
        """Reload every tile (but `skip`, the tile a cross-filter came from) concurrently."""
        await asyncio.gather(*(tiles.show(self, tile) for tile in self.dashboard.tiles
                               if tile.id != skip))

    async def cross_filter(self, dimension: str, value, source: str) -> None:
        self.cross[dimension] = Selection(dimension=dimension, values=(value,), tile=source)
        self._show_chips()
        await self.refresh(skip=source)

    async def clear_cross(self, dimension: str | None = None) -> None:
        if dimension:
            self.cross.pop(dimension, None)
        else:
            self.cross.clear()
        self._show_chips()
        await self.refresh()

    def _show_chips(self) -> None:
        if self.chips is None:
            return
        self.chips.clear()
        with self.chips:
            for dimension, selection in self.cross.items():
                shown = ", ".join(map(str, selection.values))
                label = f"{self.viewer.t(dimension)}: {shown}"
                ui.chip(label, icon="filter_alt", removable=True,
                        on_value_change=lambda _, d=dimension: self.clear_cross(d)).props(
                    f"color=amber-2 data-testid=cross-{dimension}")


@ui.page("/")
async def cockpit_page(request: Request, lang: str | None = None):
    return await _page(request, "cockpit", lang, "/")


@ui.page("/d/{dashboard_id}")
async def dashboard_page(request: Request, dashboard_id: str, lang: str | None = None):
    return await _page(request, dashboard_id, lang, f"/d/{dashboard_id}")


async def _page(request: Request, dashboard_id: str, lang: str | None, path: str):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    try:
        dashboard = get_dashboard(context.app_db(), dashboard_id, viewer.user)
    except Exception as exc:  # noqa: BLE001 - a message for the person, the log has the rest
        with frame(viewer, viewer.t("dashboards"), ""):
            failure(viewer, exc)
        return None
    active = "cockpit" if dashboard_id == "cockpit" else f"dash_{dashboard_id}"
    filters, switches = filters_from(request)
    with frame(viewer, dashboard.label.get(viewer.locale), active):
        board = Board(viewer=viewer, dashboard=dashboard, path=path, filters=filters,
                      switches=switches)
        if dashboard.description:
            ui.label(dashboard.description.get(viewer.locale)).classes("text-grey-7 -mt-2")
        await filter_bar(board)
        board.chips = ui.row().classes("gap-1").props("data-testid=cross-filters")
        with ui.element("div").classes(
                "grid grid-cols-1 md:grid-cols-12 gap-3 w-full").props("data-testid=tiles"):
            for tile in dashboard.tiles:
                board.bodies[tile.id] = tiles.frame_of(board, tile)
    ui.timer(0, board.refresh, once=True)   # after the page is on screen: tiles in parallel
    return None

