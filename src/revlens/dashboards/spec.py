"""Dashboards as data: a dashboard is a grid of tiles, a tile is catalog metrics grouped by
catalog dimensions (or a named analysis) shown as one kind of chart, and the global filters of a
page turn each tile into the query it runs.

Specs round-trip to YAML and JSON (the shipped dashboards are YAML in `definitions/`, user
dashboards JSON in the app database); nothing here runs a query.

    tiles:
      - id: attribution
        label: {zh: 渠道归因商机金额, en: Attributed pipeline by channel}
        kind: bar
        metrics: [attributed_pipeline]
        dimensions: [channel]
        switch: {param: attribution_model, values: [first_touch, last_touch, linear]}
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, Field, model_validator

from revlens.dashboards.exceptions import DashboardError, UnknownTile
from revlens.metrics.catalog import Catalog, Text
from revlens.metrics.dimensions import GRAINS
from revlens.metrics.periods import parse_label
from revlens.metrics.query import Filter, MetricQuery, Value

Kind = Literal["kpi", "line", "bar", "stacked", "pie", "funnel", "table", "heatmap"]
KINDS: tuple[str, ...] = get_args(Kind)
Grain = Literal["day", "week", "month", "quarter", "year"]
Tier = Literal["cockpit", "operations", "custom"]
Compare = Literal["previous_period", "previous_year"]
GLOBAL_DIMENSIONS = ("channel", "team", "owner", "industry", "province")
"""The dimensions of the global filter bar, in its order."""
ID = r"^[a-z][a-z0-9_]*$"


class Switch(BaseModel, frozen=True):
    """A parameter the viewer switches on the page (e.g. the attribution model)."""

    param: str
    values: tuple[str, ...] = Field(min_length=2)
    default: str | None = Field(None, description="the first value when not given")
    labels: dict[str, Text] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _default_is_a_value(self) -> Switch:
        if self.default is not None and self.default not in self.values:
            raise ValueError(f"default {self.default!r} is not one of {list(self.values)}")
        return self

    @property
    def initial(self) -> str:
        return self.default or self.values[0]

    def choose(self, value: str | None, tile: str) -> str:
        if value is None:
            return self.initial
        if value not in self.values:
            raise DashboardError(f"{value!r} is not a value of the switch {self.param}; "
                                 f"choose one of: {', '.join(self.values)}", tile)
        return value


class Sort(BaseModel, frozen=True):
    by: str = Field(description="a metric (or output column) or a dimension of the tile")
    desc: bool = True


class Tile(BaseModel):
    """One chart, table or KPI. Either `metrics` from the catalog grouped by `dimensions`
    (and `grain`, a time axis), or `analysis` (a registered analysis; `metrics` then picks which
    of its output columns to show, all when empty)."""

    id: str = Field(pattern=ID)
    label: Text
    description: Text | None = None
    kind: Kind
    metrics: list[str] = Field(default_factory=list)
    dimensions: list[str] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    params: dict[str, str] = Field(default_factory=dict)
    analysis: str | None = None
    grain: Grain | None = None
    compare: bool = Field(False, description="show the change against the compare period of "
                                             "the global filters")
    sort: Sort | None = None
    limit: int | None = Field(None, ge=1, le=1000, description="top N groups")
    width: int = Field(6, ge=1, le=12, description="grid columns (of 12)")
    height: int = Field(4, ge=1, le=24, description="grid rows")
    drill: bool = True
    cross_filter: str | None = Field(None, description="the dimension a click filters the "
                                                       "other tiles by (default: the first "
                                                       "non-time dimension)")
    switch: Switch | None = None

    @model_validator(mode="after")
    def _shape(self) -> Tile:
        if not self.metrics and not self.analysis:
            raise ValueError("give metrics (from the catalog) or an analysis")
        if self.grain and self.grain in self.dimensions:
            raise ValueError(f"{self.grain} is the tile's grain; leave it out of dimensions")
        if any(d in GRAINS for d in self.dimensions):
            raise ValueError("put a time grain in `grain`, not in dimensions")
        if len(set(self.metrics)) != len(self.metrics):
            raise ValueError(f"a metric is listed twice: {self.metrics}")
        return self

    @property
    def group_by(self) -> list[str]:
        """The dimensions rows are grouped by: the grain first, then the others."""
        return [self.grain, *self.dimensions] if self.grain else list(self.dimensions)

    @property
    def click_dimension(self) -> str | None:
        """The dimension a click on this tile filters the other tiles by."""
        if self.cross_filter:
            return self.cross_filter
        return next(iter(self.dimensions), None)


class Dashboard(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)
    label: Text
    description: Text = Text(en="", zh="")
    tier: Tier = "custom"
    tiles: list[Tile] = Field(default_factory=list)
    owner: str | None = Field(None, description="the user who saved it (user dashboards)")
    shared: bool = False

    @model_validator(mode="after")
    def _unique_tiles(self) -> Dashboard:
        ids = [t.id for t in self.tiles]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"tile ids must be unique: {', '.join(twice)}")
        return self

    def tile(self, tile_id: str) -> Tile:
        for tile in self.tiles:
            if tile.id == tile_id:
                return tile
        raise UnknownTile(self.id, tile_id, [t.id for t in self.tiles])


class Selection(BaseModel, frozen=True):
    """A cross-filter: a click on `tile` chose `values` of `dimension`. Every other tile whose
    metrics have the dimension is filtered by it; a time grain narrows the period instead."""

    dimension: str
    values: tuple[Value, ...] = Field(min_length=1)
    tile: str | None = Field(None, description="the tile clicked (not filtered by its own "
                                               "selection)")


class TilePlan(BaseModel):
    """What a tile runs under the global filters: its query (metric tiles), the filters and
    period it is measured with, and which global filters did not apply to it."""

    query: MetricQuery | None = None
    filters: list[Filter]
    date_from: date | None = None
    date_to: date | None = None
    compare: Compare | None = None
    params: dict[str, str]
    not_applied: list[str]
    switch_value: str | None = None


class GlobalFilters(BaseModel):
    """The filter bar of a dashboard page: the period with what to compare it to, values of
    the global dimensions, and the cross-filters clicked on tiles."""

    date_from: date | None = None
    date_to: date | None = None
    compare: Compare | None = None
    channel: list[str] = Field(default_factory=list)
    team: list[str] = Field(default_factory=list)
    owner: list[str] = Field(default_factory=list)
    industry: list[str] = Field(default_factory=list)
    province: list[str] = Field(default_factory=list)
    selections: list[Selection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _period(self) -> GlobalFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self

    def wanted(self, tile: Tile) -> list[Filter]:
        """The global filters and the other tiles' cross-filters, before checking which the
        tile's metrics support."""
        wanted = [Filter(dimension=d, values=tuple(getattr(self, d)))
                  for d in GLOBAL_DIMENSIONS if getattr(self, d)]
        wanted += [Filter(dimension=s.dimension, values=s.values) for s in self.selections
                   if s.tile != tile.id and s.dimension not in GRAINS]
        return wanted

    def period(self, tile: Tile) -> tuple[date | None, date | None]:
        """The period, narrowed to the periods clicked on other tiles' time axes."""
        start, end = self.date_from, self.date_to
        for s in self.selections:
            if s.tile == tile.id or s.dimension not in GRAINS:
                continue
            firsts = [parse_label(str(v), s.dimension) for v in s.values]
            lasts = [_period_end(day, s.dimension) for day in firsts]
            start = max(filter(None, (start, min(firsts))))
            end = min(filter(None, (end, max(lasts))))
        if start and end and start > end:      # a click outside the period: nothing
            end = start - timedelta(days=1)
        return start, end

    def plan(self, tile: Tile, catalog: Catalog, switch_value: str | None = None) -> TilePlan:
        """The tile's query under these filters. A global filter or cross-filter applies only
        when every metric of the tile (or the analysis) can be filtered by its dimension; the
        others are listed in `not_applied`, never an error."""
        supported = set(tile_dimensions(tile, catalog))
        applied, skipped = [], []
        for f in self.wanted(tile):
            (applied if f.dimension in supported else skipped).append(f)
        filters = [*tile.filters, *applied]
        params = dict(tile.params)
        chosen = None
        if tile.switch:
            chosen = tile.switch.choose(switch_value, tile.id)
            params[tile.switch.param] = chosen
        start, end = self.period(tile)
        compare = self.compare if tile.compare and start and end else None
        query = None
        if not tile.analysis:
            query = MetricQuery(metrics=tile.metrics, dimensions=list(tile.dimensions),
                                filters=filters, date_from=start, date_to=end,
                                grain=tile.grain, compare=compare, params=params)
        return TilePlan(query=query, filters=filters, date_from=start, date_to=end,
                        compare=compare, params=params, switch_value=chosen,
                        not_applied=sorted({f.dimension for f in skipped}))


def tile_dimensions(tile: Tile, catalog: Catalog) -> list[str]:
    """The dimensions every metric of the tile (or its analysis) can be filtered by."""
    if tile.analysis:
        from revlens.dashboards.analyses import analysis

        return list(analysis(tile.analysis).filterable(catalog))
    sets = [catalog.dimensions(m) for m in tile.metrics if m in catalog]
    if not sets:
        return []
    return [d for d in sets[0] if all(d in s for s in sets[1:])]


def _period_end(first: date, grain: str) -> date:
    if grain == "day":
        return first
    if grain == "week":
        return first + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    month = first.month + months - 1
    year, month = first.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])
