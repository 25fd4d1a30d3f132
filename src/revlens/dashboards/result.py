"""What a tile shows: one shape for metric tiles and analyses alike, so pages, charts and the
REST API need not know which produced it."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from revlens.metrics.query import MetricInfo


class DimensionInfo(BaseModel):
    id: str
    label: str
    order: list[str] = Field(default_factory=list, description="values in their natural "
                                                               "order, where they have one")


class KpiValue(BaseModel):
    metric: str
    label: str
    format: str
    direction: str
    value: int | float | None
    previous: int | float | None = None
    change: float | None = Field(None, description="relative change against the compare "
                                                   "period (0.25 = +25%)")


class SwitchState(BaseModel):
    param: str
    value: str
    values: list[str]
    labels: dict[str, str] = Field(default_factory=dict)


class TileResult(BaseModel):
    """Rows keyed by each dimension id and each metric id (with `<metric>_previous` and
    `<metric>_change` when compared), as `revlens.metrics.MetricResult` rows; `value_labels`
    gives the display name of dimension values that are ids or codes (owners, campaigns,
    channels ...). A tile that could not run has `error`, a message saying what to change."""

    tile: str
    kind: str
    title: str
    analysis: str | None = None
    metrics: list[MetricInfo] = Field(default_factory=list)
    dimensions: list[DimensionInfo] = Field(default_factory=list)
    rows: list[dict[str, Any]] = Field(default_factory=list)
    kpis: list[KpiValue] = Field(default_factory=list)
    value_labels: dict[str, dict[str, str]] = Field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None
    compare: str | None = None
    previous_from: date | None = None
    previous_to: date | None = None
    not_applied_filters: list[str] = Field(default_factory=list)
    scope: str = "all records"
    switch: SwitchState | None = None
    cross_filter: str | None = None
    drill: bool = True
    truncated: bool = False
    empty: bool = False
    error: str | None = None
    notes: list[str] = Field(default_factory=list)
    elapsed_ms: float = 0.0

    def label_of(self, dimension: str, value: Any) -> str:
        """How a dimension value reads (its name where one is known)."""
        if value is None:
            return "—"
        return self.value_labels.get(dimension, {}).get(str(value), str(value))
