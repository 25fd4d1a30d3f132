"""REST API of dashboards and the SDR lead pool, in the logged-in user's scope.

    GET    /api/v1/dashboards                        the dashboards you can see
    GET    /api/v1/dashboards/catalog?lang=en        what the report designer offers
    GET    /api/v1/dashboards/{id}                   a dashboard's spec
    POST   /api/v1/dashboards/{id}/tiles/{tile}      a tile under the global filters
    POST   /api/v1/dashboards/{id}/tiles/{tile}/drill  the records behind one of its numbers
    POST   /api/v1/dashboards/preview                an unsaved tile (the designer's preview)
    POST   /api/v1/dashboards                        save a new dashboard of yours
    PUT    /api/v1/dashboards/{id}                   change one (its owner or an admin)
    DELETE /api/v1/dashboards/{id}
    GET    /api/v1/leads/pool?status=new&idle=true   the lead pool, a page at a time

Tiles are measured within the user's row-level scope, and personal data is masked for users
without the permission. Errors: 400 a request to change (unknown metric, bad switch value ...),
403 not yours to change, 404 no such dashboard or tile you can see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from revlens.analytics.lead_pool import SORTS, LeadPool, LeadPoolRequest, kept_lead_pool
from revlens.app.auth import api_user
from revlens.app.requests import read_workspace
from revlens.appdb.models import User
from revlens.config import Settings
from revlens.dashboards.analyses import ANALYSES
from revlens.dashboards.exceptions import NotAllowed, UnknownDashboard, UnknownTile
from revlens.dashboards.names import PARAMETER_VALUES
from revlens.dashboards.result import DimensionInfo, TileResult
from revlens.dashboards.runner import drill_tile, run_spec, run_tile
from revlens.dashboards.spec import KINDS, Dashboard, GlobalFilters, Tile
from revlens.dashboards.store import (
    DashboardEntry,
    delete_dashboard,
    get_dashboard,
    save_dashboard,
    visible_dashboards,
)
from revlens.metrics.catalog import Catalog
from revlens.metrics.dimensions import DIMENSIONS
from revlens.metrics.query import DrillResult, Value
from revlens.metrics.scope import scope_of_user
from revlens.workspace import Workspace

Lang = Literal["zh-CN", "en"]


class TileRequest(BaseModel):
    filters: GlobalFilters = Field(default_factory=GlobalFilters)
    switch: str | None = Field(None, description="the value of the tile's switch")


class DrillBody(TileRequest):
    where: dict[str, Value] = Field(default_factory=dict, description="the group clicked")
    metric: str | None = None
    limit: int = Field(100, ge=1, le=10_000)
    offset: int = Field(0, ge=0)


class PreviewRequest(TileRequest):
    tile: Tile


class CatalogMetric(BaseModel):
    id: str
    label: str
    description: str
    format: str
    dimensions: list[str]
    params: dict[str, str]


class MetricGroup(BaseModel):
    owner: str
    metrics: list[CatalogMetric]


class CatalogAnalysis(BaseModel):
    id: str
    label: str
    description: str
    kinds: list[str]
    columns: list[str]
    filters: list[str]
    params: dict[str, list[str]]


class DesignerCatalog(BaseModel):
    """What the report designer offers: catalog metrics by owner, dimensions, analyses,
    chart kinds and the values of switchable parameters."""

    metrics: list[MetricGroup]
    dimensions: list[DimensionInfo]
    analyses: list[CatalogAnalysis]
    kinds: list[str]
    parameters: dict[str, list[str]]


def designer_catalog(catalog: Catalog, lang: str) -> DesignerCatalog:
    groups: dict[str, list[CatalogMetric]] = {}
    for m in sorted(catalog, key=lambda m: (m.owner, m.id)):
        groups.setdefault(m.owner, []).append(CatalogMetric(
            id=m.id, label=m.label.get(lang), description=m.description.get(lang),
            format=m.format, dimensions=catalog.dimensions(m.id), params=catalog.params(m.id)))
    analyses = [CatalogAnalysis(
        id=a.id, label=a.label.get(lang), description=a.description.get(lang),
        kinds=list(a.kinds), columns=[c.id for c in a.columns],
        filters=a.filterable(catalog),
        params={k: list(v) or a.filterable(catalog) for k, v in a.params.items()})
        for a in ANALYSES.values()]
    return DesignerCatalog(
        metrics=[MetricGroup(owner=o, metrics=ms) for o, ms in groups.items()],
        dimensions=[DimensionInfo(id=d.id, label=d.label(lang), order=list(d.order))
                    for d in DIMENSIONS.values()],
        analyses=analyses, kinds=list(KINDS),
        parameters={k: list(v) for k, v in PARAMETER_VALUES.items()})


@contextmanager
def _answers(settings: Callable[[], Settings]) -> Iterator[Workspace]:
    """The workspace, read-only, with dashboard errors as 403 and 404."""
    with read_workspace(settings) as ws:
        try:
            yield ws
        except NotAllowed as exc:
            raise HTTPException(status_code=403, detail=str(exc)) from None
        except (UnknownDashboard, UnknownTile) as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None


def dashboards_router(settings: Callable[[], Settings]) -> APIRouter:
    router = APIRouter(tags=["dashboards"])
    logged_in = Depends(api_user(settings))
    base = "/api/v1/dashboards"

    @router.get(base, response_model=list[DashboardEntry])
    def dashboards(user: User = logged_in) -> list[DashboardEntry]:
        """The shipped dashboards, your own and those others shared."""
        with _answers(settings) as ws:
            return visible_dashboards(ws.appdb, user)

    @router.get(f"{base}/catalog", response_model=DesignerCatalog)
    def catalog(lang: Lang = "zh-CN", user: User = logged_in) -> DesignerCatalog:
        """Metrics grouped by owner with the dimensions each supports, dimensions, analyses,
        chart kinds: all a designed tile may use (no free SQL)."""
        with _answers(settings) as ws:
            return designer_catalog(Catalog.load(ws.settings.workspace), lang)

    @router.post(f"{base}/preview", response_model=TileResult)
    def preview(body: PreviewRequest, lang: Lang = "zh-CN",
                user: User = logged_in) -> TileResult:
        """An unsaved tile under the filters, in your scope (the designer's live preview)."""
        with _answers(settings) as ws:
            return run_spec(ws.warehouse, body.tile, body.filters,
                            scope_of_user(ws.warehouse, user), lang, body.switch,
                            pii=user.pii)

    @router.get(f"{base}/{{dashboard_id}}", response_model=Dashboard)
    def dashboard(dashboard_id: str, user: User = logged_in) -> Dashboard:
        with _answers(settings) as ws:
            return get_dashboard(ws.appdb, dashboard_id, user)

    @router.post(f"{base}/{{dashboard_id}}/tiles/{{tile_id}}", response_model=TileResult)
    def tile(dashboard_id: str, tile_id: str, body: TileRequest | None = None,
             lang: Lang = "zh-CN", user: User = logged_in) -> TileResult:
        """One tile under the global filters (and the value of its switch), in your scope. A
        tile that cannot run answers 200 with `error` saying why."""
        body = body or TileRequest()
        with _answers(settings) as ws:
            spec = get_dashboard(ws.appdb, dashboard_id, user)
            return run_tile(ws.warehouse, spec, tile_id, body.filters,
                            scope_of_user(ws.warehouse, user), lang, body.switch,
                            pii=user.pii)

    @router.post(f"{base}/{{dashboard_id}}/tiles/{{tile_id}}/drill",
                 response_model=DrillResult)
    def drill(dashboard_id: str, tile_id: str, body: DrillBody,
              user: User = logged_in) -> DrillResult:
        """The records behind one number of a tile (the group in `where`), in your scope."""
        with _answers(settings) as ws:
            spec = get_dashboard(ws.appdb, dashboard_id, user)
            return drill_tile(ws.warehouse, spec.tile(tile_id), body.filters, body.where,
                              scope_of_user(ws.warehouse, user), body.metric, body.switch,
                              limit=body.limit, offset=body.offset, pii=user.pii)

    @router.post(base, response_model=Dashboard, status_code=201)
    def create(body: Dashboard, user: User = logged_in) -> Dashboard:
        """Save a new dashboard of yours (`shared: true` shows it to everyone)."""
        with _answers(settings) as ws:
            return save_dashboard(ws.appdb, body, user, Catalog.load(ws.settings.workspace),
                                  create=True)

    @router.put(f"{base}/{{dashboard_id}}", response_model=Dashboard)
    def update(dashboard_id: str, body: Dashboard, user: User = logged_in) -> Dashboard:
        """Change a dashboard you own (admins: any user dashboard), or save a new one."""
        with _answers(settings) as ws:
            return save_dashboard(ws.appdb, body.model_copy(update={"id": dashboard_id}), user,
                                  Catalog.load(ws.settings.workspace))

    @router.delete(f"{base}/{{dashboard_id}}", status_code=204)
    def delete(dashboard_id: str, user: User = logged_in) -> Response:
        with _answers(settings) as ws:
            delete_dashboard(ws.appdb, dashboard_id, user)
        return Response(status_code=204)

    @router.get("/api/v1/leads/pool", response_model=LeadPool, tags=["leads"])
    def pool(status: Annotated[list[str] | None, Query()] = None,
             owner: Annotated[list[str] | None, Query()] = None,
             team: Annotated[list[str] | None, Query()] = None,
             channel: Annotated[list[str] | None, Query()] = None,
             age: Annotated[list[str] | None, Query()] = None,
             idle: bool = False, as_of: datetime | None = None,
             sort: Literal[SORTS] = "idle_days", desc: bool = True,
             limit: Annotated[int, Query(ge=1, le=1000)] = 50,
             offset: Annotated[int, Query(ge=0)] = 0,
             user: User = logged_in) -> LeadPool:
        """Open leads with status, age, owner and last touch (most idle first), filtered by
        status, owner, team, channel, age bucket (<1d, 1-3d, 3-7d, 7-30d, >30d) and idle over
        3 days; e-mail and phone masked without the personal-data permission. Without
        `as_of`: as of the current minute."""
        request = LeadPoolRequest(status=status or [], owner=owner or [], team=team or [],
                                  channel=channel or [], age=age or [], idle_only=idle,
                                  as_of=as_of, sort=sort, descending=desc, limit=limit,
                                  offset=offset)
        with _answers(settings) as ws:
            return kept_lead_pool(ws.warehouse, request, scope_of_user(ws.warehouse, user),
                                  pii=user.pii)

    return router
