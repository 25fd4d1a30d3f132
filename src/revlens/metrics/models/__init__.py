"""Base models: the record sets metrics are measured on, one small definition each.

A base model is a function from the warehouse to one Ibis table whose rows are records (a lead,
an opportunity, a payment, a day of ad delivery ...) and whose columns are what metrics measure,
filter and group by. Every model has an `owner_id` column (the staff member the record belongs
to; the row-level scope filters on it) and lists the dimensions it offers (dimension id ->
column) and the columns a drill-down shows.

Models are registered with `@base_model(...)` in the modules of this package: `sales`,
`revenue` and `marketing`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import ibis

from revlens.attribution.dimensions import utc_offset_hours
from revlens.warehouse import Warehouse


@dataclass(frozen=True)
class ModelContext:
    """What a model may depend on besides the warehouse: the moment "now" is measured at
    (the end of the queried period, for snapshot columns such as an account's churn) and the
    query's parameters (e.g. the attribution model)."""

    wh: Warehouse
    as_of: datetime = field(default_factory=lambda: datetime.now(UTC))
    params: Mapping[str, str] = field(default_factory=dict)
    live: bool = False                  # build from the entity tables even if materialised
    _fresh: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def offset_minutes(self) -> int:
        return int(utc_offset_hours(self.wh.settings.timezone) * 60)

    def local(self, ts: ibis.Value) -> ibis.Value:
        """A UTC timestamp as wall-clock time in the workspace time zone."""
        return ts + ibis.interval(minutes=self.offset_minutes)

    def materialised(self) -> set[str]:
        """The models whose refresh-built tables still match the data (checked once)."""
        if "models" not in self._fresh:
            from revlens.metrics.materialize import fresh_models

            self._fresh["models"] = set() if self.live else fresh_models(self.wh)
        return self._fresh["models"]


@dataclass(frozen=True)
class BaseModel:
    """`build` gives the model's rows from the entity tables; `refresh` stores them as a table
    when `materialise` is set (see `revlens.metrics.materialize`), and a query reads that table
    while no import has happened since. `finish` adds the columns that depend on the query's
    moment or parameters, whichever way the rows were read."""

    name: str
    label_en: str
    label_zh: str
    build: Callable[[ModelContext], ibis.Table]
    key: str                                  # the record's id column
    time: str                                 # default time column
    dimensions: Mapping[str, str]             # dimension id -> column
    record_columns: tuple[str, ...]           # shown when drilling down
    time_columns: tuple[str, ...] = ()        # other time columns metrics may use
    materialise: bool = True
    finish: Callable[[ModelContext, ibis.Table], ibis.Table] | None = None
    version: int = 1                          # raise when the columns `build` gives change
    clustered: tuple[str, ...] = ()           # the stored table's order before the time column

    @property
    def table_name(self) -> str:
        return f"metric_model_{self.name}"

    def table(self, ctx: ModelContext) -> ibis.Table:
        if self.materialise and self.name in ctx.materialised():
            t = ctx.wh.table(self.table_name)
        else:
            t = self.build(ctx)
        return self.finish(ctx, t) if self.finish else t


MODELS: dict[str, BaseModel] = {}


def base_model(name: str, label_en: str, label_zh: str, *, key: str, time: str,
               dimensions: Mapping[str, str], records: tuple[str, ...],
               time_columns: tuple[str, ...] = (), materialise: bool = True,
               finish: Callable[[ModelContext, ibis.Table], ibis.Table] | None = None,
               version: int = 1, clustered: tuple[str, ...] = ()) -> Callable:
    """Register a base model. `version` is stored with the table refresh builds; a stored
    table of another version (built before the model's columns changed) is not read.
    `clustered`: columns nearly every query of the model filters on (a conversion type), by
    which the stored table is ordered before its time column."""

    def register(fn: Callable[[ModelContext], ibis.Table]) -> Callable:
        MODELS[name] = BaseModel(name, label_en, label_zh, fn, key, time, dict(dimensions),
                                 records, (time, *time_columns), materialise, finish, version,
                                 clustered)
        return fn
    return register


def model(name: str) -> BaseModel:
    _load()
    return MODELS[name]


def all_models() -> dict[str, BaseModel]:
    _load()
    return MODELS


def _load() -> None:
    from revlens.metrics.models import marketing, revenue, sales  # noqa: F401  (registers)


# -- shared pieces ---------------------------------------------------------------------------
def staff(wh: Warehouse, prefix: str = "") -> ibis.Table:
    """(<prefix>owner_id, <prefix>owner_name, <prefix>team) per staff member."""
    users = wh.table("users")
    return users.select(**{f"{prefix}owner_id": users.user_id,
                           f"{prefix}owner_name": users.name, f"{prefix}team": users.team})


def attach(left: ibis.Table, right: ibis.Table, left_key: str, right_key: str) -> ibis.Table:
    """`left` with `right`'s columns where `left[left_key] == right[right_key]` (left join;
    `right_key` must be unique in `right` and is dropped)."""
    joined = left.left_join(right, left[left_key] == right[right_key])
    return joined.drop(right_key) if right_key in joined.columns else joined


def account_tier(employees: ibis.Value) -> ibis.Value:
    """enterprise (1,000+ employees), mid_market (100-999), smb (under 100); unknown -> null."""
    return (ibis.cases((employees >= 1000, "enterprise"), (employees >= 100, "mid_market"),
                       (employees >= 0, "smb"), else_=ibis.null("string")))


def account_facts(wh: Warehouse, prefix: str = "account_") -> ibis.Table:
    """Per account: industry, province, tier, 专精特新 flag and owner."""
    a = wh.table("accounts")
    return a.select(**{f"{prefix}key": a.account_id, "industry": a.industry,
                       "province": a.province, "account_tier": account_tier(a.employee_count),
                       "specialized": a.is_specialized.fill_null(False),
                       f"{prefix}owner_id": a.owner_id})


def days_between(start: ibis.Value, end: ibis.Value) -> ibis.Value:
    """Days from `start` to `end` as a float (fractions of a day kept)."""
    return (end.epoch_seconds() - start.epoch_seconds()) / 86400.0
