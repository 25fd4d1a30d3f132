"""REST API of attribution under /api/v1/attribution: the same runners as the CLI.

The router holds no query logic; it builds the typed request from query parameters, opens the
workspace read-only for the request, and turns RevLens errors into HTTP errors (400: a request
the user must change, e.g. an unknown model; 503: the warehouse is busy, retry).

Every endpoint needs a RevLens user (the web session cookie, or HTTP Basic; 401 otherwise);
revenue figures never leave without a login. Every endpoint answers within the user's
row-level scope (`revlens.metrics.scope`): a sales rep sees the conversions they own, the
journeys and paths of those only, and the spend of campaigns they own (none, usually).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from revlens.app.auth import api_user
from revlens.app.requests import read_workspace
from revlens.appdb.models import User
from revlens.attribution.explain import Explanation, PathReport, explain_conversion, path_report
from revlens.attribution.report import (
    AttributionReport,
    AttributionRequest,
    CompareReport,
    ConversionName,
    DimensionName,
    attribution_report,
    compare_models,
)
from revlens.config import Settings
from revlens.metrics.scope import scope_of_user
from revlens.warehouse import Warehouse


def request_from_query(model: str = "linear",
                       conversion: ConversionName = "opportunity_created",
                       by: DimensionName = "channel", window_days: int = 365,
                       date_from: date | None = None, date_to: date | None = None,
                       half_life_days: float = 7.0, order: int = 1) -> AttributionRequest:
    """The request from query parameters (an invalid value is a 422 naming the field)."""
    return AttributionRequest(model=model, conversion=conversion, by=by,
                              window_days=window_days, date_from=date_from, date_to=date_to,
                              half_life_days=half_life_days, order=order)


QueryRequest = Annotated[AttributionRequest, Depends(request_from_query)]


def attribution_router(settings: Callable[[], Settings]) -> APIRouter:
    """The router; `settings()` gives the served workspace's settings at request time."""
    router = APIRouter(prefix="/api/v1/attribution", tags=["attribution"])
    logged_in = Depends(api_user(settings))

    @contextmanager
    def warehouse(user: User) -> Iterator[tuple[Warehouse, frozenset[str] | None]]:
        """The warehouse and the staff ids whose conversions the user sees (None: all)."""
        with read_workspace(settings) as ws:
            yield ws.warehouse, scope_of_user(ws.warehouse, user).owner_ids

    @router.get("", response_model=AttributionReport)
    def report(request: QueryRequest, user: User = logged_in) -> AttributionReport:
        """Credited conversions and amount per group, with spend, ROAS and ROI."""
        with warehouse(user) as (wh, owners):
            return attribution_report(wh, request, owners)

    @router.get("/compare", response_model=CompareReport)
    def compare(request: QueryRequest, user: User = logged_in) -> CompareReport:
        """Every model side by side."""
        with warehouse(user) as (wh, owners):
            return compare_models(wh, request, owner_ids=owners)

    @router.get("/paths", response_model=PathReport)
    def paths(request: QueryRequest, user: User = logged_in) -> PathReport:
        """Converting and non-converting channel paths."""
        with warehouse(user) as (wh, owners):
            return path_report(wh, request, owners)

    @router.get("/explain/{conversion_id}", response_model=Explanation)
    def explain(conversion_id: str, request: QueryRequest,
                user: User = logged_in) -> Explanation:
        """One conversion's touches with their credit under every model."""
        with warehouse(user) as (wh, owners):
            return explain_conversion(wh, conversion_id, request, owners)

    return router
