"""Funnels: how many records reach each step, how many are lost between steps, how long each
step takes and where deals stall — by any dimension of the metric layer, within the caller's
row-level scope.

- **Lead funnel** (cohort of leads created in the period): new → contacted → MQL → SQL →
  opportunity → won. A lead counts at every step up to the furthest it reached (a lead that
  became SQL without a recorded MQL date still counts as MQL), so counts never grow.
- **Pipeline funnel** (cohort of opportunities created in the period): the open stages in their
  configured order, then won. Days in a stage run from entering it to entering the next
  (`opportunity_stage_history`); an opportunity still in a stage is *stalled* when it has been
  there longer than the 75th percentile of the completed stays in that stage. The win
  probability of a stage is the share of closed deals that reached it and were won.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal

import ibis
import pandas as pd
from pydantic import BaseModel, Field

from revlens.metrics.catalog import Catalog, Metric
from revlens.metrics.compiler import Compiler, Period, check_dimensions
from revlens.metrics.drill import json_value
from revlens.metrics.exceptions import InvalidQuery
from revlens.metrics.periods import instant
from revlens.metrics.query import DrillResult, Filter
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse

LEAD_STEPS = ("new", "contacted", "mql", "sql", "opportunity", "won")
LEAD_LABELS = {"new": "新线索", "contacted": "已联系", "mql": "MQL", "sql": "SQL",
               "opportunity": "商机", "won": "赢单"}


class FunnelRequest(BaseModel):
    kind: Literal["leads", "pipeline"] = "leads"
    mode: Literal["cohort", "snapshot"] = Field(
        "cohort", description="cohort: the records created in the period, step by step; "
                              "snapshot: where the records stood at the period's end")
    by: str | None = Field(None, description="a dimension of the metric layer")
    filters: list[Filter] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None


class FunnelStep(BaseModel):
    stage: str
    label: str
    group: str | bool | None = None
    count: int
    conversion_from_previous: float | None
    conversion_from_first: float | None
    drop_off: int
    median_days: float | None = None
    mean_days: float | None = None
    stalled: int | None = None
    win_probability: float | None = None
    amount: float | None = None

    def as_record(self, by: str | None) -> dict:
        record = self.model_dump(exclude={"group"})
        return {by: self.group, **record} if by else record


class FunnelResult(BaseModel):
    kind: str
    by: str | None
    steps: list[FunnelStep]
    scope: str


def funnel(wh: Warehouse, request: FunnelRequest, scope: Scope | None = None,
           catalog: Catalog | None = None) -> FunnelResult:
    scope = scope or Scope.everything()
    compiler = _compiler(wh, request, scope, catalog)
    t = _funnel_records(compiler, request)
    if request.mode == "snapshot":
        from revlens.analytics.snapshots import lead_snapshot, pipeline_snapshot

        as_of = compiler.ctx.as_of
        steps = lead_snapshot(compiler, t, as_of) if request.kind == "leads" \
            else pipeline_snapshot(compiler, t, as_of)
    else:
        steps = _lead_steps(wh, t) if request.kind == "leads" else _pipeline_steps(compiler, t)
    return FunnelResult(kind=request.kind, by=request.by, steps=steps, scope=scope.describe())


def _compiler(wh: Warehouse, request: FunnelRequest, scope: Scope,
              catalog: Catalog | None) -> Compiler:
    catalog = catalog or Catalog.load(wh.settings.workspace)
    probe = "leads" if request.kind == "leads" else "opportunities_created"
    check_dimensions(catalog, [catalog.get(probe)],
                     [d for d in [request.by, *(f.dimension for f in request.filters)] if d])
    as_of = instant(request.date_to + timedelta(days=1), wh.settings.timezone) \
        if request.date_to else datetime.now(UTC)
    return Compiler(wh, catalog, scope, as_of=as_of)


def _funnel_records(compiler: Compiler, request: FunnelRequest) -> ibis.Table:
    """The leads or deals the funnel follows, scoped and filtered, with `_group`."""
    metric = Metric.records_of("leads" if request.kind == "leads" else "opportunities")
    period = Period(request.date_from, request.date_to) if request.mode == "cohort" \
        else Period(None, None)
    t = compiler.records(metric, request.filters, period)
    group = compiler.column(t, metric, request.by) if request.by else ibis.literal("")
    return t.mutate(_group=group)


def _lead_reached(t: ibis.Table) -> dict[str, ibis.Value]:
    """Per step, whether a lead reached it (or a later step)."""
    won = t.is_won
    opportunity = won | t.is_converted
    sql = opportunity | t.sql_at.notnull()
    mql = sql | t.mql_at.notnull()
    contacted = mql | (t.follow_ups > 0) | t.status.isin(["contacted", "converted"])
    return {"new": t.lead_id.notnull(), "contacted": contacted, "mql": mql, "sql": sql,
            "opportunity": opportunity, "won": won}


def funnel_records(wh: Warehouse, request: FunnelRequest, stage: str,
                   group: str | bool | None = None, scope: Scope | None = None,
                   catalog: Catalog | None = None, limit: int = 100) -> DrillResult:
    """The records behind one step of a cohort funnel: the leads or deals (of `group`, when
    the funnel is grouped) that reached `stage`."""
    scope = scope or Scope.everything()
    if request.mode != "cohort":
        raise InvalidQuery("records are listed for cohort funnels (leave out --snapshot)")
    compiler = _compiler(wh, request, scope, catalog)
    t = _funnel_records(compiler, request)
    if request.by:
        t = t.filter(t._group.isnull() if group is None else t._group == group)
    if request.kind == "leads":
        reached = _lead_reached(t)
        if stage not in reached:
            raise InvalidQuery(f"no lead step {stage!r}; steps: {', '.join(reached)}")
        t = t.filter(reached[stage].fill_null(False))
    else:
        open_stages, order = _stage_order(compiler)
        won = wh.settings.won_stage.name
        if stage not in [*open_stages, won]:
            raise InvalidQuery(f"no pipeline stage {stage!r}; stages: "
                               f"{', '.join([*open_stages, won])}")
        if stage != open_stages[0]:      # every deal starts in the first stage
            _, furthest = _stays(compiler, t)
            hit = furthest[(furthest["top"] >= order[stage])
                           & (furthest["won"] if stage == won else True)]
            t = t.filter(t.opportunity_id.isin(sorted(hit.index.tolist())))
    model = compiler.model_of(Metric.records_of("leads" if request.kind == "leads"
                                          else "opportunities"))
    columns = [c for c in model.record_columns if c in t.columns]
    listed = t.select(*columns).order_by([ibis.desc(model.time), model.key])
    total = int(wh.execute(t.count()))
    rows = wh.to_arrow(listed.limit(limit)).to_pylist()
    return DrillResult(metric=f"{request.kind}_funnel:{stage}", model=model.name,
                       columns=columns,
                       rows=[{k: json_value(v) for k, v in r.items()} for r in rows],
                       total=total, sql=str(ibis.to_sql(listed, dialect="duckdb")),
                       scope=scope.describe())


def _chain(frame: pd.DataFrame, stages: list[str], labels: dict[str, str]) -> list[FunnelStep]:
    """Steps per group from `frame` (one row per group, a count column per stage)."""
    steps = []
    for _, row in frame.sort_values("_group", na_position="last").iterrows():
        first, previous = None, None
        for stage in stages:
            count = int(row[stage])
            first = count if first is None else first
            steps.append(FunnelStep(
                stage=stage, label=labels.get(stage, stage),
                group=None if pd.isna(row["_group"]) else row["_group"], count=count,
                conversion_from_previous=None if previous is None else _rate(count, previous),
                conversion_from_first=_rate(count, first),
                drop_off=0 if previous is None else previous - count))
            previous = count
    return steps


def _rate(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None


def _lead_steps(wh: Warehouse, t: ibis.Table) -> list[FunnelStep]:
    reached = _lead_reached(t)
    counts = t.group_by("_group").aggregate(
        **{step: cond.fill_null(False).cast("int64").sum() for step, cond in reached.items()})
    frame = wh.execute(counts)
    return _chain(frame, list(LEAD_STEPS), LEAD_LABELS)


def _stage_order(compiler: Compiler) -> tuple[list[str], dict[str, int]]:
    """The open stages, and each stage's rank: open stages in order, won after them, lost -1
    (losing reaches no further stage)."""
    settings = compiler.wh.settings
    open_stages = [s.name for s in settings.stages if s.kind == "open"]
    order = {name: i for i, name in enumerate(open_stages)}
    order[settings.won_stage.name] = len(open_stages)
    order[settings.lost_stage.name] = -1
    return open_stages, order


def _stays(compiler: Compiler, t: ibis.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each stage stay of the deals of `t` (entered, left, days, age at the moment), and per
    deal its group, the rank of the furthest stage it reached, won and closed."""
    wh = compiler.wh
    _, order = _stage_order(compiler)
    opps = t.select(o_id=t.opportunity_id, _group=t._group, current=t.stage,
                    is_won=t.is_won, is_closed=t.is_closed)
    h = wh.table("opportunity_stage_history")
    h = h.inner_join(opps, h.opportunity_id == opps.o_id)
    rank = h.stage.cases(*order.items(), else_=-1)
    window = ibis.window(group_by=h.opportunity_id, order_by=[h.entered_at, rank])
    h = h.mutate(rank=rank, left_at=h.entered_at.lead().over(window))
    stays = wh.execute(h.select("opportunity_id", "_group", "stage", "rank", "entered_at",
                                "left_at", "is_won", "is_closed", "current"))
    as_of = pd.Timestamp(compiler.ctx.as_of)
    stays["days"] = (stays["left_at"] - stays["entered_at"]).dt.total_seconds() / 86400
    stays["age"] = (as_of - stays["entered_at"]).dt.total_seconds() / 86400
    furthest = stays.groupby("opportunity_id").agg(_group=("_group", "first"),
                                                   top=("rank", "max"), won=("is_won", "first"),
                                                   closed=("is_closed", "first"))
    return stays, furthest


def _pipeline_steps(compiler: Compiler, t: ibis.Table) -> list[FunnelStep]:
    wh = compiler.wh
    open_stages, order = _stage_order(compiler)
    won = wh.settings.won_stage.name
    labels = {s.name: s.label_zh or s.name for s in wh.settings.stages}
    stays, furthest = _stays(compiler, t)
    opps = t.select("_group")
    frame = wh.execute(opps.group_by("_group").aggregate(_all=opps.count()))
    stages = [*open_stages, won]
    counts = {}
    for stage in stages:
        k = order[stage]
        hit = furthest[(furthest["top"] >= k) & (furthest["won"] if stage == won else True)]
        counts[stage] = hit.groupby("_group", dropna=False).size()
    table = frame.set_index("_group")
    for stage in stages:
        table[stage] = counts[stage].reindex(table.index).fillna(0).astype(int)
    table[open_stages[0]] = table["_all"]      # every opportunity starts in the first stage
    steps = _chain(table.reset_index(), stages, labels)
    _add_durations(steps, stays, furthest, order, won)
    return steps


def _add_durations(steps: list[FunnelStep], stays: pd.DataFrame, furthest: pd.DataFrame,
                   order: dict[str, int], won: str) -> None:
    done = stays[stays["days"].notna()]
    waiting = stays[stays["left_at"].isna() & ~stays["is_closed"]]
    p75 = done.groupby("stage")["days"].quantile(0.75)
    closed = furthest[furthest["closed"]]
    for step in steps:
        def mine(f: pd.DataFrame, g: object = step.group) -> pd.DataFrame:
            return f[f["_group"].isna()] if g is None else f[f["_group"] == g]

        if step.stage == won:
            continue
        d = mine(done)
        d = d[d["stage"] == step.stage]["days"]
        step.median_days = float(d.median()) if len(d) else None
        step.mean_days = float(d.mean()) if len(d) else None
        w = mine(waiting)
        w = w[w["stage"] == step.stage]
        limit = p75.get(step.stage)
        step.stalled = int((w["age"] > limit).sum()) if limit is not None else 0
        c = mine(closed)
        reached = c[c["top"] >= order[step.stage]]
        step.win_probability = float(reached["won"].mean()) if len(reached) else None


class StalledDeal(BaseModel):
    opportunity_id: str
    name: str | None
    owner_id: str | None
    owner_name: str | None
    stage: str
    entered_at: datetime
    days_in_stage: float
    typical_days: float = Field(description="75th percentile of the completed stays in the "
                                            "stage: a stay longer than this is a stall")
    amount: float | None


def stalled_deals(wh: Warehouse, request: FunnelRequest, scope: Scope | None = None,
                  catalog: Catalog | None = None, limit: int = 100) -> list[StalledDeal]:
    """The open deals stalled at the end of the request's period (default now), longest
    first: in their stage for longer than the 75th percentile of the completed stays in it.
    Unlike the funnel's cohort, every deal open then counts, whenever it was created; the
    request's filters apply."""
    scope = scope or Scope.everything()
    request = request.model_copy(update={"kind": "pipeline", "by": None, "date_from": None})
    compiler = _compiler(wh, request, scope, catalog)
    as_of = ibis.literal(compiler.ctx.as_of)
    t = _funnel_records(compiler, request.model_copy(update={"date_to": None}))
    t = t.filter(t.created_at < as_of)
    stays, _ = _stays(compiler, t)
    stays = stays[stays["entered_at"] < pd.Timestamp(compiler.ctx.as_of)]
    left = stays["left_at"].where(stays["left_at"] < pd.Timestamp(compiler.ctx.as_of))
    p75 = stays[left.notna()].groupby("stage")["days"].quantile(0.75)
    open_stages, _ = _stage_order(compiler)
    current = stays[left.isna() & stays["stage"].isin(open_stages)].copy()
    current = current.sort_values("entered_at").groupby("opportunity_id").tail(1)
    current["typical"] = current["stage"].map(p75)
    late = current[current["typical"].notna() & (current["age"] > current["typical"])]
    if late.empty:
        return []
    facts = wh.execute(t.filter(t.opportunity_id.isin(sorted(late["opportunity_id"])))
                       .select("opportunity_id", "name", "owner_id", "owner_name",
                               amount=t.amount.cast("float64"), closed=t.closed_at))
    late = late.merge(facts, on="opportunity_id")
    late = late[late["closed"].isna() | (late["closed"] >= pd.Timestamp(compiler.ctx.as_of))]
    late = late.sort_values(["age", "opportunity_id"], ascending=[False, True]).head(limit)
    return [StalledDeal(opportunity_id=r.opportunity_id, name=r.name, owner_id=r.owner_id,
                        owner_name=r.owner_name, stage=r.stage,
                        entered_at=r.entered_at.to_pydatetime(), days_in_stage=float(r.age),
                        typical_days=float(r.typical),
                        amount=None if pd.isna(r.amount) else float(r.amount))
            for r in late.itertuples(index=False)]
