"""The SDR lead pool: open leads with status, age, owner and last touch, the idle ones first,
filtered by status, owner, channel, age and idleness, in the viewer's scope (reps see their
own), with links to each lead's customer 360 page and exports."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from revlens.analytics.lead_pool import IDLE_DAYS, LeadPool, LeadPoolRequest, kept_lead_pool
from revlens.app.i18n import format_int
from revlens.app.pages.filter_bar import dimension_values
from revlens.app.pages.grids import export_buttons, records_grid
from revlens.app.pages.shell import Viewer, call_scoped, frame, load, load_into, open_page

AGES = ("<1d", "1-3d", "3-7d", "7-30d", ">30d")
STATUSES = ("new", "contacted", "mql", "sql", "recycled", "converted", "disqualified")
PAGE = 200
SHOWN = ("lead_id", "name", "company", "status", "owner_name", "team", "source_channel",
         "created_at", "age_days", "lead_age", "last_touch_at", "idle_days", "follow_ups",
         "email", "phone")


@ui.page("/leads")
async def lead_pool_page(request: Request, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    with frame(viewer, viewer.t("lead_pool"), "lead_pool"):
        pool = Pool(viewer)
        pool.controls()
        pool.summary = ui.row().classes("gap-2 items-center").props("data-testid=pool-summary")
        pool.table = ui.column().classes("w-full")
        with pool.table:          # loading until the first answer
            ui.skeleton().classes("w-full h-96")
    ui.timer(0, pool.reload, once=True)
    ui.timer(0.05, pool.fill_choices, once=True)
    return None


class Pool:
    def __init__(self, viewer: Viewer):
        self.viewer = viewer
        self.offset = 0
        self.summary: ui.row | None = None
        self.table: ui.column | None = None

    def controls(self) -> None:
        v = self.viewer
        with ui.row().classes("w-full items-center gap-2 bg-white rounded-borders q-pa-sm"):
            self.status = ui.select({s: v.t(f"status_{s}") for s in STATUSES}, multiple=True,
                                    value=[], label=v.t("status")).props(
                "dense outlined use-chips clearable data-testid=pool-status").classes("min-w-40")
            self.owner = ui.select([], multiple=True, value=[], label=v.t("owner"),
                                   with_input=True).props(
                "dense outlined use-chips clearable data-testid=pool-owner").classes("min-w-36")
            self.channel = ui.select([], multiple=True, value=[], label=v.t("channel"),
                                     with_input=True).props(
                "dense outlined use-chips clearable").classes("min-w-36")
            self.age = ui.select(list(AGES), multiple=True, value=[], label=v.t("lead_age")
                                 ).props("dense outlined use-chips clearable").classes("min-w-32")
            self.idle = ui.checkbox(v.t("idle_only").format(days=IDLE_DAYS)).props(
                "data-testid=pool-idle")
            ui.button(v.t("apply"), icon="filter_alt", on_click=self.apply).props(
                "unelevated color=indigo-9 data-testid=pool-apply")

    def request(self, offset: int, limit: int = PAGE) -> LeadPoolRequest:
        return LeadPoolRequest(status=list(self.status.value or []),
                               owner=list(self.owner.value or []),
                               channel=list(self.channel.value or []),
                               age=list(self.age.value or []), idle_only=bool(self.idle.value),
                               limit=limit, offset=offset)

    async def apply(self) -> None:
        self.offset = 0
        await self.reload()

    async def fill_choices(self) -> None:
        for name, select in (("owner", self.owner), ("channel", self.channel)):
            values = await load(self.viewer, dimension_values, name)
            if values is None:
                return
            select.set_options(sorted(values, key=str))

    async def reload(self) -> None:
        v = self.viewer
        self.table.clear()
        with self.table:
            ui.skeleton().classes("w-full h-96")
        pool: LeadPool | None = await load_into(self.table, v, _pool,
                                                self.request(self.offset), v.user.pii)
        if pool is None:
            return
        self._summary(pool)
        self.table.clear()
        with self.table:
            rows = [lead.model_dump(mode="json") for lead in pool.leads]
            if not rows:
                ui.label(v.t("no_records")).classes("text-grey-6")
                return
            records_grid(SHOWN, rows, v.locale, height="60vh", testid="lead-pool")
            with ui.row().classes("items-center gap-2"):
                ui.button(icon="chevron_left", on_click=lambda: self.page(-1)).props(
                    "flat dense").set_enabled(self.offset > 0)
                last = min(self.offset + PAGE, pool.total)
                ui.label(f"{self.offset + 1}–{last} / {format_int(pool.total, v.locale)}")
                ui.button(icon="chevron_right", on_click=lambda: self.page(1)).props(
                    "flat dense").set_enabled(last < pool.total)
                ui.space()
                export_buttons("lead-pool", self.everything, v.locale, v.user.username,
                               "lead pool")

    def _summary(self, pool: LeadPool) -> None:
        v = self.viewer
        self.summary.clear()
        with self.summary:
            ui.label(v.t("pool_total").format(total=format_int(pool.total, v.locale))).classes(
                "text-subtitle1").props("data-testid=pool-total")
            ui.chip(v.t("pool_idle").format(idle=format_int(pool.idle, v.locale),
                                            days=IDLE_DAYS), icon="schedule").props(
                "color=orange-2 data-testid=pool-idle-count")
            for status, count in sorted(pool.by_status.items(), key=lambda kv: -kv[1]):
                ui.chip(f"{v.t(f'status_{status}')} {format_int(count, v.locale)}").props(
                    "outline")

    async def page(self, step: int) -> None:
        self.offset = max(0, self.offset + step * PAGE)
        await self.reload()

    def everything(self) -> tuple[list[str], list[dict]]:
        """Every lead matching the filters, page by page, for an export."""
        rows: list[dict] = []
        while True:
            pool = call_scoped(self.viewer.user, _pool, (self.request(len(rows), 1000),
                                                          self.viewer.user.pii), {})
            rows += [lead.model_dump(mode="json") for lead in pool.leads]
            if not pool.leads or len(rows) >= pool.total:
                return list(SHOWN), rows


def _pool(wh, scope, request: LeadPoolRequest, pii: bool) -> LeadPool:
    return kept_lead_pool(wh, request, scope, pii=pii)
