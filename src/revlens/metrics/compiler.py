"""The metric compiler: a `MetricQuery` becomes one Ibis aggregate per base model and time
column, run in the warehouse; derived metrics are computed from the grouped results.

The row-level scope is applied here, to every base model, before anything is measured — the
one place no caller can skip. Invariants (tested):
- a metric gives the same number whichever other metrics or dimensions share its query;
- a group's values are those of the records `drill` lists for it.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd

from revlens.metrics.catalog import Catalog, Condition, Metric
from revlens.metrics.dimensions import DIMENSIONS, GRAINS, dimension
from revlens.metrics.exceptions import CatalogError, DimensionNotAvailable
from revlens.metrics.expressions import ExpressionError, compile_expression
from revlens.metrics.models import BaseModel, ModelContext, all_models
from revlens.metrics.periods import comparison, instant, label
from revlens.metrics.query import Filter, MetricInfo, MetricQuery, MetricResult
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse

ADDITIVE = ("count", "count_distinct", "sum")
ROWS = "_records_"      # per aggregate: the records any of its metrics measures, per group
PLAN_CACHE_SIZE = 512
PLANS: dict[tuple, list[str]] = {}
"""Compiled statements by query shape. A statement names tables, never data, so it stays
valid while the catalog, the scope and the set of stored models are the same (all in the key)."""


@dataclass(frozen=True)
class Period:
    date_from: date | None
    date_to: date | None


class Compiler:
    """Compiles metrics of one catalog for one warehouse, scope and set of parameters."""

    def __init__(self, wh: Warehouse, catalog: Catalog, scope: Scope,
                 params: dict[str, str] | None = None, as_of: datetime | None = None,
                 live: bool = False):
        self.wh, self.catalog, self.scope = wh, catalog, scope
        self.params = dict(params or {})
        self.zone = wh.settings.timezone
        self.ctx = ModelContext(wh, as_of or datetime.now(UTC), self.params, live=live)
        self.models = all_models()

    # -- the records of one simple metric --------------------------------------------------
    def records(self, metric: Metric, filters: Iterable[Filter], period: Period) -> ir.Table:
        """The base model's rows a simple metric measures: scoped, filtered by the query's
        filters and the metric's own conditions, within the period."""
        t = self.scoped(metric)
        t = self.filtered(t, metric, filters)
        t = self.in_period(t, metric, period)
        condition = self.condition(t, metric)
        return t if condition is None else t.filter(condition)

    def model_rows(self, model: str, filters: Iterable[Filter] = (),
                   period: Period | None = None) -> ir.Table:
        """Every record of base model `model` in the scope, filtered, within `period` (by the
        model's time column)."""
        return self.records(Metric.records_of(model), filters, period or Period(None, None))

    def scoped(self, metric: Metric) -> ir.Table:
        t = self.models[metric.model].table(self.ctx)
        if self.scope.restricted:
            owners = sorted(self.scope.owner_ids)
            t = t.filter(t.owner_id.isin(owners) if owners else ibis.literal(False))
        return t

    def model_of(self, metric: Metric) -> BaseModel:
        return self.models[metric.model]

    def column(self, t: ir.Table, metric: Metric, dim: str) -> ir.Value:
        """The value of dimension `dim` on `metric`'s records (a period start for grains)."""
        model = self.model_of(metric)
        if dim in GRAINS:
            if metric.snapshot:
                raise DimensionNotAvailable(metric.id, dim, list(model.dimensions))
            stamp = t[self.time_column(metric)]
            unit = dimension(dim).grain
            if stamp.type().is_timestamp():
                return self.ctx.local(stamp).truncate(unit).date()
            return stamp.truncate(unit)
        if dim not in model.dimensions:
            dimension(dim)
            raise DimensionNotAvailable(metric.id, dim,
                                        self.catalog.dimensions(metric.id))
        return t[model.dimensions[dim]]

    def time_column(self, metric: Metric) -> str:
        return metric.time or self.model_of(metric).time

    def filtered(self, t: ir.Table, metric: Metric, filters: Iterable[Filter]) -> ir.Table:
        for f in filters:
            column = self.column(t, metric, f.dimension)
            known = [v for v in f.values if v is not None]
            match = column.isin(known) if known else ibis.literal(False)
            if None in f.values:
                match = match | column.isnull()
            t = t.filter(match.fill_null(False) if f.op == "in" else ~match.fill_null(False))
        return t

    def in_period(self, t: ir.Table, metric: Metric, period: Period) -> ir.Table:
        column = t[self.time_column(metric)]
        is_stamp = column.type().is_timestamp()

        def bound(day: date) -> Any:
            return instant(day, self.zone) if is_stamp else day

        if metric.snapshot:
            if period.date_to is not None:
                t = t.filter(column < bound(period.date_to + timedelta(days=1)))
            return t
        if period.date_from is not None:
            t = t.filter(column >= bound(period.date_from))
        if period.date_to is not None:
            t = t.filter(column < bound(period.date_to + timedelta(days=1)))
        return t

    def condition(self, t: ir.Table, metric: Metric) -> ir.BooleanValue | None:
        parts = [self._condition(t, metric, c) for c in metric.measure.filters]
        if not parts:
            return None
        result = parts[0]
        for part in parts[1:]:
            result = result & part
        return result

    def _condition(self, t: ir.Table, metric: Metric, c: Condition) -> ir.BooleanValue:
        if c.column not in t.columns:
            raise CatalogError(metric.source, metric.id,
                               f"filter on unknown column {c.column!r} of model "
                               f"{metric.model}; columns: {', '.join(t.columns)}")
        column = t[c.column]
        value = self.params.get(c.param, metric.params.get(c.param)) if c.param else c.value
        ops = {"eq": lambda: column == value, "ne": lambda: column != value,
               "in": lambda: column.isin(list(value)),
               "not_in": lambda: ~column.isin(list(value)),
               "gt": lambda: column > value, "gte": lambda: column >= value,
               "lt": lambda: column < value, "lte": lambda: column <= value,
               "is_null": lambda: column.isnull(), "not_null": lambda: column.notnull()}
        return ops[c.op]().fill_null(False)

    def measure(self, t: ir.Table, metric: Metric) -> ir.Value:
        m = metric.measure
        where = self.condition(t, metric)
        if m.agg == "count" and not m.expr:
            return t.count(where=where)
        try:
            value = compile_expression(m.expr, t)
        except ExpressionError as exc:
            raise CatalogError(metric.source, metric.id, str(exc)) from None
        if m.agg == "count":
            return value.count(where=where)
        if m.agg == "count_distinct":
            return value.nunique(where=where)
        if value.type().is_boolean():
            value = value.cast("int64")
        return getattr(value, {"avg": "mean"}.get(m.agg, m.agg))(where=where)

    # -- a whole query ---------------------------------------------------------------------
    def aggregates(self, leaves: list[Metric], dims: list[str], filters: list[Filter],
                   period: Period) -> list[ir.Table]:
        """One aggregate per (model, time column): every leaf metric of the group measured
        with its own conditions as the aggregate's `where`."""
        groups: dict[tuple, list[Metric]] = {}
        for leaf in leaves:
            alone = leaf.id if leaf.measure.per else ""
            key = (leaf.model, self.time_column(leaf), leaf.snapshot, alone)
            groups.setdefault(key, []).append(leaf)
        out = []
        for i, members in enumerate(groups.values()):
            first = members[0]
            t = self.filtered(self.scoped(first), first, filters)
            t = self.in_period(t, first, period)
            keys = {d: self.column(t, first, d) for d in dims}
            if first.measure.per:
                out.append(self._per_value(t, first, keys, f"{ROWS}{i}"))
                continue
            values = {m.id: self.measure(t, m) for m in members}
            conditions = [self.condition(t, m) for m in members]
            measured = None if any(c is None for c in conditions) else \
                functools.reduce(operator.or_, conditions)
            values[f"{ROWS}{i}"] = t.count(where=measured)
            out.append(t.group_by(**keys).aggregate(**values) if keys else t.aggregate(**values))
        return out

    def _per_value(self, t: ir.Table, metric: Metric, keys: dict[str, ir.Value],
                   rows: str) -> ir.Table:
        """Each value of `per` counted once per group: the expr's largest value per (group,
        per) is what the metric aggregates (e.g. an opportunity's amount once per channel that
        touched it, however many of its touches the channel had)."""
        m = metric.measure
        condition = self.condition(t, metric)
        if condition is not None:
            t = t.filter(condition)
        try:
            value = compile_expression(m.expr, t)
        except ExpressionError as exc:
            raise CatalogError(metric.source, metric.id, str(exc)) from None
        once = t.group_by(**keys, _per=t[m.per]).aggregate(_value=value.max())
        agg = {"avg": "mean"}.get(m.agg, m.agg)
        column = once._value
        measured = column.nunique() if agg == "count_distinct" else (
            column.count() if agg == "count" else getattr(column, agg)())
        named = {metric.id: measured, rows: once.count()}
        return once.group_by(*keys).aggregate(**named) if keys else once.aggregate(**named)

    def plans(self, leaves: list[Metric], dims: list[str], filters: list[Filter],
              period: Period) -> list[str | ir.Table]:
        """The compiled statements of `aggregates`, from the plan cache when this query shape
        (metrics, dimensions, filters, period, moment, parameters, scope, catalog and the
        stored models it reads) was compiled before."""
        key = (tuple(m.model_dump_json() for m in leaves), tuple(dims),
               tuple(f.model_dump_json() for f in filters), period, self.ctx.as_of,
               tuple(sorted(self.params.items())), self.scope,
               tuple(sorted(self.ctx.materialised())), self.wh.url)
        cached = PLANS.get(key)
        if cached is None:
            exprs = self.aggregates(leaves, dims, filters, period)
            if any(e.op().find(ops.InMemoryTable) for e in exprs):
                return exprs        # in-memory tables exist only for one execution
            cached = [self.wh.compile(expr) for expr in exprs]
            if len(PLANS) >= PLAN_CACHE_SIZE:
                PLANS.pop(next(iter(PLANS)))
            PLANS[key] = cached
        return cached

    def frame(self, metrics: list[Metric], dims: list[str], filters: list[Filter],
              period: Period) -> pd.DataFrame:
        leaves = list({leaf.id: leaf for m in metrics
                       for leaf in self.catalog.leaves(m.id)}.values())
        frame: pd.DataFrame | None = None
        for statement in self.plans(leaves, dims, filters, period):
            part = self.wh.execute_compiled(statement) if isinstance(statement, str) \
                else self.wh.execute(statement)
            frame = part if frame is None else frame.merge(part, on=dims, how="outer") \
                if dims else pd.concat([frame, part], axis=1)
        counted = [c for c in frame.columns if c.startswith(ROWS)]
        if dims:    # a group shows when one of the metrics has a record in it
            frame = frame[(frame[counted].fillna(0) > 0).any(axis=1)].reset_index(drop=True)
        frame = frame.drop(columns=counted)
        for leaf in leaves:
            values = frame[leaf.id].map(_plain).astype("float64")
            frame[leaf.id] = values.fillna(0.0) if leaf.measure.agg in ADDITIVE else values
        for metric in metrics:
            self._derive(frame, metric)
        return frame

    def _derive(self, frame: pd.DataFrame, metric: Metric) -> None:
        if metric.id in frame.columns:
            return
        parts = [self.catalog.get(p) for p in metric.derived.of]
        for part in parts:
            self._derive(frame, part)
        values = [frame[p.id].astype("float64") for p in parts]
        op = metric.derived.op
        if op == "ratio":
            den = values[1].where(values[1] != 0)
            result = values[0] / den
        elif op == "difference":
            result = values[0] - values[1]
        elif op == "sum":
            result = sum(values[1:], values[0])
        else:
            result = values[0]
            for value in values[1:]:
                result = result * value
        frame[metric.id] = result * metric.derived.scale


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def check_dimensions(catalog: Catalog, metrics: list[Metric], names: Iterable[str]) -> None:
    for name in names:
        if name not in DIMENSIONS:
            dimension(name)
        for metric in metrics:
            allowed = catalog.dimensions(metric.id)
            if name not in allowed:
                raise DimensionNotAvailable(metric.id, name, allowed)


def run_query(wh: Warehouse, query: MetricQuery, scope: Scope | None = None,
              catalog: Catalog | None = None, locale: str = "en",
              live: bool = False) -> MetricResult:
    """The query's metrics grouped by its dimensions, within the row-level `scope`. `live`
    builds every base model from the entity tables, ignoring the ones refresh stored."""
    catalog = catalog or Catalog.load(wh.settings.workspace)
    scope = scope or Scope.everything()
    metrics = [catalog.get(m) for m in query.metrics]
    check_dimensions(catalog, metrics, [*query.dimensions, *(f.dimension for f in query.filters)])
    params = {k: v for m in metrics for k, v in catalog.params(m.id).items()} | query.params
    as_of = instant(query.date_to + timedelta(days=1), wh.settings.timezone) \
        if query.date_to else None
    compiler = Compiler(wh, catalog, scope, params, as_of, live=live)
    dims = list(query.dimensions)
    frame = compiler.frame(metrics, dims, query.filters, Period(query.date_from, query.date_to))
    grain = next((d for d in dims if d in GRAINS), None)
    result = MetricResult(
        metrics=[MetricInfo(id=m.id, label=m.label.get(locale), format=m.format,
                            direction=m.direction) for m in metrics],
        dimensions=dims, rows=[], date_from=query.date_from, date_to=query.date_to,
        scope=scope.describe())
    ids = [m.id for m in metrics]
    if query.compare:
        frame = _with_previous(compiler, frame, metrics, query, grain, result)
        ids = [name for m in metrics for name in (m.id, f"{m.id}_previous", f"{m.id}_change")]
    frame = frame[[*dims, *ids]]
    if grain:
        frame[grain] = [None if pd.isna(v) else label(pd.Timestamp(v).date(), grain)
                        for v in frame[grain]]
    if dims:
        frame = frame.sort_values(dims, na_position="last", kind="stable")
    result.truncated = len(frame) > query.limit
    counts = {name for m in metrics if m.format == "count" and not m.is_derived
              for name in (m.id, f"{m.id}_previous")}
    result.rows = [_row(r, counts) for r in frame.head(query.limit).to_dict("records")]
    return result


def _with_previous(compiler: Compiler, frame: pd.DataFrame, metrics: list[Metric],
                   query: MetricQuery, grain: str | None, result: MetricResult) -> pd.DataFrame:
    prev = comparison(query.compare, query.date_from, query.date_to, grain)
    result.previous_from, result.previous_to = prev.date_from, prev.date_to
    before = compiler.frame(metrics, list(query.dimensions), query.filters,
                            Period(prev.date_from, prev.date_to))
    if grain:
        before[grain] = [None if pd.isna(v) else (pd.Timestamp(v) + prev.shift).date()
                         for v in before[grain]]
        frame[grain] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[grain]]
    ids = [m.id for m in metrics]
    before = before[[*query.dimensions, *ids]].rename(columns={i: f"{i}_previous" for i in ids})
    if query.dimensions:
        merged = frame.merge(before, on=list(query.dimensions), how="left")
        if grain:   # periods of the previous range with no current counterpart are dropped
            merged = merged[merged[grain].notna()]
    else:
        merged = pd.concat([frame.reset_index(drop=True), before.reset_index(drop=True)], axis=1)
    for i in ids:
        old = merged[f"{i}_previous"].astype("float64")
        merged[f"{i}_change"] = (merged[i] - old) / old.abs().where(old != 0)
    return merged


def _row(record: dict[str, Any], counts: set[str]) -> dict[str, Any]:
    """JSON-ready values: NaN -> None, numpy -> Python, counts as integers."""
    out = {}
    for key, value in record.items():
        value = _plain(value)
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif key in counts and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out
