"""Named analyses a tile can show where the metric catalog has no metric grouped by dimensions:
funnels (conversion, days and stalls per stage, win rate from each stage), stalled deals, the
forecast and its accuracy, the lead pool and customer cohorts.

Each is a small function from an `AnalysisRequest` to an `AnalysisOutput` — rows keyed by its
dimensions and its columns, as metric tiles' rows are — registered with `@analysis_of(...)`
with its output columns (label and format), the chart kinds it suits, the base records whose
dimensions it can be filtered by, and the parameters a tile may set or switch. They call the
insight runners of `revlens.analytics`, within the caller's scope, through the result cache
(`revlens.metrics.cache`): what a runner returns is language-free; the analysis labels it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from revlens.analytics.customers import CohortRequest, cohort_retention
from revlens.analytics.forecast import ForecastRequest, forecast, forecast_accuracy, period_bounds
from revlens.analytics.funnels import (
    LEAD_STEPS,
    FunnelRequest,
    funnel,
    funnel_records,
    stalled_deals,
)
from revlens.analytics.lead_pool import LeadPoolRequest, kept_lead_pool
from revlens.dashboards.exceptions import DashboardError
from revlens.dashboards.names import value_labels
from revlens.metrics.cache import cached, cached_query
from revlens.metrics.catalog import Catalog, Text
from revlens.metrics.dimensions import GRAINS
from revlens.metrics.periods import instant
from revlens.metrics.query import DrillResult, Filter, MetricInfo, MetricQuery
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse


@dataclass(frozen=True)
class AnalysisRequest:
    wh: Warehouse
    scope: Scope
    catalog: Catalog
    filters: list[Filter]
    date_from: date | None
    date_to: date | None
    params: dict[str, str]
    locale: str = "zh-CN"
    limit: int | None = None
    pii: bool = False


class AnalysisOutput(BaseModel):
    dimensions: list[str]
    rows: list[dict[str, Any]]
    value_labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Column:
    id: str
    label: Text
    format: str
    direction: str = "higher"

    def info(self, locale: str) -> MetricInfo:
        return MetricInfo(id=self.id, label=self.label.get(locale), format=self.format,
                          direction=self.direction)


@dataclass(frozen=True)
class Analysis:
    id: str
    label: Text
    description: Text
    kinds: tuple[str, ...]
    columns: tuple[Column, ...]
    run: Callable[[AnalysisRequest], AnalysisOutput]
    records: str | None = None       # the metric whose dimensions filters may use
    params: dict[str, tuple[str, ...]] = field(default_factory=dict)  # () = a dimension
    whole_company: bool = False      # measured for everyone: not in a restricted scope
    drill: Callable[[AnalysisRequest, dict, int, int], DrillResult] | None = None

    def filterable(self, catalog: Catalog) -> list[str]:
        if self.records is None:
            return []
        return [d for d in catalog.dimensions(self.records) if d not in GRAINS]

    def column(self, column_id: str) -> Column:
        for c in self.columns:
            if c.id == column_id:
                return c
        raise DashboardError(f"analysis {self.id!r} has no column {column_id!r}; its "
                             f"columns: {', '.join(c.id for c in self.columns)}")

    def check_params(self, params: dict[str, str], catalog: Catalog, tile: str) -> None:
        for name, value in params.items():
            if name not in self.params:
                raise DashboardError(f"analysis {self.id!r} takes no parameter {name!r}; its "
                                     f"parameters: {', '.join(self.params) or 'none'}", tile)
            allowed = self.params[name] or tuple(self.filterable(catalog))
            if value not in allowed:
                raise DashboardError(f"{value!r} is not a value of {self.id}'s parameter "
                                     f"{name}; choose one of: {', '.join(allowed)}", tile)


ANALYSES: dict[str, Analysis] = {}


def analysis_of(id: str, label: Text, description: Text, kinds: tuple[str, ...],
                columns: tuple[Column, ...], **options: Any) -> Callable:
    def register(fn: Callable[[AnalysisRequest], AnalysisOutput]) -> Callable:
        ANALYSES[id] = Analysis(id, label, description, kinds, columns, fn, **options)
        return fn
    return register


def analysis(name: str) -> Analysis:
    if name not in ANALYSES:
        raise DashboardError(f"unknown analysis {name!r}; analyses: {', '.join(ANALYSES)}")
    return ANALYSES[name]


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


def _moment(request: AnalysisRequest) -> date:
    """The day an as-of analysis looks from: the period's last day, at most today."""
    today = datetime.now(ZoneInfo(request.wh.settings.timezone)).date()
    return min(request.date_to, today) if request.date_to else today


# -- funnels -----------------------------------------------------------------------------------
COUNT = Column("count", _t("数量", "Count"), "count")
STEP = Column("conversion_from_previous", _t("环节转化率", "Step conversion"), "percent")
OVERALL = Column("conversion_from_first", _t("累计转化率", "Overall conversion"), "percent")
DROP = Column("drop_off", _t("流失数", "Dropped"), "count", "lower")
LEAD_STEP_EN = {"new": "New", "contacted": "Contacted", "mql": "MQL", "sql": "SQL",
                "opportunity": "Opportunity", "won": "Won"}
LEAD_STEP_ZH = {"new": "新线索", "contacted": "已联系", "mql": "MQL", "sql": "SQL",
                "opportunity": "商机", "won": "赢单"}


def _funnel_request(request: AnalysisRequest, kind: str) -> FunnelRequest:
    return FunnelRequest(kind=kind, by=request.params.get("by"), filters=request.filters,
                         date_from=request.date_from, date_to=request.date_to)


def _kept(request: AnalysisRequest, what: str, key: Any, compute: Callable[[], Any], *,
          scope: bool = True, pii: bool = False) -> Any:
    """`compute()` through the result cache (`revlens.metrics.cache`), in the request's scope
    (or, `scope=False`, measured for the whole company)."""
    return cached(request.wh, what, key, compute, scope=request.scope if scope else None,
                  pii=pii, catalog=request.catalog)


def _funnel_output(request: AnalysisRequest, kind: str) -> AnalysisOutput:
    asked = _funnel_request(request, kind)
    result = _kept(request, "analytics.funnel", asked,
                   lambda: funnel(request.wh, asked, request.scope, request.catalog))
    by = request.params.get("by")
    rows = [s.as_record(by) for s in result.steps]
    for row in rows:
        row.pop("label", None)
    dims = ["stage", *([by] if by else [])]
    labels = value_labels(request.wh, rows, [by] if by else [], request.locale)
    if kind == "leads":
        names = LEAD_STEP_ZH if request.locale == "zh-CN" else LEAD_STEP_EN
        labels["stage"] = {s: names[s] for s in LEAD_STEPS}
    else:
        labels.update(value_labels(request.wh, rows, ["stage"], request.locale))
    return AnalysisOutput(dimensions=dims, rows=rows, value_labels=labels)


def _funnel_drill(kind: str) -> Callable[[AnalysisRequest, dict, int, int], DrillResult]:
    def drill(request: AnalysisRequest, where: dict, limit: int, offset: int) -> DrillResult:
        if "stage" not in where:
            raise DashboardError("say which step to list: where = {stage: ...}")
        by = request.params.get("by")
        return funnel_records(request.wh, _funnel_request(request, kind), str(where["stage"]),
                              group=where.get(by) if by else None, scope=request.scope,
                              catalog=request.catalog, limit=limit)
    return drill


@analysis_of("lead_funnel", _t("线索漏斗", "Lead funnel"),
             _t("期间内新建的线索逐步走到新线索→已联系→MQL→SQL→商机→赢单的数量与转化率。",
                "The period's new leads step by step: new, contacted, MQL, SQL, opportunity, "
                "won, with conversion between steps."),
             kinds=("funnel", "bar", "table"), columns=(COUNT, STEP, OVERALL, DROP),
             records="leads", params={"by": ()}, drill=_funnel_drill("leads"))
def lead_funnel(request: AnalysisRequest) -> AnalysisOutput:
    return _funnel_output(request, "leads")


@analysis_of("pipeline_funnel", _t("商机阶段漏斗", "Pipeline funnel"),
             _t("期间内新建的商机逐阶段的数量、转化率、停留天数、停滞数与从该阶段起的赢单率。",
                "The period's new opportunities stage by stage: counts, conversion, days in "
                "the stage, stalls and the win rate from the stage."),
             kinds=("funnel", "bar", "table", "heatmap"),
             columns=(COUNT, STEP, OVERALL, DROP,
                      Column("median_days", _t("阶段停留天数（中位数）", "Median days in stage"),
                             "days", "lower"),
                      Column("mean_days", _t("阶段停留天数（平均）", "Mean days in stage"),
                             "days", "lower"),
                      Column("stalled", _t("停滞商机数", "Stalled deals"), "count", "lower"),
                      Column("win_probability", _t("阶段赢单率", "Win rate from stage"),
                             "percent")),
             records="opportunities_created", params={"by": ()},
             drill=_funnel_drill("pipeline"))
def pipeline_funnel(request: AnalysisRequest) -> AnalysisOutput:
    return _funnel_output(request, "pipeline")


@analysis_of("stalled_deals", _t("停滞商机", "Stalled deals"),
             _t("期末仍未关闭、在当前阶段停留超过该阶段 75% 已完成停留时长的商机。",
                "Deals open at the period's end that have sat in their stage longer than 75% "
                "of the completed stays in it."),
             kinds=("table",),
             columns=(Column("name", _t("商机", "Opportunity"), "text"),
                      Column("days_in_stage", _t("已停留天数", "Days in stage"), "days",
                             "lower"),
                      Column("typical_days", _t("通常停留天数", "Typical days"), "days",
                             "neutral"),
                      Column("amount", _t("金额", "Amount"), "currency")),
             records="opportunities_created")
def stalled(request: AnalysisRequest) -> AnalysisOutput:
    asked, limit = _funnel_request(request, "pipeline"), request.limit or 100
    deals = _kept(request, "analytics.stalled_deals", (asked, limit),
                  lambda: stalled_deals(request.wh, asked, request.scope, request.catalog,
                                        limit=limit))
    rows = [{"opportunity_id": d.opportunity_id, "stage": d.stage, "owner": d.owner_id,
             "name": d.name, "days_in_stage": d.days_in_stage, "typical_days": d.typical_days,
             "amount": d.amount} for d in deals]
    return AnalysisOutput(dimensions=["opportunity_id", "stage", "owner"], rows=rows,
                          value_labels=value_labels(request.wh, rows, ["stage", "owner"],
                                                    request.locale))


# -- forecast ----------------------------------------------------------------------------------
METHODS = {"won_to_date": ("已赢单", "Won to date"),
           "stage_weighted": ("阶段加权预测", "Stage-weighted forecast"),
           "learned": ("历史赢率预测", "Learned-probability forecast"),
           "time_series": ("时间序列预测", "Time-series forecast"),
           "target": ("合同额目标", "Bookings target")}


@analysis_of("forecast", _t("本季度预测", "Forecast of the period"),
             _t("截至期末（最晚今天）所在季度（或月）的合同额预测：已赢单、阶段加权、历史赢率、时间序列，"
                "与目标对比。",
                "Bookings forecast of the quarter (or month) containing the period's end (at "
                "most today): won to date, stage weighted, learned, time series, against the "
                "target."),
             kinds=("bar", "table", "kpi"),
             columns=(Column("amount", _t("金额", "Amount"), "currency"),
                      Column("lo80", _t("80% 下限", "80% low"), "currency", "neutral"),
                      Column("hi80", _t("80% 上限", "80% high"), "currency", "neutral")),
             params={"period": ("quarter", "month")})
def forecast_tile(request: AnalysisRequest) -> AnalysisOutput:
    day = _moment(request)
    period = request.params.get("period", "quarter")
    asked = ForecastRequest(as_of=day, period=period)
    result = _kept(request, "analytics.forecast", asked,
                   lambda: forecast(request.wh, asked, request.scope, request.catalog))
    rows = [{"method": "won_to_date", "amount": result.won_to_date}]
    rows += [{"method": m.method, "amount": m.forecast, "lo80": m.lo80, "hi80": m.hi80}
             for m in result.methods if m.forecast is not None]
    start, end = period_bounds(day, period)
    target = cached_query(request.wh, MetricQuery(metrics=["bookings_target"],
                                                  date_from=start, date_to=end),
                          request.scope, request.catalog)
    rows.append({"method": "target", "amount": target.rows[0]["bookings_target"]
                 if target.rows else None})
    i = 0 if request.locale == "zh-CN" else 1
    note = (f"{result.period}，截至 {day}" if i == 0 else f"{result.period} as of {day}")
    return AnalysisOutput(dimensions=["method"], rows=rows, notes=[note],
                          value_labels={"method": {k: v[i] for k, v in METHODS.items()}})


@analysis_of("forecast_accuracy", _t("预测准确度", "Forecast accuracy"),
             _t("已结束期间的历次预测快照与实际赢单金额相比的平均绝对百分比误差（MAPE）与偏差。",
                "Past forecast snapshots of ended periods against what was won: mean absolute "
                "percentage error (MAPE) and bias."),
             kinds=("table", "bar"),
             columns=(Column("mape", _t("平均绝对误差率", "MAPE"), "percent", "lower"),
                      Column("bias", _t("偏差", "Bias"), "percent", "neutral"),
                      Column("snapshots", _t("快照数", "Snapshots"), "count", "neutral")),
             whole_company=True)
def accuracy(request: AnalysisRequest) -> AnalysisOutput:
    until = _moment(request) + timedelta(days=1)
    report = _kept(request, "analytics.forecast_accuracy", until,
                   lambda: forecast_accuracy(request.wh, until), scope=False)
    rows = [{"method": r.method, "mape": r.mape, "bias": r.bias, "snapshots": r.snapshots}
            for r in report.methods]
    i = 0 if request.locale == "zh-CN" else 1
    notes = [] if rows else [
        ("还没有已结束期间的预测快照：每次 revlens refresh 记录当天的预测，"
         "或运行 revlens forecast backfill 补记过去的预测。") if i == 0 else
        ("No forecast snapshot of an ended period yet: each revlens refresh records the day's "
         "forecast, and revlens forecast backfill records past ones.")]
    return AnalysisOutput(dimensions=["method"], rows=rows, notes=notes,
                          value_labels={"method": {k: v[i] for k, v in METHODS.items()}})


# -- leads and customers -----------------------------------------------------------------------
@analysis_of("lead_pool", _t("线索池", "Lead pool"),
             _t("仍未关闭的线索：状态、账龄、负责人、最后跟进时间，未跟进最久的在前。",
                "Leads still open: status, age, owner and last touch, the longest untouched "
                "first."),
             kinds=("table",),
             columns=(Column("name", _t("姓名", "Name"), "text"),
                      Column("company", _t("公司", "Company"), "text"),
                      Column("email", _t("邮箱", "E-mail"), "text"),
                      Column("phone", _t("手机", "Phone"), "text"),
                      Column("created_at", _t("创建时间", "Created"), "datetime"),
                      Column("last_touch_at", _t("最后跟进", "Last touch"), "datetime"),
                      Column("age_days", _t("账龄（天）", "Age (days)"), "days", "lower"),
                      Column("idle_days", _t("未跟进天数", "Days idle"), "days", "lower"),
                      Column("follow_ups", _t("跟进次数", "Follow-ups"), "count")),
             records="leads", params={"idle_only": ("false", "true")})
def pool(request: AnalysisRequest) -> AnalysisOutput:
    now = datetime.now(UTC).replace(second=0, microsecond=0)      # as of this minute
    end = now if request.date_to is None else min(
        now, instant(request.date_to + timedelta(days=1), request.wh.settings.timezone))
    result = kept_lead_pool(request.wh, LeadPoolRequest(
        filters=request.filters, as_of=end, limit=request.limit or 50,
        idle_only=request.params.get("idle_only") == "true"),
        request.scope, request.catalog, pii=request.pii)
    rows = [{"lead_id": lead.lead_id, "status": lead.status, "owner": lead.owner_id,
             "lead_age": lead.lead_age,
             **lead.model_dump(include={"name", "company", "email", "phone", "age_days",
                                        "idle_days", "follow_ups"}),
             "created_at": lead.created_at.isoformat(),
             "last_touch_at": lead.last_touch_at.isoformat()} for lead in result.leads]
    i = 0 if request.locale == "zh-CN" else 1
    note = (f"共 {result.total} 条，其中 {result.idle} 条超过 3 天未跟进" if i == 0 else
            f"{result.total} leads, {result.idle} idle for over 3 days")
    return AnalysisOutput(dimensions=["lead_id", "status", "owner", "lead_age"], rows=rows,
                          notes=[note],
                          value_labels=value_labels(request.wh, rows,
                                                    ["status", "owner", "lead_age"],
                                                    request.locale))


@analysis_of("customer_cohorts", _t("客户留存", "Customer retention by cohort"),
             _t("按首单月份分组的客户，此后每月仍活跃（签约或合同在期）的比例与收入留存。",
                "Customers grouped by the month of their first order: the share still active "
                "(an order or a running contract) and the revenue kept, month by month."),
             kinds=("heatmap", "table"),
             columns=(Column("retention", _t("客户留存率", "Customer retention"), "percent"),
                      Column("revenue_retention", _t("收入留存率", "Revenue retention"),
                             "percent"),
                      Column("customers", _t("客户数", "Customers"), "count")),
             params={"months": tuple(str(n) for n in (3, 6, 12, 18, 24))})
def cohorts(request: AnalysisRequest) -> AnalysisOutput:
    months = int(request.params.get("months", "12"))
    asked = CohortRequest(date_from=request.date_from, date_to=request.date_to, months=months)
    report = _kept(request, "analytics.cohorts", asked,
                   lambda: cohort_retention(request.wh, asked, request.scope, request.catalog))
    rows = [{"cohort": c.cohort, "month": f"M{k}", "retention": c.retention[k],
             "revenue_retention": c.revenue_retention[k], "customers": c.customers}
            for c in report.cohorts for k in range(months + 1)]
    return AnalysisOutput(dimensions=["cohort", "month"], rows=rows)


OUTPUT_DIMENSIONS: dict[str, Text] = {
    "method": _t("方法", "Method"), "cohort": _t("首单月份", "First-order month"),
    "month": _t("首单后月份", "Month after the first order"),
    "lead_id": _t("线索", "Lead"), "opportunity_id": _t("商机", "Opportunity"),
}
"""Labels of the analyses' output dimensions that are not metric-layer dimensions."""
