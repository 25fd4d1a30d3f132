"""Customer cohorts: of the accounts that became customers in a month (their first order), how
many are still customers 1, 2, ... months later, and how much of their first month's revenue
they bring in each later month.

An account is *active* in a month when it signs an order in it or one of its contracts runs
through it (`orders.start_date` .. `orders.end_date`). Revenue of a month is the amount of the
orders signed in it. Month 0 is the month of the first order, so its retention is 100%.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import Compiler, Period
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse


class CohortRequest(BaseModel):
    date_from: date | None = Field(None, description="first cohort month (its first day)")
    date_to: date | None = Field(None, description="last cohort month, and the last month seen")
    months: int = Field(12, ge=1, le=60, description="months after the first order to follow")


class CohortRow(BaseModel):
    cohort: str
    customers: int
    first_month_revenue: float
    retention: list[float | None] = Field(description="share of the cohort active in month k")
    revenue_retention: list[float | None] = Field(
        description="revenue in month k over revenue in month 0")


class CohortReport(BaseModel):
    months: int
    cohorts: list[CohortRow]
    scope: str


def _month_index(days: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(days)
    return stamps.dt.year * 12 + stamps.dt.month - 1


def cohort_retention(wh: Warehouse, request: CohortRequest, scope: Scope | None = None,
                     catalog: Catalog | None = None) -> CohortReport:
    scope = scope or Scope.everything()
    compiler = Compiler(wh, catalog or Catalog.load(wh.settings.workspace), scope)
    t = compiler.model_rows("orders", period=Period(None, request.date_to))
    local = compiler.ctx.local(t.signed_at).date()
    orders = wh.execute(t.select("account_id", "start_date", "end_date", signed=local,
                                 amount=t.amount.cast("float64")))
    if orders.empty:
        return CohortReport(months=request.months, cohorts=[], scope=scope.describe())
    orders["m"] = _month_index(orders["signed"])
    first = orders.groupby("account_id")["m"].min().rename("cohort")
    orders = orders.join(first, on="account_id")
    last_seen = orders["m"].max() if request.date_to is None else \
        request.date_to.year * 12 + request.date_to.month - 1
    start = _month_index(orders["start_date"].fillna(orders["signed"]))
    end = _month_index(orders["end_date"].fillna(orders["signed"]))
    spans = []
    for k in range(request.months + 1):
        month = orders["cohort"] + k
        active = ((orders["m"] == month) | ((start <= month) & (end >= month)))
        spans.append(pd.DataFrame({"account_id": orders["account_id"], "cohort": orders["cohort"],
                                   "k": k, "active": active,
                                   "revenue": np.where(orders["m"] == month, orders["amount"],
                                                       0.0)}))
    grid = pd.concat(spans)
    per_account = grid.groupby(["cohort", "account_id", "k"]).agg(
        active=("active", "any"), revenue=("revenue", "sum")).reset_index()
    rows = []
    first_month = None if request.date_from is None else \
        request.date_from.year * 12 + request.date_from.month - 1
    for cohort, g in per_account.groupby("cohort"):
        if first_month is not None and cohort < first_month:
            continue
        size = g["account_id"].nunique()
        by_k = g.groupby("k").agg(active=("active", "sum"), revenue=("revenue", "sum"))
        base = float(by_k.loc[0, "revenue"])
        seen = [k for k in range(request.months + 1) if cohort + k <= last_seen]
        rows.append(CohortRow(
            cohort=f"{cohort // 12}-{cohort % 12 + 1:02d}", customers=int(size),
            first_month_revenue=base,
            retention=[float(by_k.loc[k, "active"]) / size if k in seen else None
                       for k in range(request.months + 1)],
            revenue_retention=[float(by_k.loc[k, "revenue"]) / base if k in seen and base
                               else None for k in range(request.months + 1)]))
    return CohortReport(months=request.months, cohorts=rows, scope=scope.describe())
