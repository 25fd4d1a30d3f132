"""The global filter bar of a dashboard: period (presets or any range) with compare-to, and
channel, team, owner, industry and province. Applying it reloads the page at the filtered
address; the choices offered are the values the viewer can see."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from nicegui import ui

from revlens.app.pages.filters import LIST_FILTERS, PRESETS, address, preset_period, today
from revlens.app.pages.shell import load
from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import run_query
from revlens.metrics.query import MetricQuery

if TYPE_CHECKING:
    from revlens.app.pages.dashboard import Board

PREFERRED = ("leads", "new_pipeline", "bookings", "spend")
"""Metrics whose records give a filter's choices (the first that has the dimension)."""


def dimension_values(wh, scope, dimension: str, limit: int = 500) -> list:
    """The values of `dimension` among the records the scope allows, most frequent first."""
    catalog = Catalog.load(wh.settings.workspace)
    metric = next((m for m in PREFERRED if dimension in catalog.dimensions(m)), None)
    if metric is None:
        return []
    result = run_query(wh, MetricQuery(metrics=[metric], dimensions=[dimension], limit=limit),
                       scope)
    rows = sorted(result.rows, key=lambda r: -(r.get(metric) or 0))
    return [r[dimension] for r in rows if r[dimension] not in (None, "")]


async def filter_bar(board: Board) -> None:
    viewer, filters = board.viewer, board.filters
    with ui.row().classes("w-full items-center gap-2 bg-white rounded-borders q-pa-sm").props(
            "data-testid=filter-bar"):
        presets = {p: viewer.t(f"period_{p}") for p in PRESETS}
        chosen = next((p for p in PRESETS
                       if preset_period(p, today()) == (filters.date_from, filters.date_to)),
                      None)
        preset = ui.select({**presets, "custom": viewer.t("period_custom")},
                           value=chosen or "custom", label=viewer.t("period")).props(
            "dense outlined options-dense data-testid=filter-period").classes("w-36")
        start = ui.input(viewer.t("date_from"), value=filters.date_from.isoformat()).props(
            "dense outlined type=date data-testid=filter-from").classes("w-40")
        end = ui.input(viewer.t("date_to"), value=filters.date_to.isoformat()).props(
            "dense outlined type=date data-testid=filter-to").classes("w-40")

        def pick(e) -> None:
            if e.value in PRESETS:
                first, last = preset_period(e.value, today())
                start.value, end.value = first.isoformat(), last.isoformat()

        preset.on_value_change(pick)
        compare = ui.select({"none": viewer.t("compare_none"),
                             "previous_period": viewer.t("compare_previous_period"),
                             "previous_year": viewer.t("compare_previous_year")},
                            value=filters.compare or "none", label=viewer.t("compare")).props(
            "dense outlined options-dense data-testid=filter-compare").classes("w-36")
        lists = {}
        for name in LIST_FILTERS:
            current = getattr(filters, name)
            lists[name] = ui.select(current, value=current, multiple=True,
                                    label=viewer.t(name), with_input=True).props(
                f"dense outlined options-dense use-chips clearable data-testid=filter-{name}"
            ).classes("min-w-36")

        def apply() -> None:
            try:
                first, last = date.fromisoformat(start.value), date.fromisoformat(end.value)
            except ValueError:
                ui.notify(viewer.t("bad_date"), type="warning")
                return
            if first > last:
                ui.notify(viewer.t("bad_period"), type="warning")
                return
            chosen = {n: list(s.value or []) for n, s in lists.items()}
            updated = board.filters.model_copy(update={
                "date_from": first, "date_to": last,
                "compare": None if compare.value == "none" else compare.value, **chosen})
            ui.navigate.to(address(board.path, updated, board.switches))

        ui.button(viewer.t("apply"), icon="filter_alt", on_click=apply).props(
            "unelevated color=indigo-9 data-testid=filter-apply")
        ui.button(viewer.t("reset"), on_click=lambda: ui.navigate.to(board.path)).props(
            "flat dense no-caps")

    async def fill_choices() -> None:
        for name, select in lists.items():
            values = await load(viewer, dimension_values, name)
            if values is None:
                return
            select.set_options(sorted(set(values) | set(select.value or []), key=str),
                               value=select.value)

    ui.timer(0.05, fill_choices, once=True)
