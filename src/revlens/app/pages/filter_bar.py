"""The global filter bar of a dashboard: period (presets or any range) with compare-to, and
channel, team, owner, industry and province. Applying it reloads the page at the filtered
address; the choices offered are the values the viewer can see (`revlens.metrics.choices`, the
same as GET /api/v1/metrics/dimensions/{dimension}/values), shown by their names."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from nicegui import ui

from revlens.app.pages.filters import LIST_FILTERS, PRESETS, address, preset_period, today
from revlens.app.pages.shell import load
from revlens.dashboards.names import value_labels
from revlens.metrics.choices import dimension_values as values_of
from revlens.metrics.choices import filter_choices

if TYPE_CHECKING:
    from revlens.app.pages.dashboard import Board


def dimension_values(wh, scope, dimension: str, limit: int = 500) -> list:
    """The values of `dimension` among the records the scope allows, most frequent first."""
    return values_of(wh, dimension, scope, limit=limit).values


def named_choices(wh, scope, dimensions: tuple[str, ...], locale: str) -> dict[str, dict]:
    """Each dimension's choices as select options: value -> its name (staff, channels ...)."""
    found = filter_choices(wh, dimensions, scope)
    rows = [{d: v} for d, values in found.items() for v in values]
    names = value_labels(wh, rows, dimensions, locale)
    return {d: {v: names.get(d, {}).get(str(v), str(v)) for v in values}
            for d, values in found.items()}


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
        found = await load(viewer, named_choices, tuple(lists), viewer.locale)
        for name, select in lists.items():
            options = {**found.get(name, {}),
                       **{v: str(v) for v in select.value or [] if v not in found.get(name, {})}}
            select.set_options(dict(sorted(options.items(), key=lambda kv: str(kv[1]))),
                               value=select.value)

    ui.timer(0.05, fill_choices, once=True)
