"""The bookings forecast of a month or quarter, three ways, and how accurate past forecasts were.

As of a day D, for the period (month or quarter) containing D:
- **won to date**: deals won in the period before D;
- **stage weighted**: won to date + each open deal expected to close in the period (or already
  overdue) × its stage's configured probability (`[[stages]]` in revlens.toml);
- **learned**: the same with each stage's probability learned from the deals closed before D (the
  share of closed deals that reached the stage and were won);
- **time series**: won to date + an exponential-smoothing forecast (statsforecast AutoETS, with
  80% intervals) of the won amount per month, fitted on the months before D's month (at least
  12 of them), for the rest of the period.

Open deals are also summed by forecast category (commit, best case ...) for a forecast as of
today; categories are not kept historically.

Each deal is taken as it stood on D: its stage is the last one it had entered before D
(`opportunity_stage_history`), deals created later or closed before are left out. Snapshots of
these figures (`forecast_snapshots`) are written each day `revlens refresh` runs and for past
days by `revlens forecast backfill`; once a period has ended, `forecast_accuracy` compares what
each method said with what was won (MAPE and bias).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import ibis
import numpy as np
import pandas as pd
import sqlglot.expressions as sge
from pydantic import BaseModel

from revlens.metrics.catalog import Catalog
from revlens.metrics.compiler import Compiler
from revlens.metrics.periods import instant, label
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import FORECAST_SNAPSHOTS_TABLE

METHODS = ("stage_weighted", "learned", "time_series")
MIN_MONTHS = 12         # months of history the time series needs


class ForecastRequest(BaseModel):
    as_of: date | None = None
    period: Literal["month", "quarter"] = "quarter"


class MethodFigure(BaseModel):
    method: str
    forecast: float | None
    lo80: float | None = None
    hi80: float | None = None


class StageRow(BaseModel):
    stage: str
    opportunities: int
    amount: float
    probability: float
    learned_probability: float | None
    weighted: float
    weighted_learned: float


class CategoryRow(BaseModel):
    forecast_category: str | None
    opportunities: int
    amount: float
    weighted: float


class MonthRow(BaseModel):
    month: str
    actual: float | None
    forecast: float | None = None
    lo80: float | None = None
    hi80: float | None = None


class ForecastResult(BaseModel):
    as_of: date
    period: str
    period_start: date
    period_end: date
    won_to_date: float
    open_pipeline: float
    methods: list[MethodFigure]
    stages: list[StageRow]
    categories: list[CategoryRow]
    months: list[MonthRow]
    scope: str


def period_bounds(day: date, period: str) -> tuple[date, date]:
    first_month = day.month if period == "month" else (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    months = 1 if period == "month" else 3
    end = (pd.Timestamp(start) + pd.DateOffset(months=months) - pd.Timedelta(days=1)).date()
    return start, end


def _today(wh: Warehouse) -> date:
    return datetime.now(ZoneInfo(wh.settings.timezone)).date()


def deals_as_of(compiler: Compiler, cut: datetime, t: ibis.Table | None = None) -> pd.DataFrame:
    """Every deal created before `cut` (of `t`, the scoped opportunities by default) as it
    stood then: stage, amount, open or closed, won."""
    wh = compiler.wh
    if t is None:
        t = compiler.model_rows("opportunities")
        t = t.mutate(_group=ibis.literal(""))
    moment = ibis.literal(cut)
    t = t.filter(t.created_at < moment)
    h = wh.table("opportunity_stage_history")
    h = h.filter(h.entered_at < moment)
    latest = ibis.row_number().over(group_by=h.opportunity_id, order_by=ibis.desc(h.entered_at))
    h = h.mutate(n=latest)
    last = h.filter(h.n == 0).select(h_id=h.opportunity_id, stage_then=h.stage,
                                     amount_then=h.amount)
    t = t.left_join(last, t.opportunity_id == last.h_id)
    closed_before = t.closed_at.notnull() & (t.closed_at < moment)
    rows = wh.execute(t.select(
        "opportunity_id", "_group", "stage", "stage_then", "is_won", "forecast_category",
        "closed_at",
        "expected_close_date", amount=t.amount.cast("float64"),
        amount_then=t.amount_then.cast("float64"), closed_then=closed_before))
    settings = wh.settings
    open_names = [s.name for s in settings.stages if s.kind == "open"]
    then = rows["stage_then"].where(rows["stage_then"].isin(open_names))
    now = rows["stage"].where(rows["stage"].isin(open_names), open_names[0])
    rows["stage_at"] = np.where(rows["closed_then"],
                                np.where(rows["is_won"], settings.won_stage.name,
                                         settings.lost_stage.name),
                                then.fillna(now))
    rows["amount_at"] = rows["amount_then"].fillna(rows["amount"])
    return rows


def learned_probabilities(compiler: Compiler, cut: datetime) -> dict[str, float]:
    """Per open stage: of the deals closed before `cut` that reached it, the share won."""
    wh = compiler.wh
    opens = [s.name for s in wh.settings.stages if s.kind == "open"]
    rank = {name: i for i, name in enumerate(opens)}
    t = compiler.model_rows("opportunities")
    closed = t.filter(t.closed_at.notnull() & (t.closed_at < ibis.literal(cut)))
    h = wh.table("opportunity_stage_history")
    h = h.filter(h.stage.isin(opens))
    h = h.inner_join(closed.select(c_id=closed.opportunity_id, won=closed.is_won),
                     h.opportunity_id == closed.opportunity_id)
    rows = wh.execute(h.select("opportunity_id", "stage", "won"))
    if rows.empty:
        return {}
    rows["rank"] = rows["stage"].map(rank)
    top = rows.groupby("opportunity_id").agg(top=("rank", "max"), won=("won", "first"))
    top["top"] = np.where(top["won"], len(opens), top["top"])
    return {name: float(top.loc[top["top"] >= k, "won"].mean())
            for name, k in rank.items() if (top["top"] >= k).any()}


def _monthly_won(compiler: Compiler, cut: datetime) -> pd.Series:
    t = compiler.model_rows("opportunities")
    won = t.filter(t.is_won & t.closed_at.notnull() & (t.closed_at < ibis.literal(cut)))
    month = compiler.ctx.local(won.closed_at).truncate("M").date()
    frame = compiler.wh.execute(won.group_by(month=month).aggregate(
        amount=won.amount.cast("float64").sum()))
    series = frame.set_index(pd.to_datetime(frame["month"]))["amount"].sort_index()
    return series


def _time_series(history: pd.Series, months: list[pd.Timestamp]) -> pd.DataFrame | None:
    """AutoETS forecast (with 80% intervals) of `months` from the monthly `history`."""
    if len(history) < MIN_MONTHS or not months:
        return None
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    index = pd.date_range(history.index.min(), months[0] - pd.DateOffset(months=1), freq="MS")
    y = history.reindex(index, fill_value=0.0)
    if len(y) < MIN_MONTHS:
        return None
    frame = pd.DataFrame({"unique_id": "bookings", "ds": y.index, "y": y.to_numpy()})
    model = StatsForecast(models=[AutoETS(season_length=1)], freq="MS")
    try:
        out = model.forecast(df=frame, h=len(months), level=[80])
    except (NotImplementedError, ValueError):     # too little or too flat a history to fit
        return None
    out = out.set_index("ds").reindex(months)
    return pd.DataFrame({"forecast": out["AutoETS"], "lo80": out["AutoETS-lo-80"],
                         "hi80": out["AutoETS-hi-80"]}).clip(lower=0.0)


def forecast(wh: Warehouse, request: ForecastRequest, scope: Scope | None = None,
             catalog: Catalog | None = None) -> ForecastResult:
    scope = scope or Scope.everything()
    day = request.as_of or _today(wh)
    zone = wh.settings.timezone
    cut = instant(day, zone)
    start, end = period_bounds(day, request.period)
    compiler = Compiler(wh, catalog or Catalog.load(wh.settings.workspace), scope, as_of=cut)
    deals = deals_as_of(compiler, cut)
    start_at = pd.Timestamp(instant(start, zone))
    won_mask = deals["closed_then"] & deals["is_won"] & (deals["closed_at"] >= start_at)
    won_to_date = float(deals.loc[won_mask, "amount"].sum())
    expected = pd.to_datetime(deals["expected_close_date"])
    closing = ~deals["closed_then"] & expected.notna() & (expected <= pd.Timestamp(end))
    open_deals = deals[closing].copy()
    configured = {s.name: s.probability for s in wh.settings.stages}
    learned = learned_probabilities(compiler, cut)
    open_deals["p"] = open_deals["stage_at"].map(configured).fillna(0.0)
    open_deals["p_learned"] = open_deals["stage_at"].map(learned).fillna(open_deals["p"])
    open_deals["weighted"] = open_deals["amount_at"] * open_deals["p"]
    open_deals["weighted_learned"] = open_deals["amount_at"] * open_deals["p_learned"]
    stages = [StageRow(stage=name, opportunities=int(len(g)), amount=float(g["amount_at"].sum()),
                       probability=configured[name], learned_probability=learned.get(name),
                       weighted=float(g["weighted"].sum()),
                       weighted_learned=float(g["weighted_learned"].sum()))
              for name, g in open_deals.groupby("stage_at", sort=False)]
    order = {s.name: i for i, s in enumerate(wh.settings.stages)}
    stages.sort(key=lambda r: order.get(r.stage, 99))
    # forecast categories are kept only as they are now: shown for a forecast as of today
    categories = [CategoryRow(forecast_category=None if pd.isna(c) else c,
                              opportunities=int(len(g)), amount=float(g["amount_at"].sum()),
                              weighted=float(g["weighted"].sum()))
                  for c, g in open_deals.groupby("forecast_category", dropna=False)
                  ] if day >= _today(wh) else []
    history = _monthly_won(compiler, cut)
    months = list(pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="MS"))
    current = pd.Timestamp(date(day.year, day.month, 1))
    ahead = [m for m in months if m >= current]
    predicted = _time_series(history[history.index < current], ahead)
    month_rows, ts, lo, hi = [], won_to_date, won_to_date, won_to_date
    for m in months:
        actual = float(history.get(m, 0.0)) if m <= current else None
        row = MonthRow(month=label(m.date(), "month"), actual=actual)
        if predicted is not None and m in predicted.index:
            f = predicted.loc[m]
            row.forecast, row.lo80, row.hi80 = (float(f["forecast"]), float(f["lo80"]),
                                                float(f["hi80"]))
            done = actual or 0.0
            ts += max(row.forecast - done, 0.0)
            lo += max(row.lo80 - done, 0.0)
            hi += max(row.hi80 - done, 0.0)
        month_rows.append(row)
    methods = [
        MethodFigure(method="stage_weighted",
                     forecast=won_to_date + float(open_deals["weighted"].sum())),
        MethodFigure(method="learned",
                     forecast=won_to_date + float(open_deals["weighted_learned"].sum())),
        MethodFigure(method="time_series", forecast=ts if predicted is not None else None,
                     lo80=lo if predicted is not None else None,
                     hi80=hi if predicted is not None else None),
    ]
    return ForecastResult(
        as_of=day, period=label(start, request.period), period_start=start, period_end=end,
        won_to_date=won_to_date, open_pipeline=float(open_deals["amount_at"].sum()),
        methods=methods, stages=stages, categories=categories, months=month_rows,
        scope=scope.describe())


# -- snapshots and accuracy ------------------------------------------------------------------
def save_snapshot(wh: Warehouse, result: ForecastResult) -> int:
    """Store what each method said (replacing that day's snapshot of the period)."""
    table = wh.table(FORECAST_SNAPSHOTS_TABLE)
    now = datetime.now(UTC)
    rows = pd.DataFrame([{
        "snapshot_date": result.as_of, "period": result.period,
        "period_start": result.period_start, "period_end": result.period_end,
        "method": m.method, "forecast": m.forecast, "won_to_date": result.won_to_date,
        "open_pipeline": result.open_pipeline, "lo80": m.lo80, "hi80": m.hi80,
        "created_at": now} for m in result.methods if m.forecast is not None])
    same_day = sge.and_(
        sge.EQ(this=sge.column("snapshot_date", quoted=True),
               expression=sge.cast(sge.Literal.string(result.as_of.isoformat()), "DATE")),
        sge.EQ(this=sge.column("period", quoted=True),
               expression=sge.Literal.string(result.period)))
    with wh.transaction():
        wh.run_statement(sge.Delete(this=sge.table_(FORECAST_SNAPSHOTS_TABLE, quoted=True),
                                    where=sge.Where(this=same_day)))
        if len(rows):
            wh.append(FORECAST_SNAPSHOTS_TABLE, ibis.memtable(rows, schema=table.schema()))
    return len(rows)


def backfill(wh: Warehouse, date_from: date, date_to: date, every_days: int = 7,
             period: Literal["month", "quarter"] = "quarter") -> int:
    """Snapshots for past days, each from the data as it stood on that day."""
    day, written = date_from, 0
    catalog = Catalog.load(wh.settings.workspace)
    while day <= date_to:
        written += save_snapshot(wh, forecast(wh, ForecastRequest(as_of=day, period=period),
                                              catalog=catalog))
        day += timedelta(days=every_days)
    return written


class AccuracyRow(BaseModel):
    method: str
    snapshots: int
    mape: float | None
    bias: float | None


class AccuracyReport(BaseModel):
    methods: list[AccuracyRow]
    snapshots: list[dict]


def forecast_accuracy(wh: Warehouse, as_of: date | None = None) -> AccuracyReport:
    """Each snapshot of a period that ended before `as_of` against what was won in the period:
    error = forecast − actual; MAPE = mean |error| / actual; bias = mean error / actual."""
    as_of = as_of or _today(wh)
    snaps = wh.execute(wh.table(FORECAST_SNAPSHOTS_TABLE))
    snaps = snaps[pd.to_datetime(snaps["period_end"]).dt.date < as_of]
    if snaps.empty:
        return AccuracyReport(methods=[], snapshots=[])
    compiler = Compiler(wh, Catalog.load(wh.settings.workspace), Scope.everything())
    t = compiler.model_rows("opportunities")
    won = wh.execute(t.filter(t.is_won & t.closed_at.notnull()).select(
        "closed_at", amount=t.amount.cast("float64")))
    local = won["closed_at"].dt.tz_convert(wh.settings.timezone).dt.date
    bounds = snaps[["period", "period_start", "period_end"]].drop_duplicates()
    actual = {p: float(won.loc[(local >= pd.Timestamp(s).date())
                               & (local <= pd.Timestamp(e).date()), "amount"].sum())
              for p, s, e in bounds.itertuples(index=False)}
    snaps = snaps.assign(actual=snaps["period"].map(actual))
    snaps["error"] = snaps["forecast"] - snaps["actual"]
    snaps["relative_error"] = snaps["error"] / snaps["actual"].where(snaps["actual"] != 0)
    rows = [AccuracyRow(method=m, snapshots=int(len(g)),
                        mape=_mean(g["relative_error"].abs()), bias=_mean(g["relative_error"]))
            for m, g in snaps.groupby("method")]
    listed = snaps.sort_values(["snapshot_date", "method"])[
        ["snapshot_date", "period", "method", "forecast", "actual", "error", "relative_error"]]
    records = [{k: (None if isinstance(v, float) and np.isnan(v) else
                    v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
               for r in listed.to_dict("records")]
    return AccuracyReport(methods=rows, snapshots=records)


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None


@refresh_step(FORECAST_SNAPSHOTS_TABLE)
def snapshot_today(wh: Warehouse) -> None:
    """Each refresh stores the day's forecast of the current quarter."""
    save_snapshot(wh, forecast(wh, ForecastRequest()))


def warm_up() -> None:
    """Load the time-series model and compile its numeric kernels on a made-up history, so
    that the first forecast a user asks for does not pay for it (seconds on a small machine;
    `revlens serve` calls it in the background when it starts)."""
    months = pd.date_range("2000-01-01", periods=MIN_MONTHS + 6, freq="MS")
    history = pd.Series([100.0 + (i % 5) * 10 for i in range(len(months))], index=months)
    _time_series(history, list(pd.date_range(months[-1] + pd.DateOffset(months=1), periods=3,
                                             freq="MS")))
