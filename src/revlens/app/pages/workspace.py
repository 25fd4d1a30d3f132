"""The workspace's data: every entity with its row count and the latest imports (for admins and
analysts)."""

from __future__ import annotations

from fastapi import Request
from nicegui import run, ui

from revlens.app import context
from revlens.app.i18n import format_datetime, format_int, t
from revlens.app.pages.shell import Viewer, failure, frame, open_page
from revlens.metrics.scope import level_for
from revlens.overview import WorkspaceOverview, workspace_overview
from revlens.workspace import Workspace


def overview() -> WorkspaceOverview:
    with Workspace.open(context.settings().workspace, read_only=True) as ws:
        return workspace_overview(ws)


@ui.page("/workspace")
async def workspace_page(request: Request, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    with frame(viewer, viewer.t("workspace_data"), "workspace_data"):
        if level_for(viewer.user.role, viewer.user.scope) != "all":
            ui.label(viewer.t("forbidden")).classes("text-grey-8").props("data-testid=forbidden")
            return
        content = ui.column().classes("w-full gap-3")
        with content:
            ui.skeleton().classes("w-full h-96")

    async def fill() -> None:
        try:
            data = await run.io_bound(overview)
        except Exception as exc:  # noqa: BLE001 - a message for the person, the log has the rest
            content.clear()
            with content:
                failure(viewer, exc)
            return
        if data is None:
            return
        content.clear()
        with content:
            _show(viewer, data)

    ui.timer(0, fill, once=True)
    return None

def _show(viewer: Viewer, data: WorkspaceOverview) -> None:
    locale = viewer.locale
    with ui.row().classes("gap-8 text-body2 text-grey-8"):
        ui.label(f"{viewer.t('workspace')}: {data.workspace}")
        ui.label(f"{viewer.t('currency')}: {data.currency}")
        ui.label(f"{viewer.t('timezone')}: {data.timezone}")
        ui.label(f"{viewer.t('total_rows')}: {format_int(data.total_rows, locale)}").props(
            "data-testid=total-rows")
    ui.label(viewer.t("entities")).classes("text-h6")
    columns = [
        {"name": "entity", "label": t("entity", locale), "field": "entity", "align": "left"},
        {"name": "rows", "label": t("rows", locale), "field": "rows", "align": "right"},
    ]
    rows = [{"entity": f"{e.label_zh} {e.entity}" if locale == "zh-CN" else e.entity,
             "rows": format_int(e.rows, locale), "key": e.entity} for e in data.entities]
    ui.table(columns=columns, rows=rows, row_key="key").props(
        "dense flat bordered data-testid=entity-table").classes("w-full")
    ui.label(viewer.t("latest_imports")).classes("text-h6")
    if not data.imports:
        ui.label(viewer.t("no_imports")).classes("text-grey-7")
        return
    fields = ["entity", "source", "status", "rows_read", "inserted", "updated", "unchanged",
              "rejected", "warnings", "started_at"]
    columns = [{"name": f, "label": t(f, locale), "field": f,
                "align": "left" if f in ("entity", "source", "status", "started_at") else "right"}
               for f in fields]
    table_rows = []
    for b in data.imports:
        row = {f: format_int(getattr(b, f), locale) for f in fields[3:9]}
        row.update(entity=b.entity, source=b.source_name, status=t(b.status, locale),
                   started_at=format_datetime(b.started_at, locale, data.timezone),
                   key=b.batch_id)
        table_rows.append(row)
    ui.table(columns=columns, rows=table_rows, row_key="key").props(
        "dense flat bordered data-testid=imports-table").classes("w-full")
