"""Drill-down: the records behind one number of a metric query, within the same scope."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from revlens.cdp.privacy import masked_record
from revlens.metrics.catalog import Catalog, Metric
from revlens.metrics.compiler import Compiler, Period, check_dimensions
from revlens.metrics.dimensions import GRAINS
from revlens.metrics.exceptions import InvalidQuery
from revlens.metrics.periods import instant, parse_label
from revlens.metrics.query import DrillRequest, DrillResult, Filter
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse


def _leaf(catalog: Catalog, request: DrillRequest) -> Metric:
    metric = catalog.get(request.metric)
    if not metric.is_derived:
        return metric
    leaves = catalog.leaves(metric.id)
    if request.component is None:
        return catalog.leaves(metric.derived.of[0])[0]
    chosen = [leaf for leaf in leaves if leaf.id == request.component]
    if not chosen:
        raise InvalidQuery(f"{request.component!r} is not part of {metric.id}; choose one "
                           f"of: {', '.join(leaf.id for leaf in leaves)}")
    return chosen[0]


def drill_records(wh: Warehouse, request: DrillRequest, scope: Scope | None = None,
                  catalog: Catalog | None = None) -> tuple[Metric, ir.Table, Compiler]:
    """The metric's records in the group `request.where`, as an Ibis table (all columns)."""
    catalog = catalog or Catalog.load(wh.settings.workspace)
    scope = scope or Scope.everything()
    metric = catalog.get(request.metric)
    check_dimensions(catalog, [metric], [*request.where, *(f.dimension for f in request.filters)])
    leaf = _leaf(catalog, request)
    params = catalog.params(metric.id) | request.params
    as_of = instant(request.date_to + timedelta(days=1), wh.settings.timezone) \
        if request.date_to else None
    compiler = Compiler(wh, catalog, scope, params, as_of)
    grain_filters = {d: v for d, v in request.where.items() if d in GRAINS}
    others = [Filter(dimension=d, values=(v,)) for d, v in request.where.items()
              if d not in GRAINS]
    t = compiler.records(leaf, [*request.filters, *others],
                         Period(request.date_from, request.date_to))
    for dim, value in grain_filters.items():
        column = compiler.column(t, leaf, dim)
        t = t.filter(column == ibis.literal(parse_label(str(value), dim)))
    return leaf, t, compiler


def drill(wh: Warehouse, request: DrillRequest, scope: Scope | None = None,
          catalog: Catalog | None = None, pii: bool = True) -> DrillResult:
    """A page of the records behind one number, their total count, and the SQL listing them;
    without `pii`, phones, e-mail addresses and WeChat ids masked."""
    scope = scope or Scope.everything()
    leaf, t, compiler = drill_records(wh, request, scope, catalog)
    model = compiler.model_of(leaf)
    columns = [c for c in model.record_columns if c in t.columns]
    listed = t.select(*columns).order_by([ibis.desc(compiler.time_column(leaf)),
                                          model.key if model.key in columns else columns[0]])
    total = int(wh.execute(t.count()))
    page = wh.to_arrow(listed.limit(request.limit, offset=request.offset)).to_pylist()
    return DrillResult(metric=request.metric, model=model.name, columns=columns,
                       rows=[{k: json_value(v) for k, v in masked_record(row, pii).items()}
                             for row in page],
                       total=total, sql=str(ibis.to_sql(listed, dialect="duckdb")),
                       scope=scope.describe())


def json_value(value):
    """A value of a record as JSON can carry it (decimals as numbers, times as ISO text)."""
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
