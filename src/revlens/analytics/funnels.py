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

from revlens.metrics.catalog import Catalog, Measure, Metric, Text
from revlens.metrics.compiler import Compiler, Period, check_dimensions
from revlens.metrics.periods import instant
from revlens.metrics.query import Filter
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse

LEAD_STEPS = ("new", "contacted", "mql", "sql", "opportunity", "won")
LEAD_LABELS = {"new": "新线索", "contacted": "已联系", "mql": "MQL", "sql": "SQL",
               "opportunity": "商机", "won": "赢单"}


class FunnelRequest(BaseModel):
    kind: Literal["leads", "pipeline"] = "leads"
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

    def as_record(self, by: str | None) -> dict:
        record = self.model_dump(exclude={"group"})
        return {by: self.group, **record} if by else record


class FunnelResult(BaseModel):
    kind: str
    by: str | None
    steps: list[FunnelStep]
    scope: str


def _records_of(model: str) -> Metric:
    return Metric(id=f"{model}_funnel", label=Text(en=model, zh=model),
                  description=Text(en=model, zh=model), model=model, measure=Measure(agg="count"))


def funnel(wh: Warehouse, request: FunnelRequest, scope: Scope | None = None,
           catalog: Catalog | None = None) -> FunnelResult:
    scope = scope or Scope.everything()
    catalog = catalog or Catalog.load(wh.settings.workspace)
    model = "leads" if request.kind == "leads" else "opportunities"
    probe = "leads" if request.kind == "leads" else "opportunities_created"
    check_dimensions(catalog, [catalog.get(probe)],
                     [d for d in [request.by, *(f.dimension for f in request.filters)] if d])
    as_of = instant(request.date_to + timedelta(days=1), wh.settings.timezone) \
        if request.date_to else datetime.now(UTC)
    compiler = Compiler(wh, catalog, scope, as_of=as_of)
    metric = _records_of(model)
    t = compiler.records(metric, request.filters, Period(request.date_from, request.date_to))
    group = compiler.column(t, metric, request.by) if request.by else ibis.literal("")
    t = t.mutate(_group=group)
    steps = _lead_steps(wh, t) if request.kind == "leads" else _pipeline_steps(compiler, t)
    return FunnelResult(kind=request.kind, by=request.by, steps=steps, scope=scope.describe())


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
    won = t.is_won
    opportunity = won | t.is_converted
    sql = opportunity | t.sql_at.notnull()
    mql = sql | t.mql_at.notnull()
    contacted = mql | (t.follow_ups > 0) | t.status.isin(["contacted", "converted"])
    reached = {"new": t.lead_id.notnull(), "contacted": contacted, "mql": mql, "sql": sql,
               "opportunity": opportunity, "won": won}
    counts = t.group_by("_group").aggregate(
        **{step: cond.fill_null(False).cast("int64").sum() for step, cond in reached.items()})
    frame = wh.execute(counts)
    return _chain(frame, list(LEAD_STEPS), LEAD_LABELS)


def _pipeline_steps(compiler: Compiler, t: ibis.Table) -> list[FunnelStep]:
    wh = compiler.wh
    settings = wh.settings
    open_stages = [s.name for s in settings.stages if s.kind == "open"]
    order = {name: i for i, name in enumerate(open_stages)}
    won, lost = settings.won_stage.name, settings.lost_stage.name
    order[won] = len(open_stages)
    order[lost] = -1        # losing reaches no further stage
    labels = {s.name: s.label_zh or s.name for s in settings.stages}
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
    frame = wh.execute(opps.group_by("_group").aggregate(_all=opps.count()))
    furthest = stays.groupby("opportunity_id").agg(_group=("_group", "first"),
                                                   top=("rank", "max"), won=("is_won", "first"),
                                                   closed=("is_closed", "first"))
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
