"""The typed metric query and its result, shared by the CLI, the REST API, the pages and the
Python API."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from revlens.metrics.dimensions import GRAINS
from revlens.metrics.exceptions import InvalidQuery

Value = str | int | float | bool | None


class Filter(BaseModel, frozen=True):
    """Keep the records whose `dimension` is (`in`) or is not (`not_in`) one of `values`."""

    dimension: str
    op: Literal["in", "not_in"] = "in"
    values: tuple[Value, ...]


class MetricQuery(BaseModel):
    metrics: list[str] = Field(min_length=1)
    dimensions: list[str] = Field(default_factory=list)
    filters: list[Filter] = Field(default_factory=list)
    date_from: date | None = Field(None, description="first day (workspace time zone)")
    date_to: date | None = Field(None, description="last day, inclusive")
    grain: Literal["day", "week", "month", "quarter", "year"] | None = None
    compare: Literal["previous_period", "previous_year"] | None = None
    params: dict[str, str] = Field(default_factory=dict)
    limit: int = Field(10_000, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _consistent(self) -> MetricQuery:
        if self.grain and self.grain not in self.dimensions:
            self.dimensions = [self.grain, *self.dimensions]
        grains = [d for d in self.dimensions if d in GRAINS]
        if len(grains) > 1:
            raise ValueError(f"group by one time grain at most, not {grains}")
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError(f"a dimension is listed twice: {self.dimensions}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        if self.compare and not (self.date_from and self.date_to):
            raise ValueError("compare needs both date_from and date_to")
        return self


class MetricInfo(BaseModel):
    id: str
    label: str
    format: str
    direction: str


class MetricResult(BaseModel):
    """One row per group: each dimension and each metric id as keys; with `compare`, also
    `<metric>_previous` and `<metric>_change` (relative change, null when the previous
    value is 0 or missing)."""

    metrics: list[MetricInfo]
    dimensions: list[str]
    rows: list[dict[str, Any]]
    date_from: date | None = None
    date_to: date | None = None
    previous_from: date | None = None
    previous_to: date | None = None
    scope: str = "all records"
    truncated: bool = False


class DrillRequest(BaseModel):
    """The records behind one number: `metric` in the group where each dimension of `where`
    has the given value, with the query's filters, period and parameters."""

    metric: str
    where: dict[str, Value] = Field(default_factory=dict)
    filters: list[Filter] = Field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    params: dict[str, str] = Field(default_factory=dict)
    component: str | None = Field(None, description="for a derived metric, which of its "
                                                    "simple metrics (default: the first)")
    limit: int = Field(100, ge=1, le=100_000)
    offset: int = Field(0, ge=0)


class DrillResult(BaseModel):
    metric: str
    model: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    sql: str = Field(description="the query that lists these records")
    scope: str = "all records"


def valid(cls: type[BaseModel], **fields: Any) -> Any:
    """`cls(**fields)`, its validation errors as one InvalidQuery naming each field."""
    try:
        return cls(**fields)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'query'}: "
                            f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise InvalidQuery(reasons) from None
