"""The values a filter offers: the values of a dimension among the records the viewer's scope
allows, most frequent first. The dashboards' filter bar and
`GET /api/v1/metrics/dimensions/{dimension}/values` both call `dimension_values`, so a rep is
offered only the owners, teams and channels of their own records.

The records counted are those of the first metric of `PREFERRED` that has the dimension (leads,
new opportunities, orders, ad spend): every record of the workspace, whatever its period. The
counts come from `cached_query`, kept like every result (`revlens.metrics.cache`).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

from revlens.metrics.cache import cached_query
from revlens.metrics.catalog import Catalog
from revlens.metrics.dimensions import dimension as known_dimension
from revlens.metrics.query import MetricQuery, Value
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse

PREFERRED = ("leads", "new_pipeline", "bookings", "spend")
"""Metrics whose records give a filter's choices (the first that has the dimension)."""
COUNTED = 100_000
"""Groups counted before the most frequent are kept."""


class DimensionValues(BaseModel):
    dimension: str
    metric: str | None = Field(None, description="the metric whose records were counted "
                                                 "(none has the dimension: no values)")
    values: list[Value] = Field(description="most frequent first; empty values left out")
    truncated: bool = Field(False, description="more values exist than `limit`")


def dimension_values(wh: Warehouse, dimension: str, scope: Scope | None = None,
                     catalog: Catalog | None = None, limit: int = 500) -> DimensionValues:
    """The values of `dimension` in the records `scope` allows, most frequent first (ties in
    the values' order), at most `limit`."""
    known_dimension(dimension)
    catalog = catalog or Catalog.load(wh.settings.workspace)
    metric = next((m for m in PREFERRED if m in catalog and dimension in catalog.dimensions(m)),
                  None)
    if metric is None:
        return DimensionValues(dimension=dimension, values=[])
    result = cached_query(wh, MetricQuery(metrics=[metric], dimensions=[dimension],
                                          limit=COUNTED), scope, catalog)
    rows = [r for r in result.rows if r[dimension] not in (None, "")]
    rows.sort(key=lambda r: -(r.get(metric) or 0))          # stable: ties keep value order
    return DimensionValues(dimension=dimension, metric=metric,
                           values=[r[dimension] for r in rows[:limit]],
                           truncated=len(rows) > limit or result.truncated)


def filter_choices(wh: Warehouse, dimensions: Iterable[str], scope: Scope | None = None,
                   catalog: Catalog | None = None, limit: int = 500) -> dict[str, list[Value]]:
    """`dimension_values` of each dimension (the choices of a filter bar), by dimension."""
    return {d: dimension_values(wh, d, scope, catalog, limit).values for d in dimensions}
