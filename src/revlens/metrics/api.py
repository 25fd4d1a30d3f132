"""REST API of the metric layer under /api/v1/metrics: the catalog, queries and drill-down.

Every route needs a RevLens user (HTTP Basic) and measures within that user's row-level scope:
their staff record at their scope level (`revlens.metrics.scope`). The router holds no query
logic; it calls the same compiler as the CLI and the Python API.

    GET  /api/v1/metrics                      the catalog
    GET  /api/v1/metrics/query?metric=bookings&by=month&date_from=2026-01-01&date_to=...
    POST /api/v1/metrics/query                a MetricQuery as JSON (filters, params ...)
    POST /api/v1/metrics/drill                a DrillRequest: the records behind a number
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from revlens.app.auth import api_user
from revlens.app.requests import read_workspace
from revlens.appdb.models import User
from revlens.config import Settings
from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import run_query
from revlens.metrics.drill import drill
from revlens.metrics.query import DrillRequest, DrillResult, MetricQuery, MetricResult, valid
from revlens.metrics.scope import scope_of_user

Lang = Literal["zh-CN", "en"]


class CatalogEntry(BaseModel):
    id: str
    label: str
    description: str
    format: str
    direction: str
    owner: str
    kind: str
    dimensions: list[str]
    params: dict[str, str]


def metrics_router(settings: Callable[[], Settings]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])
    logged_in = Depends(api_user(settings))

    @router.get("", response_model=list[CatalogEntry])
    def catalog(lang: Lang = "zh-CN", user: User = logged_in) -> list[CatalogEntry]:
        """Every metric with its label, format and the dimensions it can be grouped by."""
        with read_workspace(settings) as ws:
            metrics = Catalog.load(ws.settings.workspace)
            return [CatalogEntry(id=m.id, label=m.label.get(lang),
                                 description=m.description.get(lang), format=m.format,
                                 direction=m.direction, owner=m.owner,
                                 kind="derived" if m.is_derived else m.model,
                                 dimensions=metrics.dimensions(m.id),
                                 params=metrics.params(m.id)) for m in metrics]

    @router.get("/query", response_model=MetricResult)
    def query_get(metric: Annotated[list[str], Query()],
                  by: Annotated[list[str] | None, Query()] = None,
                  date_from: date | None = None, date_to: date | None = None,
                  grain: str | None = None, compare: str | None = None,
                  lang: Lang = "zh-CN", user: User = logged_in) -> MetricResult:
        """Metrics grouped by dimensions (filters and parameters: use POST)."""
        with read_workspace(settings) as ws:
            request = valid(MetricQuery, metrics=metric, dimensions=by or [],
                            date_from=date_from, date_to=date_to, grain=grain,
                            compare=compare)
            return run_query(ws.warehouse, request, scope_of_user(ws.warehouse, user),
                             locale=lang)

    @router.post("/query", response_model=MetricResult)
    def query_post(request: MetricQuery, lang: Lang = "zh-CN",
                   user: User = logged_in) -> MetricResult:
        """A full MetricQuery: metrics, dimensions, filters, period, compare, parameters."""
        with read_workspace(settings) as ws:
            return run_query(ws.warehouse, request, scope_of_user(ws.warehouse, user),
                             locale=lang)

    @router.post("/drill", response_model=DrillResult)
    def drill_post(request: DrillRequest, user: User = logged_in) -> DrillResult:
        """The records behind one number, a page at a time, with the query that lists them."""
        with read_workspace(settings) as ws:
            return drill(ws.warehouse, request, scope_of_user(ws.warehouse, user))

    return router
