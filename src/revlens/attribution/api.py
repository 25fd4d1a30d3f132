"""REST API of attribution under /api/v1/attribution: the same runners as the CLI.

The router holds no query logic; it builds the typed request from query parameters, opens the
workspace read-only for the request, and turns RevLens errors into HTTP errors (400: a request
the user must change, e.g. an unknown model; 503: the warehouse is busy, retry).

Every endpoint needs a RevLens user: HTTP Basic with the user name and password of the app
database (401 with a `WWW-Authenticate` challenge otherwise); revenue figures never leave
without a login.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from revlens.app.auth import api_user
from revlens.app.requests import read_workspace
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
    router = APIRouter(prefix="/api/v1/attribution", tags=["attribution"],
                       dependencies=[Depends(api_user(settings))])

    @contextmanager
    def warehouse() -> Iterator:
        with read_workspace(settings) as ws:
            yield ws.warehouse

    @router.get("", response_model=AttributionReport)
    def report(request: QueryRequest) -> AttributionReport:
        """Credited conversions and amount per group, with spend, ROAS and ROI."""
        with warehouse() as wh:
            return attribution_report(wh, request)

    @router.get("/compare", response_model=CompareReport)
    def compare(request: QueryRequest) -> CompareReport:
        """Every model side by side."""
        with warehouse() as wh:
            return compare_models(wh, request)

    @router.get("/paths", response_model=PathReport)
    def paths(request: QueryRequest) -> PathReport:
        """Converting and non-converting channel paths."""
        with warehouse() as wh:
            return path_report(wh, request)

    @router.get("/explain/{conversion_id}", response_model=Explanation)
    def explain(conversion_id: str, request: QueryRequest) -> Explanation:
        """One conversion's touches with their credit under every model."""
        with warehouse() as wh:
            return explain_conversion(wh, conversion_id, request)

    return router
