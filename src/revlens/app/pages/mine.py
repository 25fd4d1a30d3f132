"""My dashboards: every dashboard the viewer can open (the shipped ones, their own and those
shared with them), and for their own, the arrangement of the tiles on the 12-column grid —
order, width and height — sharing, and deletion."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from revlens.app import context
from revlens.app.pages.shell import Viewer, frame, open_page
from revlens.dashboards.spec import Dashboard
from revlens.dashboards.store import (
    delete_dashboard,
    get_dashboard,
    save_dashboard,
    visible_dashboards,
)
from revlens.errors import RevLensError
from revlens.metrics.catalog import Catalog

WIDTHS = (3, 4, 6, 8, 12)


@ui.page("/mine")
def my_dashboards_page(request: Request, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    with frame(viewer, viewer.t("my_dashboards"), "my_dashboards"):
        listing = ui.column().classes("w-full gap-2")
        _list(viewer, listing)
    return None


def _list(viewer: Viewer, container: ui.column) -> None:
    container.clear()
    entries = visible_dashboards(context.app_db(), viewer.user)
    with container:
        for entry in entries:
            with ui.card().classes("w-full p-3").props(
                    f"flat bordered data-testid=dashboard-{entry.id}"):
                with ui.row().classes("w-full items-center gap-2"):
                    path = "/" if entry.id == "cockpit" else f"/d/{entry.id}"
                    ui.link(entry.label.get(viewer.locale), path).classes(
                        "text-subtitle1 text-indigo-9")
                    ui.badge(viewer.t(f"tier_{entry.tier}")).props("outline")
                    if entry.shared and not entry.shipped:
                        ui.badge(viewer.t("shared_dashboard")).props("color=teal")
                    if entry.owner and not entry.shipped:
                        ui.label(entry.owner).classes("text-caption text-grey-7")
                    ui.space()
                    ui.label(viewer.t("tile_count").format(tiles=entry.tiles)).classes(
                        "text-caption text-grey-7")
                    if entry.editable:
                        ui.button(icon="dashboard_customize", on_click=lambda e=entry.id:
                                  _arrange(viewer, e, container)).props(
                            f"flat dense data-testid=arrange-{entry.id}").tooltip(
                            viewer.t("arrange"))
                        ui.button(icon="delete", on_click=lambda e=entry.id:
                                  _delete(viewer, e, container)).props(
                            f"flat dense color=negative data-testid=delete-{entry.id}")
                if entry.description.get(viewer.locale):
                    ui.label(entry.description.get(viewer.locale)).classes(
                        "text-body2 text-grey-7")


def _delete(viewer: Viewer, dashboard_id: str, container: ui.column) -> None:
    try:
        delete_dashboard(context.app_db(), dashboard_id, viewer.user)
    except RevLensError as exc:
        ui.notify(str(exc), type="negative")
        return
    _list(viewer, container)


def _arrange(viewer: Viewer, dashboard_id: str, container: ui.column) -> None:
    """A dialog with the tiles in grid order: move, resize, remove; share; save."""
    board = get_dashboard(context.app_db(), dashboard_id, viewer.user)
    state = {"tiles": list(board.tiles), "shared": board.shared}
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-3xl").props(
            "data-testid=arrange-dialog"):
        ui.label(f"{viewer.t('arrange')}: {board.label.get(viewer.locale)}").classes("text-h6")
        grid = ui.element("div").classes("grid grid-cols-12 gap-2 w-full")

        def draw() -> None:
            grid.clear()
            with grid:
                for i, tile in enumerate(state["tiles"]):
                    with ui.card().classes(f"col-span-{tile.width} p-2 gap-1").props(
                            f"flat bordered data-testid=arrange-{tile.id}"):
                        ui.label(tile.label.get(viewer.locale)).classes("text-body2 ellipsis")
                        with ui.row().classes("gap-0 items-center no-wrap"):
                            ui.button(icon="chevron_left", on_click=lambda i=i: move(i, -1)
                                      ).props("flat dense size=sm")
                            ui.button(icon="chevron_right", on_click=lambda i=i: move(i, 1)
                                      ).props("flat dense size=sm")
                            ui.select(list(WIDTHS), value=tile.width if tile.width in WIDTHS
                                      else 6, on_change=lambda e, i=i: resize(i, e.value)
                                      ).props("dense options-dense borderless").classes("w-14")
                            ui.button(icon="close", on_click=lambda i=i: remove(i)).props(
                                "flat dense size=sm color=negative")

        def move(i: int, step: int) -> None:
            tiles = state["tiles"]
            j = i + step
            if 0 <= j < len(tiles):
                tiles[i], tiles[j] = tiles[j], tiles[i]
                draw()

        def resize(i: int, width: int) -> None:
            state["tiles"][i] = state["tiles"][i].model_copy(update={"width": width})
            draw()

        def remove(i: int) -> None:
            del state["tiles"][i]
            draw()

        draw()
        ui.checkbox(viewer.t("shared_dashboard"), value=state["shared"],
                    on_change=lambda e: state.update(shared=e.value))

        def save() -> None:
            updated = Dashboard.model_validate({**board.model_dump(), "tiles": state["tiles"],
                                                "shared": state["shared"]})
            try:
                save_dashboard(context.app_db(), updated, viewer.user,
                               Catalog.load(context.settings().workspace))
            except (RevLensError, ValueError) as exc:
                ui.notify(str(exc), type="negative")
                return
            dialog.close()
            ui.notify(viewer.t("saved"), type="positive")
            _list(viewer, container)

        with ui.row().classes("w-full justify-end"):
            ui.button(viewer.t("cancel"), on_click=dialog.close).props("flat")
            ui.button(viewer.t("save"), on_click=save).props(
                "unelevated color=indigo-9 data-testid=arrange-save")
    dialog.open()
