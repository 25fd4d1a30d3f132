"""The attribution runners: typed request in, typed response out.

`attribution_report` (credits grouped by a dimension, with sourced/influenced amounts and spend
efficiency), `compare_models`, `path_report` and `explain_conversion` are what the CLI, the
REST API and the tests call alike. They hold no formatting; `AttributionRow.as_record` gives
the JSON/CSV record of a row (the group key under the dimension's name).

Row-level scope: each runner takes `owner_ids` (a user's `revlens.metrics.scope.Scope.
owner_ids`; None = everything). Then only the conversions those staff own count (the lead's
owner for lead conversions, the opportunity's for opportunity conversions — as in the metric
layer's `credits` model), Markov and Shapley learn from those journeys only, and spend is that
of the campaigns they own (marketing spend belongs to the campaign's owner).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import ibis
from pydantic import BaseModel, Field

from revlens.attribution.config import DEFAULT_WINDOW_DAYS
from revlens.attribution.dimensions import credit_key, dimension
from revlens.attribution.engine import (
    DATA_DRIVEN,
    MODEL_NAMES,
    Scope,
    channel_model,
    in_scratch_scope,
    materialised,
    resolve,
    touch_credits,
)
from revlens.attribution.journeys import conversions_in
from revlens.attribution.markov import ChannelModelResult
from revlens.attribution.specs import ModelSpec
from revlens.attribution.spend import spend_by
from revlens.warehouse import Warehouse

ConversionName = Literal["lead_created", "mql", "sql", "opportunity_created", "won"]
DimensionName = Literal["channel", "platform", "campaign", "content", "keyword", "team",
                        "period"]


class AttributionRequest(BaseModel):
    """Which conversions, which model, grouped how, over which period."""

    model: str = Field("linear", description="model name, or custom:NAME[@VERSION]")
    conversion: ConversionName = "opportunity_created"
    by: DimensionName = "channel"
    window_days: int = Field(DEFAULT_WINDOW_DAYS, ge=1, le=3650)
    date_from: date | None = Field(None, description="first day (workspace time zone)")
    date_to: date | None = Field(None, description="last day, inclusive")
    weights: dict[str, float] | None = None
    half_life_days: float = Field(7.0, gt=0)
    order: int = Field(1, ge=1, le=4)

    def spec(self, model: str | None = None) -> ModelSpec:
        return ModelSpec(model=model or self.model, weights=self.weights if model is None
                         else None, half_life_days=self.half_life_days, order=self.order)

    def scope(self, zone: str, owner_ids: frozenset[str] | None = None) -> Scope:
        tz = ZoneInfo(zone)

        def instant(day: date | None) -> datetime | None:
            if day is None:
                return None
            return datetime.combine(day, time(), tz).astimezone(UTC)

        end = None if self.date_to is None else instant(self.date_to + timedelta(days=1))
        return Scope(self.conversion, self.window_days, instant(self.date_from), end,
                     owner_ids=owner_ids)


class AttributionRow(BaseModel):
    """One group. `conversions` and `amount` are credited (fractional) under the model;
    sourced_* go to the group of each conversion's first touch (or its lead source when it has
    no touch), influenced_* to every group with at least one touch in the journey (in full)."""

    key: str | None
    conversions: float
    amount: float
    sourced_conversions: float
    sourced_amount: float
    influenced_conversions: float
    influenced_amount: float
    spend: float | None = None
    cost_per_conversion: float | None = None
    cac: float | None = None
    roas: float | None = None
    roi: float | None = None

    def as_record(self, by: str) -> dict[str, object]:
        record = {by: self.key, **self.model_dump(exclude={"key"})}
        if self.spend is None:
            for name in ("spend", "cost_per_conversion", "cac", "roas", "roi"):
                record.pop(name)
        return record


class AttributionReport(BaseModel):
    request: AttributionRequest
    model: str
    rows: list[AttributionRow]
    total_conversions: float
    total_amount: float
    total_spend: float | None
    channel_model: ChannelModelResult | None = Field(
        None, description="markov/shapley: each channel's removal effect or Shapley value, "
                          "whether it is exact, and (sampled Shapley) its standard error")


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return None if top is None or not bottom else top / bottom


def _grouped(expr: ibis.Table, **metrics) -> dict[str | None, dict[str, float]]:
    return {r.pop("key"): r for r in expr.group_by("key").aggregate(**metrics)
            .to_pyarrow().to_pylist()}


SHAPED = ("conversion_id", "amount", "new_customer", "channel", "campaign_id", "content_id",
          "keyword", "converted_at")


def untouched(wh: Warehouse, journey: ibis.Table, scope: Scope) -> ibis.Table:
    """Conversions in scope without a touch in their window, shaped like touches: their
    lead source stands in for the touch (channel, campaign)."""
    convs = conversions_in(wh, scope.conversion_type, scope.start, scope.end, scope.owner_ids)
    rest = convs.anti_join(journey.select("conversion_id").distinct(), "conversion_id")
    return rest.select("conversion_id", "amount", "new_customer", channel=rest.source_channel,
                       campaign_id=rest.source_campaign_id, content_id=ibis.null("string"),
                       keyword=ibis.null("string"), converted_at=rest.converted_at)


def sourced_touches(wh: Warehouse, journey: ibis.Table, scope: Scope) -> ibis.Table:
    """Per conversion, the row that sources it: its first touch, else its lead source."""
    first = journey.filter(journey.pos == 1).select(*SHAPED)
    return ibis.union(first, untouched(wh, journey, scope), distinct=False)


def credited(wh: Warehouse, spec: ModelSpec, scope: Scope, journey: ibis.Table,
             by: str, channels: ChannelModelResult | None = None) -> ibis.Table:
    """Touch credits under `spec`, plus credit 1 to the lead source of each conversion that
    has no touch (so a report's conversions add up to every conversion), keyed by `by`."""
    touches = touch_credits(wh, spec, scope, journey, channels).select(
        *SHAPED, "credit", "amount_credit")
    rest = untouched(wh, journey, scope)
    rest = rest.mutate(credit=ibis.literal(1.0), amount_credit=rest.amount)
    return credit_key(wh, ibis.union(touches, rest, distinct=False), by)


@in_scratch_scope
def attribution_report(wh: Warehouse, request: AttributionRequest,
                       owner_ids: frozenset[str] | None = None) -> AttributionReport:
    """Credits of one model grouped by one dimension, with spend efficiency, of the
    conversions `owner_ids` own (None: all)."""
    spec = resolve(wh, request.spec())
    scope = request.scope(wh.settings.timezone, owner_ids)
    with materialised(wh, scope.journeys(wh)) as journey:
        return _report(wh, request, spec, scope, journey)


def _report(wh: Warehouse, request: AttributionRequest, spec: ModelSpec, scope: Scope,
            journey: ibis.Table) -> AttributionReport:
    channels = channel_model(wh, spec, scope) if spec.model in DATA_DRIVEN else None
    credits = credited(wh, spec, scope, journey, request.by, channels)
    by_key = _grouped(credits, conversions=credits.credit.sum(),
                        amount=credits.amount_credit.sum(),
                        new=(credits.credit * credits.new_customer.cast("float64")).sum())
    sourced = credit_key(wh, sourced_touches(wh, journey, scope), request.by)
    sourced_g = _grouped(sourced, n=sourced.conversion_id.count(), amount=sourced.amount.sum())
    keyed = credit_key(wh, journey, request.by)
    touched = keyed.select("key", "conversion_id", "amount").distinct()
    influenced_g = _grouped(touched, n=touched.conversion_id.count(),
                            amount=touched.amount.sum())
    has_spend = dimension(request.by).has_spend
    spend = _grouped(spend_by(wh, request.by, request.date_from, request.date_to,
                              scope.owner_ids),
                     spend=ibis._.spend.sum()) if has_spend else {}
    keys = set(by_key) | set(sourced_g) | set(influenced_g) | set(spend)
    rows = [_row(k, by_key.get(k, {}), sourced_g.get(k, {}), influenced_g.get(k, {}),
                 spend.get(k, {}).get("spend") if has_spend else None,
                 request.conversion == "won") for k in keys]
    rows.sort(key=lambda r: (-r.amount, -r.conversions, str(r.key)))
    total_spend = sum(r.spend or 0.0 for r in rows) if has_spend else None
    return AttributionReport(request=request, model=_label(spec), rows=rows,
                             total_conversions=sum(r.conversions for r in rows),
                             total_amount=sum(r.amount for r in rows), total_spend=total_spend,
                             channel_model=channels)


def _label(spec: ModelSpec) -> str:
    return f"{spec.model.split('@')[0]}@{spec.version}" if spec.is_custom else spec.model


def _row(key, credits: dict, sourced: dict, influenced: dict, spend: float | None,
         won: bool) -> AttributionRow:
    conversions = credits.get("conversions") or 0.0
    amount = credits.get("amount") or 0.0
    spend = None if spend is None else float(spend)
    return AttributionRow(
        key=key, conversions=conversions, amount=amount,
        sourced_conversions=sourced.get("n") or 0, sourced_amount=sourced.get("amount") or 0.0,
        influenced_conversions=influenced.get("n") or 0,
        influenced_amount=influenced.get("amount") or 0.0, spend=spend,
        cost_per_conversion=_ratio(spend, conversions),
        cac=_ratio(spend, credits.get("new") or 0.0) if won else None,
        roas=_ratio(amount, spend),
        roi=None if not spend else (amount - spend) / spend)


class ModelColumn(BaseModel):
    conversions: float
    amount: float


class CompareRow(BaseModel):
    key: str | None
    models: dict[str, ModelColumn]


class CompareReport(BaseModel):
    conversion: str
    by: str
    models: list[str]
    rows: list[CompareRow]


@in_scratch_scope
def compare_models(wh: Warehouse, request: AttributionRequest,
                   models: list[str] | None = None,
                   owner_ids: frozenset[str] | None = None) -> CompareReport:
    """Every model (or `models`) side by side, grouped by the request's dimension, over the
    conversions `owner_ids` own (None: all)."""
    models = models or MODEL_NAMES
    scope = request.scope(wh.settings.timezone, owner_ids)
    table: dict[str | None, dict[str, ModelColumn]] = {}
    with materialised(wh, scope.journeys(wh)) as journey:
        for name in models:
            spec = request.spec(name) if name != request.model else request.spec()
            credits = credited(wh, spec, scope, journey, request.by)
            for key, m in _grouped(credits, conversions=credits.credit.sum(),
                                   amount=credits.amount_credit.sum()).items():
                table.setdefault(key, {})[name] = ModelColumn(**m)
    rows = [CompareRow(key=k, models={m: v.get(m, ModelColumn(conversions=0, amount=0))
                                      for m in models}) for k, v in table.items()]
    rows.sort(key=lambda r: str(r.key))
    return CompareReport(conversion=request.conversion, by=request.by, models=models,
                         rows=rows)
