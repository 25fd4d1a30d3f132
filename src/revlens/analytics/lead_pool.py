"""The lead pool: the leads SDRs still have to work, with how old each is, who owns it and when
it was last touched — the list behind the SDR dashboard's pool figures.

A lead is in the pool while its status is open (new, contacted, MQL, SQL, recycled); its age
runs from its creation, its last touch is its latest follow-up (else its creation), and it is
idle when that was more than three days ago (`revlens.metrics.models.sales`). The same base
model as the `open_leads` and `idle_leads` metrics, so the list and the figures agree; scoped
like every metric, and with e-mail addresses and phones masked for users without the
personal-data permission.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

import ibis
from pydantic import BaseModel, Field

from revlens.cdp.privacy import masked_record
from revlens.metrics.cache import cached
from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import Compiler, check_dimensions
from revlens.metrics.drill import json_value
from revlens.metrics.models.sales import IDLE_DAYS, OPEN_LEAD_STATUSES
from revlens.metrics.query import Filter
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse

SORTS = ("idle_days", "age_days", "created_at", "last_touch_at", "follow_ups")
COLUMNS = ("lead_id", "name", "company", "email", "phone", "status", "owner_id", "owner_name",
           "team", "source_channel", "campaign_id", "created_at", "age_days", "lead_age",
           "last_touch_at", "idle_days", "follow_ups", "is_idle")


class LeadPoolRequest(BaseModel):
    status: list[str] = Field(default_factory=list, description="default: the open statuses")
    owner: list[str] = Field(default_factory=list)
    team: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    age: list[str] = Field(default_factory=list, description="lead_age buckets: <1d, 1-3d, "
                                                             "3-7d, 7-30d, >30d")
    idle_only: bool = Field(False, description=f"only leads untouched for over {IDLE_DAYS} "
                                               "days")
    filters: list[Filter] = Field(default_factory=list, description="any other lead dimension")
    as_of: datetime | None = Field(None, description="the moment ages are measured at "
                                                     "(default: now; without a time zone: "
                                                     "UTC)")
    sort: Literal["idle_days", "age_days", "created_at", "last_touch_at", "follow_ups"] = \
        "idle_days"
    descending: bool = True
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class PoolLead(BaseModel):
    lead_id: str
    name: str | None = None
    company: str | None = None
    email: str | None = None
    phone: str | None = None
    status: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None
    team: str | None = None
    source_channel: str | None = None
    campaign_id: str | None = None
    created_at: datetime
    age_days: float
    lead_age: str
    last_touch_at: datetime
    idle_days: float
    follow_ups: int
    is_idle: bool


class LeadPool(BaseModel):
    as_of: datetime
    total: int = Field(description="leads matching the request (all pages)")
    idle: int = Field(description=f"of those, untouched for over {IDLE_DAYS} days")
    by_status: dict[str, int]
    leads: list[PoolLead]
    scope: str


def _filters(request: LeadPoolRequest) -> list[Filter]:
    given = {"status": request.status or list(OPEN_LEAD_STATUSES), "owner": request.owner,
             "team": request.team, "channel": request.channel, "lead_age": request.age}
    return [*(Filter(dimension=d, values=tuple(v)) for d, v in given.items() if v),
            *request.filters]


def lead_pool(wh: Warehouse, request: LeadPoolRequest, scope: Scope | None = None,
              catalog: Catalog | None = None, pii: bool = True) -> LeadPool:
    """A page of the pool (most idle first by default), its total and counts by status."""
    scope = scope or Scope.everything()
    catalog = catalog or Catalog.load(wh.settings.workspace)
    filters = _filters(request)
    check_dimensions(catalog, [catalog.get("leads")], [f.dimension for f in filters])
    as_of = request.as_of or datetime.now(UTC)
    as_of = as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of.astimezone(UTC)
    compiler = Compiler(wh, catalog, scope, as_of=as_of)
    t = compiler.model_rows("leads", filters)
    t = t.filter(t.created_at < ibis.literal(as_of))
    if request.idle_only:
        t = t.filter(t.is_idle)
    counts = wh.to_arrow(t.group_by("status").aggregate(n=t.count(),
                                                        idle=t.is_idle.cast("int64").sum())
                         ).to_pylist()
    order = ibis.desc(request.sort) if request.descending else ibis.asc(request.sort)
    page = t.select(*COLUMNS).order_by([order, "lead_id"]).limit(request.limit,
                                                                  offset=request.offset)
    leads = [PoolLead(**{k: json_value(v) if k not in ("created_at", "last_touch_at") else v
                         for k, v in masked_record(r, pii).items()})
             for r in wh.to_arrow(page).to_pylist()]
    by_status: dict[str, int] = {}
    for c in counts:                    # a lead without a status is new
        by_status[c["status"] or "new"] = by_status.get(c["status"] or "new", 0) + c["n"]
    return LeadPool(as_of=as_of, total=sum(c["n"] for c in counts),
                    idle=sum(c["idle"] or 0 for c in counts), by_status=by_status,
                    leads=leads, scope=scope.describe())


def kept_lead_pool(wh: Warehouse, request: LeadPoolRequest, scope: Scope | None = None,
                   catalog: Catalog | None = None, pii: bool = True) -> LeadPool:
    """`lead_pool` through the result cache (`revlens.metrics.cache`), what the web app and
    the REST API show: without `as_of`, as of the current minute, so that everyone of one
    scope asking within it shares one answer (a lead created this minute shows from the
    next)."""
    scope = scope or Scope.everything()
    catalog = catalog or Catalog.load(wh.settings.workspace)
    if request.as_of is None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        request = request.model_copy(update={"as_of": now})
    found = cached(wh, "analytics.lead_pool", request,
                   lambda: lead_pool(wh, request, scope, catalog, pii=pii),
                   scope=scope, pii=pii, catalog=catalog)
    return found.model_copy(update={"scope": scope.describe()})
