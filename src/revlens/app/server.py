"""The web app: the workspace page at `/` and the REST API under `/api/v1`.

Each request opens the workspace read-only for its duration, so `revlens import` can write
between requests; while an import holds the warehouse the page says so instead of failing.
"""

from __future__ import annotations

import gc
import logging

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from nicegui import app as nicegui_app
from nicegui import ui

from revlens import __version__
from revlens.app.i18n import LOCALES, format_datetime, format_int, t
from revlens.attribution.api import attribution_router
from revlens.cdp.api import customers_router, profiles_router
from revlens.config import Settings
from revlens.connectors.sync import scheduler as sync_scheduler
from revlens.errors import RevLensError, WorkspaceBusy
from revlens.metrics.api import metrics_router
from revlens.overview import WorkspaceOverview, workspace_overview
from revlens.tracking.api import mount_tracking
from revlens.warehouse.connection import wait_for_locks
from revlens.workspace import Workspace

log = logging.getLogger(__name__)
_state: dict[str, Settings] = {}


def _overview() -> WorkspaceOverview:
    settings = _state["settings"]
    with Workspace.open(settings.workspace, read_only=True) as ws:
        return workspace_overview(ws)


@nicegui_app.get("/api/v1/workspace", response_model=WorkspaceOverview)
def api_workspace() -> WorkspaceOverview:
    """Entities with their row counts and the latest imports."""
    try:
        return _overview()
    except WorkspaceBusy as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None


@nicegui_app.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


def _entity_table(overview: WorkspaceOverview, locale: str) -> None:
    columns = [
        {"name": "entity", "label": t("entity", locale), "field": "entity", "align": "left"},
        {"name": "rows", "label": t("rows", locale), "field": "rows", "align": "right"},
    ]
    rows = [{"entity": f"{e.label_zh} {e.entity}" if locale == "zh-CN" else e.entity,
             "rows": format_int(e.rows, locale), "key": e.entity}
            for e in overview.entities]
    ui.table(columns=columns, rows=rows, row_key="key").props(
        "dense flat bordered data-testid=entity-table").classes("w-full")


def _imports_table(overview: WorkspaceOverview, locale: str) -> None:
    if not overview.imports:
        ui.label(t("no_imports", locale)).classes("text-grey-7")
        return
    fields = ["entity", "source", "status", "rows_read", "inserted", "updated", "unchanged",
              "rejected", "warnings", "started_at"]
    columns = [{"name": f, "label": t(f, locale), "field": f,
                "align": "left" if f in ("entity", "source", "status", "started_at") else "right"}
               for f in fields]
    rows = []
    for b in overview.imports:
        row = {f: format_int(getattr(b, f), locale) for f in fields[3:9]}
        row.update(entity=b.entity, source=b.source_name, status=t(b.status, locale),
                   started_at=format_datetime(b.started_at, locale, overview.timezone),
                   key=b.batch_id)
        rows.append(row)
    ui.table(columns=columns, rows=rows, row_key="key").props(
        "dense flat bordered data-testid=imports-table").classes("w-full")


@ui.page("/")
def index(lang: str | None = None) -> None:
    settings = _state["settings"]
    locale = lang if lang in LOCALES else settings.locale
    other = "en" if locale == "zh-CN" else "zh-CN"
    ui.page_title(t("app_title", locale))
    with ui.header().classes("items-center justify-between bg-indigo-8"):
        ui.label(t("app_title", locale)).classes("text-h6")
        ui.link(t("language", locale), f"/?lang={other}").classes("text-white")
    try:
        overview = _overview()
    except WorkspaceBusy:
        ui.label(t("busy", locale)).props("data-testid=busy").classes("text-orange-9")
        return
    except RevLensError as exc:
        ui.label(f"{t('error', locale)}: {exc}").classes("text-negative")
        return
    with ui.column().classes("w-full max-w-5xl mx-auto gap-4 p-4"):
        with ui.row().classes("gap-8 text-body2 text-grey-8"):
            ui.label(f"{t('workspace', locale)}: {overview.workspace}")
            ui.label(f"{t('currency', locale)}: {overview.currency}")
            ui.label(f"{t('timezone', locale)}: {overview.timezone}")
            ui.label(f"{t('total_rows', locale)}: {format_int(overview.total_rows, locale)}"
                     ).props("data-testid=total-rows")
        ui.label(t("entities", locale)).classes("text-h6")
        _entity_table(overview, locale)
        ui.label(t("latest_imports", locale)).classes("text-h6")
        _imports_table(overview, locale)


def run(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted."""
    _state["settings"] = settings
    wait_for_locks(10.0)  # the tracking flusher (a child process) holds the warehouse briefly
    mount_tracking(nicegui_app, settings)  # /v1 tracking API, form webhooks, /t/ tracker
    nicegui_app.include_router(attribution_router(lambda: _state["settings"]))
    nicegui_app.include_router(metrics_router(lambda: _state["settings"]))
    nicegui_app.include_router(profiles_router(lambda: _state["settings"]))
    nicegui_app.include_router(customers_router(lambda: _state["settings"]))
    scheduler = sync_scheduler.start(settings)  # sources.toml schedules
    nicegui_app.on_shutdown(lambda: scheduler.stop())
    nicegui_app.on_startup(gc.freeze)  # what is loaded by now lives as long as the server:
    # the collector need not walk it again, which keeps its pauses out of request latencies
    ui.run(host=host, port=port, title="RevLens", reload=False, show=False,
           language="zh-CN" if settings.locale == "zh-CN" else "en-US",
           show_welcome_message=True, favicon="📈")
