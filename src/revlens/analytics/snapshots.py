"""Snapshot funnels: where records stood at a moment, rather than how a cohort moved.

- leads: every lead created before the moment, by its status then (its last status change
  before the moment in `lead_status_events`; its current status when that table is not built);
- pipeline: every deal open at the moment, by the stage it was in then (its last stage entered
  before the moment in `opportunity_stage_history`), with the amount.

Counts are of records in each step, not cumulative, so there are no conversion rates.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import pandas as pd

from revlens.analytics.funnels import LEAD_LABELS, FunnelStep
from revlens.analytics.lead_events import TABLE as LEAD_EVENTS
from revlens.contract.entities import LEAD_STATUSES
from revlens.metrics.compiler import Compiler


def _steps(frame: pd.DataFrame, stages: list[str], labels: dict[str, str],
           amounts: bool) -> list[FunnelStep]:
    steps = []
    for group, rows in frame.groupby("_group", dropna=False, sort=True):
        counts = rows.groupby("step").agg(n=("step", "size"), amount=("amount", "sum"))
        for stage in stages:
            n = int(counts["n"].get(stage, 0))
            steps.append(FunnelStep(
                stage=stage, label=labels.get(stage, stage),
                group=None if pd.isna(group) else group, count=n,
                conversion_from_previous=None, conversion_from_first=None, drop_off=0,
                amount=float(counts["amount"].get(stage, 0.0)) if amounts else None))
    return steps


def lead_snapshot(compiler: Compiler, t: ibis.Table, as_of: datetime) -> list[FunnelStep]:
    wh, moment = compiler.wh, ibis.literal(as_of)
    t = t.filter(t.created_at < moment)
    status = t.status
    if LEAD_EVENTS in wh.tables():
        e = wh.table(LEAD_EVENTS)
        e = e.filter(e.changed_at < moment)
        last = ibis.row_number().over(group_by=e.lead_id, order_by=ibis.desc(e.changed_at))
        e = e.mutate(n=last)
        e = e.filter(e.n == 0).select(e_id=e.lead_id, status_then=e.status)
        t = t.left_join(e, t.lead_id == e.e_id)
        status = ibis.coalesce(t.status_then, t.status)
    frame = wh.execute(t.select("_group", step=status, amount=ibis.literal(0.0)))
    labels = {**LEAD_LABELS, **{k: v[0] for k, v in LEAD_STATUSES.items() if v}}
    return _steps(frame, list(LEAD_STATUSES), labels, amounts=False)


def pipeline_snapshot(compiler: Compiler, t: ibis.Table, as_of: datetime) -> list[FunnelStep]:
    from revlens.analytics.forecast import deals_as_of

    settings = compiler.wh.settings
    deals = deals_as_of(compiler, as_of, t)
    open_stages = [s.name for s in settings.stages if s.kind == "open"]
    deals = deals[~deals["closed_then"]]
    frame = pd.DataFrame({"_group": deals["_group"], "step": deals["stage_at"],
                          "amount": deals["amount_at"]})
    labels = {s.name: s.label_zh or s.name for s in settings.stages}
    return _steps(frame, open_stages, labels, amounts=True)
