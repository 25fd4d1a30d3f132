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

    def scoped(self, metric: Metric, columns: set[str] | None = None) -> ir.Table:
        """The metric's base model within the scope; only `columns` of it (with the owner and
        the time column) when given."""
        t = self.models[metric.model].table(self.ctx)
        if columns is not None:
            always = {"owner_id", self.time_column(metric)}
            t = t.select(*[c for c in t.columns if c in columns or c in always])
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
        """The metric's conditions, ANDed. Used only to keep rows (a filter, an aggregate's
        `where`), where a missing value drops the row as false does; left as it is, the
        warehouse can push a condition down into its scan."""
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
        return ops[c.op]()

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
        with its own conditions as the aggregate's `where`.

        The aggregates read only the base models' columns they use: a model's computed
        columns the query does not ask for (a lead's age, idle days ...) would otherwise be
        part of every statement, and parsing and planning them cost the warehouse more than
        the query itself on small data."""
        whole = self._aggregates(leaves, dims, filters, period)
        inside = {field for model in {m.model for m in leaves}
                  for field in self.models[model].table(self.ctx).op().find(ops.Field)}
        used = {field.name for expr in whole for field in expr.op().find(ops.Field)
                if field not in inside}
        return self._aggregates(leaves, dims, filters, period, used)

    def _aggregates(self, leaves: list[Metric], dims: list[str], filters: list[Filter],
                    period: Period, columns: set[str] | None = None) -> list[ir.Table]:
        groups: dict[tuple, list[Metric]] = {}
        for leaf in leaves:
            alone = leaf.id if leaf.measure.per else ""
            key = (leaf.model, self.time_column(leaf), leaf.snapshot, alone)
            groups.setdefault(key, []).append(leaf)
        out = []
        for i, members in enumerate(groups.values()):
            first = members[0]
            t = self.filtered(self.scoped(first, columns), first, filters)
            t = self.in_period(t, first, period)
            keys = {d: self.column(t, first, d) for d in dims}
            if first.measure.per:
                out.append(self._per_value(t, first, keys, f"{ROWS}{i}"))
                continue
            values = {m.id: self.measure(t, m) for m in members}
            if not keys:        # one row, always shown: its records need no count
                out.append(t.aggregate(**values))
                continue
            conditions = [self.condition(t, m) for m in members]
            measured = None if any(c is None for c in conditions) else functools.reduce(
                operator.or_, {c.op(): c for c in conditions}.values())   # each once
            values[f"{ROWS}{i}"] = t.count(where=measured)
            out.append(t.group_by(**keys).aggregate(**values))
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
        if not keys:
            return once.aggregate(**{metric.id: measured})
        return once.group_by(*keys).aggregate(**{metric.id: measured, rows: once.count()})

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
              period: Period) -> list[dict[str, Any]]:
        """One record per group: its dimension values, each leaf metric (a float; 0.0 for an
        additive metric without records) and each derived metric (None where undefined).

        The groups and values are plain Python: results of a query are a few to a few thousand
        groups, and shaping them in a DataFrame cost more than running the query."""
        leaves = list({leaf.id: leaf for m in metrics
                       for leaf in self.catalog.leaves(m.id)}.values())
        groups: dict[tuple, dict[str, Any]] = {}
        counted: list[str] = []
        grains = [d for d in dims if d in GRAINS]
        for statement in self.plans(leaves, dims, filters, period):
            columns, rows = self.wh.fetch_compiled(statement)
            counted += [c for c in columns if c.startswith(ROWS)]
            for row in rows:        # an outer join of the aggregates on the dimensions
                record = dict(zip(columns, row, strict=True))
                for grain in grains:    # a date, whether the model's time is a date or not
                    record[grain] = _day(record[grain])
                groups.setdefault(tuple(record[d] for d in dims), {}).update(record)
        records = list(groups.values())
        if dims:    # a group shows when one of the metrics has a record in it
            records = [r for r in records if any((r.get(c) or 0) > 0 for c in counted)]
        for record in records:
            for c in counted:
                record.pop(c, None)
            for leaf in leaves:
                value = _number(record.get(leaf.id))
                record[leaf.id] = 0.0 if value is None and leaf.measure.agg in ADDITIVE \
                    else value
            for metric in metrics:
                self._derive(record, metric)
        return records

    def _derive(self, record: dict[str, Any], metric: Metric) -> None:
        if metric.id in record:
            return
        parts = [self.catalog.get(p) for p in metric.derived.of]
        for part in parts:
            self._derive(record, part)
        values = [record[p.id] for p in parts]
        op = metric.derived.op
        if any(v is None for v in values) or (op == "ratio" and values[1] == 0):
            record[metric.id] = None
            return
        if op == "ratio":
            result = values[0] / values[1]
        elif op == "difference":
            result = values[0] - values[1]
        elif op == "sum":
            result = sum(values[1:], values[0])
        else:
            result = values[0]
            for value in values[1:]:
                result = result * value
        record[metric.id] = _number(result * metric.derived.scale)


def _number(value: Any) -> float | None:
    """A measured value as a float; None for NULL and NaN."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _day(value: Any) -> date | None:
    """A grain's period start as a date, whichever type the warehouse gave it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else pd.Timestamp(value).date()


def _sort_key(dims: list[str]):
    """Ascending by each dimension, missing values last (as a table's sort does)."""
    def key(record: dict[str, Any]) -> tuple:
        return tuple((record[d] is None, record[d]) for d in dims)
    return key


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
    records = compiler.frame(metrics, dims, query.filters,
                             Period(query.date_from, query.date_to))
    grain = next((d for d in dims if d in GRAINS), None)
    result = MetricResult(
        metrics=[MetricInfo(id=m.id, label=m.label.get(locale), format=m.format,
                            direction=m.direction) for m in metrics],
        dimensions=dims, rows=[], date_from=query.date_from, date_to=query.date_to,
        scope=scope.describe())
    ids = [m.id for m in metrics]
    if query.compare:
        records = _with_previous(compiler, records, metrics, query, grain, result)
        ids = [name for m in metrics for name in (m.id, f"{m.id}_previous", f"{m.id}_change")]
    if grain:
        for record in records:
            record[grain] = None if record[grain] is None else label(record[grain], grain)
    if dims:
        records.sort(key=_sort_key(dims))
    result.truncated = len(records) > query.limit
    counts = {name for m in metrics if m.format == "count" and not m.is_derived
              for name in (m.id, f"{m.id}_previous")}
    columns = [*dims, *ids]
    result.rows = [_row({c: r[c] for c in columns}, counts) for r in records[:query.limit]]
    return result


def _with_previous(compiler: Compiler, records: list[dict[str, Any]], metrics: list[Metric],
                   query: MetricQuery, grain: str | None, result: MetricResult
                   ) -> list[dict[str, Any]]:
    """Each group's values with those of the same group in the comparison period, and the
    change; a group of the comparison period alone is not shown."""
    prev = comparison(query.compare, query.date_from, query.date_to, grain)
    result.previous_from, result.previous_to = prev.date_from, prev.date_to
    dims = list(query.dimensions)
    before = compiler.frame(metrics, dims, query.filters, Period(prev.date_from, prev.date_to))
    if grain:   # periods start on dates (`Compiler.frame`)
        for record in before:
            day = record[grain]
            record[grain] = None if day is None else (pd.Timestamp(day) + prev.shift).date()
        records = [r for r in records if r[grain] is not None]
    earlier = {tuple(r[d] for d in dims): r for r in before}
    ids = [m.id for m in metrics]
    for record in records:
        old = earlier.get(tuple(record[d] for d in dims), {})
        for i in ids:
            then = old.get(i)
            record[f"{i}_previous"] = then
            now = record[i]
            record[f"{i}_change"] = None if now is None or then is None or then == 0 \
                else (now - then) / abs(then)
    return records


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
