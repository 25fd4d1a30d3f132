"""REST API of the metric layer under /api/v1/metrics: the catalog, queries and drill-down.

Every route needs a RevLens user (the web session cookie, or HTTP Basic) and measures within
that user's row-level scope: their staff record at their scope level (`revlens.metrics.scope`).
The router holds no query logic; it calls the same compiler as the CLI and the Python API,
through the result cache (`revlens.metrics.cache`) that the web pages share.

    GET  /api/v1/metrics                      the catalog
    GET  /api/v1/metrics/query?metric=bookings&by=month&date_from=2026-01-01&date_to=...
    POST /api/v1/metrics/query                a MetricQuery as JSON (filters, params ...)
    GET  /api/v1/metrics/dimensions/owner/values   a filter's choices: the dimension's values
                                              in your records, most frequent first
    POST /api/v1/metrics/drill                a DrillRequest: the records behind a number
    POST /api/v1/metrics/export?format=csv    the same request: all those records (up to
                                              100,000) as a CSV or XLSX download; audited
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from revlens.app.auth import api_user, app_db, client_ip
from revlens.app.requests import read_workspace
from revlens.appdb.audit import audit
from revlens.appdb.models import User
from revlens.config import Settings
from revlens.metrics.cache import cached_query
from revlens.metrics.catalog import Catalog
from revlens.metrics.choices import DimensionValues, dimension_values
from revlens.metrics.drill import drill
from revlens.metrics.export import MEDIA_TYPES, WRITERS, ExportFormat, export_records
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
            return cached_query(ws.warehouse, request, scope_of_user(ws.warehouse, user),
                                locale=lang)

    @router.post("/query", response_model=MetricResult)
    def query_post(request: MetricQuery, lang: Lang = "zh-CN",
                   user: User = logged_in) -> MetricResult:
        """A full MetricQuery: metrics, dimensions, filters, period, compare, parameters."""
        with read_workspace(settings) as ws:
            return cached_query(ws.warehouse, request, scope_of_user(ws.warehouse, user),
                                locale=lang)

    @router.get("/dimensions/{dimension}/values", response_model=DimensionValues)
    def values(dimension: str, limit: Annotated[int, Query(ge=1, le=10_000)] = 500,
               user: User = logged_in) -> DimensionValues:
        """The values of a dimension in the records you may see, most frequent first: what
        a filter on it can choose from."""
        with read_workspace(settings) as ws:
            return dimension_values(ws.warehouse, dimension,
                                    scope_of_user(ws.warehouse, user), limit=limit)

    @router.post("/drill", response_model=DrillResult)
    def drill_post(request: DrillRequest, user: User = logged_in) -> DrillResult:
        """The records behind one number, a page at a time, with the query that lists them."""
        with read_workspace(settings) as ws:
            return drill(ws.warehouse, request, scope_of_user(ws.warehouse, user),
                         pii=user.pii)

    @router.post("/export", response_class=Response,
                 responses={200: {"content": dict.fromkeys(MEDIA_TYPES.values(), {})}})
    def export(request: DrillRequest, http: Request, format: ExportFormat = "csv",
               user: User = logged_in) -> Response:
        """Every record behind one number (up to 100,000), in your scope, as a file; phones
        and e-mail addresses masked without the personal-data permission. Audited."""
        with read_workspace(settings) as ws:
            scope = scope_of_user(ws.warehouse, user)
            records = export_records(ws.warehouse, request, scope, pii=user.pii)
            today = datetime.now(ZoneInfo(ws.settings.timezone))
        body = WRITERS[format](records)
        audit(app_db(settings()), user.username, "export", request.metric,
              {"format": format, "rows": len(records.rows), "model": records.model,
               "scope": records.scope,
               "request": request.model_dump(mode="json", exclude={"limit", "offset"})},
              client_ip(http))
        name = records.filename(format, today)
        return Response(body, media_type=MEDIA_TYPES[format],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return router
