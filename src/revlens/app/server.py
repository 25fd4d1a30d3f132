"""The web app: the pages (`revlens.app.pages`), the REST API under `/api/v1`, the tracking API
under `/v1`, and the scheduled syncs, in one process.

Each request reads the workspace read-only for its duration, so `revlens import` can write
between requests; while an import holds the warehouse, pages and the API say so instead of
failing. Computed results are kept until the warehouse changes (`revlens.metrics.cache`), and
read-only connections are kept open between requests until idle for a second
(`revlens.warehouse.pool`).
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from nicegui import app as nicegui_app
from nicegui import ui

from revlens import __version__
from revlens.app import context
from revlens.app.accounts_api import auth_router, users_router
from revlens.app.workspace_api import workspace_router
from revlens.attribution.api import attribution_router
from revlens.cdp.api import customers_router, profiles_router
from revlens.config import Settings
from revlens.connectors.sync import scheduler as sync_scheduler
from revlens.dashboards.api import dashboards_router
from revlens.metrics.api import metrics_router
from revlens.metrics.cache import RESULTS
from revlens.tracking.api import mount_tracking
from revlens.warehouse.connection import wait_for_locks
from revlens.warehouse.pool import reuse_connections

log = logging.getLogger(__name__)

API_ROUTERS: tuple[Callable[[Callable[[], Settings]], APIRouter], ...] = (
    auth_router, users_router, workspace_router, metrics_router, dashboards_router,
    attribution_router, profiles_router, customers_router)
"""Every router of the REST API; each takes the served settings as a callable."""


def mount_api(app: FastAPI, settings: Callable[[], Settings]) -> None:
    """The REST API (and the log-in form's routes) on `app`."""
    for router in API_ROUTERS:
        app.include_router(router(settings))


@nicegui_app.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


def _warm_up() -> None:
    """What the first cockpit would otherwise wait for: the forecast's time-series model."""
    from revlens.analytics.forecast import warm_up

    try:
        warm_up()
    except Exception:  # noqa: BLE001 - only a head start; the first forecast will say what fails
        log.warning("warming up the forecast model failed", exc_info=True)


def run(settings: Settings, host: str, port: int) -> None:
    """Serve until interrupted."""
    from revlens.app import pages  # noqa: F401 - registers the pages

    context.serve(settings)
    wait_for_locks(10.0)  # the tracking flusher (a child process) holds the warehouse briefly
    reuse_connections()   # read-only connections kept between requests, closed when idle
    RESULTS.configure(max_bytes=settings.result_cache_mb * 1024 * 1024,
                      max_age=settings.result_cache_seconds)
    threading.Thread(target=_warm_up, name="revlens-warm-up", daemon=True).start()
    mount_tracking(nicegui_app, settings)  # /v1 tracking API, form webhooks, /t/ tracker
    mount_api(nicegui_app, context.settings)
    scheduler = sync_scheduler.start(settings)  # sources.toml schedules
    nicegui_app.on_shutdown(lambda: scheduler.stop())
    nicegui_app.on_startup(gc.freeze)  # what is loaded by now lives as long as the server:
    # the collector need not walk it again, which keeps its pauses out of request latencies
    ui.run(host=host, port=port, title="RevLens", reload=False, show=False,
           language="zh-CN" if settings.locale == "zh-CN" else "en-US",
           show_welcome_message=True, favicon="📈", reconnect_timeout=10)
