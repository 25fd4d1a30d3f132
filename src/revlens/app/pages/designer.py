"""The report designer: drag metrics and dimensions from the catalog (or tap them on a touch
screen) into a tile, pick a chart, a grain, a period and a top-N, watch the live preview, and
save the tile to a personal or shared dashboard. Only catalog metrics and dimensions can be
chosen — there is no free SQL — and the preview runs in the viewer's scope."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from fastapi import Request
from nicegui import ui

from revlens.app import context
from revlens.app.pages import tiles
from revlens.app.pages.dashboard import Board
from revlens.app.pages.filter_bar import dimension_values
from revlens.app.pages.filters import PRESETS, preset_period, today
from revlens.app.pages.shell import Viewer, frame, load, load_into, open_page
from revlens.dashboards.exceptions import DashboardError
from revlens.dashboards.runner import run_spec
from revlens.dashboards.spec import KINDS, Dashboard, GlobalFilters, Tile
from revlens.dashboards.store import get_dashboard, save_dashboard, visible_dashboards
from revlens.errors import RevLensError
from revlens.metrics.catalog import Catalog, Text
from revlens.metrics.dimensions import GRAINS
from revlens.metrics.query import Filter

DOMAINS = ("marketing", "sales_ops", "sdr_ops", "finance", "customer_success")


@dataclass
class Draft:
    """The tile being designed."""

    metrics: list[str] = field(default_factory=list)
    dimensions: list[str] = field(default_factory=list)
    kind: str = "bar"
    grain: str | None = None
    preset: str = "this_year"
    limit: int | None = None
    title: str = ""
    filters: list[Filter] = field(default_factory=list)
    dragged: tuple[str, str] | None = None

    def tile(self, catalog: Catalog, locale: str) -> Tile:
        label = self.title or " · ".join(catalog.get(m).label.get(locale) for m in self.metrics)
        slug = re.sub(r"[^a-z0-9_]", "_", "_".join(self.metrics).lower())[:60] or "tile"
        return Tile(id=f"t_{slug}", label=Text(zh=label, en=label), kind=self.kind,
                    metrics=list(self.metrics), dimensions=list(self.dimensions),
                    filters=list(self.filters), grain=self.grain, limit=self.limit, width=6,
                    height=2 if self.kind == "kpi" else 5, compare=self.kind == "kpi")


@ui.page("/designer")
def designer_page(request: Request, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    catalog = Catalog.load(context.settings().workspace)
    with frame(viewer, viewer.t("designer"), "designer"):
        Designer(viewer, catalog).build()
    return None


class Designer:
    def __init__(self, viewer: Viewer, catalog: Catalog):
        self.viewer, self.catalog, self.draft = viewer, catalog, Draft()
        self.preview: ui.column | None = None
        self.chosen: ui.row | None = None

    # -- layout ----------------------------------------------------------------------------
    def build(self) -> None:
        with ui.row().classes("w-full gap-3 items-start no-wrap max-md:flex-col"):
            with ui.card().classes("w-full md:w-80 shrink-0 p-2").props(
                    "flat bordered data-testid=designer-catalog"):
                self._palette()
            with ui.column().classes("grow w-full gap-2"):
                self._settings()
                self.chosen = ui.row().classes("w-full gap-2")
                self._show_chosen()
                self.preview = ui.column().classes("w-full")
                with ui.card().classes("w-full p-3").props("flat bordered"):
                    self._save_row()

    def _palette(self) -> None:
        v = self.viewer
        search = ui.input(v.t("search_catalog")).props("dense outlined clearable").classes(
            "w-full")
        lists = ui.column().classes("w-full gap-0")

        def fill() -> None:
            text = (search.value or "").lower()
            lists.clear()
            with lists:
                ui.label(v.t("metrics")).classes("text-overline")
                by_domain: dict[str, list] = {}
                for m in self.catalog:
                    label = m.label.get(v.locale)
                    if text and text not in label.lower() and text not in m.id:
                        continue
                    by_domain.setdefault(m.owner, []).append((m.id, label))
                for domain in sorted(by_domain, key=lambda d: (d not in DOMAINS, d)):
                    with ui.expansion(v.t(f"domain_{domain}"), value=bool(text)).classes(
                            "w-full").props("dense"):
                        for metric_id, label in by_domain[domain]:
                            self._item("metric", metric_id, label)
                ui.label(v.t("dimensions")).classes("text-overline q-mt-sm")
                with ui.row().classes("gap-1"):
                    for dim in self._dimensions():
                        self._item("dimension", dim, v.t(dim))

        search.on_value_change(fill)
        fill()

    def _item(self, kind: str, key: str, label: str) -> None:
        chip = ui.chip(label, icon="add" if kind == "metric" else "category",
                       on_click=lambda: self.add(kind, key)).props(
            f"clickable draggable dense outline data-testid={kind}-{key}")
        chip.on("dragstart", lambda: setattr(self.draft, "dragged", (kind, key)))

    def _dimensions(self) -> list[str]:
        """Dimensions every chosen metric has (all dimensions before a metric is chosen)."""
        if not self.draft.metrics:
            every = {d for m in self.catalog for d in self.catalog.dimensions(m.id)}
            return sorted(d for d in every if d not in GRAINS)
        sets = [set(self.catalog.dimensions(m)) for m in self.draft.metrics]
        return sorted(d for d in set.intersection(*sets) if d not in GRAINS)

    def _settings(self) -> None:
        v = self.viewer
        with ui.row().classes("w-full items-center gap-2"):
            title = ui.input(v.t("tile_title")).props("dense outlined data-testid=tile-title")
            title.on_value_change(lambda e: setattr(self.draft, "title", e.value))
            ui.toggle({k: v.t(f"chart_{k}") for k in KINDS}, value=self.draft.kind,
                      on_change=lambda e: self.set("kind", e.value)).props(
                "dense no-caps data-testid=chart-kind")
        with ui.row().classes("w-full items-center gap-2"):
            ui.select({"": v.t("grain_none"), **{g: v.t(g) for g in GRAINS}}, value="",
                      label=v.t("grain"),
                      on_change=lambda e: self.set("grain", e.value or None)).props(
                "dense outlined options-dense data-testid=designer-grain").classes("w-32")
            ui.select({p: v.t(f"period_{p}") for p in PRESETS}, value=self.draft.preset,
                      label=v.t("period"), on_change=lambda e: self.set("preset", e.value)
                      ).props("dense outlined options-dense").classes("w-36")
            ui.number(v.t("top_n"), min=1, max=1000, format="%d",
                      on_change=lambda e: self.set("limit", int(e.value) if e.value else None)
                      ).props("dense outlined").classes("w-28")
            self.filter_on = ui.select({"": v.t("no_filter")}, value="",
                                       label=v.t("filter_on"), on_change=self._filter_on).props(
                "dense outlined options-dense data-testid=designer-filter").classes("w-36")
            self.filter_values = ui.select([], multiple=True, value=[], with_input=True,
                                           label=v.t("filter_values"),
                                           on_change=self._filter_values).props(
                "dense outlined options-dense use-chips data-testid=designer-filter-values"
            ).classes("min-w-48")

    async def _filter_on(self, e) -> None:
        """A dimension to filter by: offer its values (those the viewer can see)."""
        self.filter_values.set_options([], value=[])
        if e.value:
            values = await load(self.viewer, dimension_values, e.value)
            self.filter_values.set_options(sorted(values or [], key=str), value=[])

    async def _filter_values(self, e) -> None:
        chosen = list(e.value or [])
        self.draft.filters = [Filter(dimension=self.filter_on.value, values=tuple(chosen))] \
            if self.filter_on.value and chosen else []
        await self.refresh()

    def _show_chosen(self) -> None:
        v = self.viewer
        shared = self._dimensions()
        self.filter_on.set_options({"": v.t("no_filter"), **{d: v.t(d) for d in shared}},
                                   value=self.filter_on.value if self.filter_on.value in shared
                                   else "")
        self.chosen.clear()
        with self.chosen:
            for kind, keys in (("metric", self.draft.metrics),
                               ("dimension", self.draft.dimensions)):
                zone = ui.card().classes("grow min-w-64 p-2 border-dashed").props(
                    f"flat bordered data-testid=drop-{kind}s")
                zone.on("dragover.prevent", lambda: None)
                zone.on("drop", lambda _, k=kind: self.drop(k))
                with zone:
                    ui.label(v.t(f"drop_{kind}s")).classes("text-caption text-grey-7")
                    with ui.row().classes("gap-1"):
                        for key in keys:
                            label = self.catalog.get(key).label.get(v.locale) \
                                if kind == "metric" else v.t(key)
                            ui.chip(label, removable=True, on_value_change=lambda _, k=kind,
                                    x=key: self.remove(k, x)).props(
                                f"color=indigo-1 data-testid=chosen-{key}")

    # -- changes ---------------------------------------------------------------------------
    async def add(self, kind: str, key: str) -> None:
        target = self.draft.metrics if kind == "metric" else self.draft.dimensions
        if key not in target:
            if kind == "dimension" and key not in self._dimensions():
                ui.notify(self.viewer.t("dimension_not_shared"), type="warning")
                return
            target.append(key)
        self._show_chosen()
        await self.refresh()

    async def drop(self, kind: str) -> None:
        if self.draft.dragged and self.draft.dragged[0] == kind:
            await self.add(*self.draft.dragged)
        self.draft.dragged = None

    async def remove(self, kind: str, key: str) -> None:
        target = self.draft.metrics if kind == "metric" else self.draft.dimensions
        if key in target:
            target.remove(key)
        self._show_chosen()
        await self.refresh()

    async def set(self, name: str, value) -> None:
        setattr(self.draft, name, value)
        await self.refresh()

    async def refresh(self) -> None:
        """Run the draft tile as it stands (the live preview)."""
        v = self.viewer
        self.preview.clear()
        if not self.draft.metrics:
            return
        try:
            tile = self.draft.tile(self.catalog, v.locale)
        except ValueError as exc:
            with self.preview:
                ui.label(str(exc)).classes("text-negative")
            return
        start, end = preset_period(self.draft.preset, today())
        filters = GlobalFilters(date_from=start, date_to=end,
                                compare="previous_period" if tile.compare else None)
        with self.preview:
            ui.skeleton().classes("w-full h-64")
        result = await load_into(self.preview, v, _preview, tile, filters, v.locale, v.user.pii)
        if result is None:
            return
        board = Board(viewer=v, dashboard=Dashboard(id="preview", label=tile.label,
                                                    tiles=[tile]),
                      path="/designer", filters=filters, switches={})
        self.preview.clear()
        with self.preview, ui.card().classes("w-full p-3").props(
                "flat bordered data-testid=designer-preview"):
            ui.label(tile.label.get(v.locale)).classes("text-subtitle2")
            tiles.draw(board, tile, result)

    # -- saving ----------------------------------------------------------------------------
    def _save_row(self) -> None:
        v = self.viewer
        mine = {d.id: d.label.get(v.locale) for d in visible_dashboards(
            context.app_db(), v.user) if d.editable}
        with ui.row().classes("w-full items-center gap-2"):
            target = ui.select({"": v.t("new_dashboard"), **mine}, value="",
                               label=v.t("save_to")).props(
                "dense outlined data-testid=save-target").classes("w-56")
            name = ui.input(v.t("dashboard_name")).props(
                "dense outlined data-testid=dashboard-name")
            name.bind_visibility_from(target, "value", backward=lambda x: not x)
            shared = ui.checkbox(v.t("shared_dashboard")).props("data-testid=dashboard-shared")
            width = ui.select({6: v.t("width_half"), 12: v.t("width_full"),
                               4: v.t("width_third")}, value=6, label=v.t("tile_width")).props(
                "dense outlined").classes("w-28")

            def save() -> None:
                if not self.draft.metrics:
                    ui.notify(v.t("choose_a_metric"), type="warning")
                    return
                tile = self.draft.tile(self.catalog, v.locale).model_copy(
                    update={"width": width.value})
                try:
                    saved = place_tile(v, self.catalog, tile, target.value or None,
                                       name.value, shared.value)
                except RevLensError as exc:
                    ui.notify(str(exc), type="negative")
                    return
                ui.notify(v.t("saved"), type="positive")
                ui.navigate.to(f"/d/{saved.id}")

            ui.button(v.t("save"), icon="save", on_click=save).props(
                "unelevated color=indigo-9 data-testid=designer-save")


def _preview(wh, scope, tile: Tile, filters: GlobalFilters, locale: str, pii: bool):
    return run_spec(wh, tile, filters, scope, locale, pii=pii)


def place_tile(viewer: Viewer, catalog: Catalog, tile: Tile, dashboard_id: str | None,
               name: str, shared: bool) -> Dashboard:
    """Add the tile to one of the viewer's dashboards, or to a new one called `name`."""
    db = context.app_db()
    if dashboard_id:
        board = get_dashboard(db, dashboard_id, viewer.user)
        taken = {t.id for t in board.tiles}
        tile_id, n = tile.id, 2
        while tile_id in taken:
            tile_id, n = f"{tile.id}_{n}", n + 1
        board = board.model_copy(update={"tiles": [*board.tiles,
                                                   tile.model_copy(update={"id": tile_id})]})
        return save_dashboard(db, board, viewer.user, catalog)
    if not name.strip():
        raise DashboardError(viewer.t("name_the_dashboard"))
    owner = re.sub(r"[^a-z0-9]", "", viewer.user.username.lower())[:30] or "user"
    board = Dashboard(id=f"{owner}-{secrets.token_hex(3)}", label=Text(zh=name, en=name),
                      tier="custom", tiles=[tile], shared=shared)
    return save_dashboard(db, board, viewer.user, catalog, create=True)
