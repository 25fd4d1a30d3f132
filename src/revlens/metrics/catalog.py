"""The metric catalog: every KPI defined once, as data.

Definitions ship as YAML in `revlens/metrics/definitions/` and a workspace adds its own in
`<workspace>/metrics/*.yaml` (a definition with a shipped id replaces it). A metric is either
*simple* — a measure (count, count distinct, sum, avg, median, min, max of an expression, with
filters) over one base model's records, dated by one of its time columns — or *derived* — the
ratio, difference or sum of other metrics, computed after each is grouped alike.

    metrics:
      - id: won_deals
        label: {en: Won deals, zh: 赢单数}
        description: {en: Opportunities won, dated by their close., zh: 赢单商机数。}
        model: opportunities
        time: closed_at
        measure: {agg: count, filters: [{column: is_won, op: eq, value: true}]}
        format: count
        owner: sales_ops
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from revlens.metrics.dimensions import GRAINS
from revlens.metrics.exceptions import CatalogError, UnknownMetric
from revlens.metrics.expressions import ExpressionError, columns_of
from revlens.metrics.models import all_models

DEFINITIONS = Path(__file__).parent / "definitions"
WORKSPACE_FOLDER = "metrics"

Op = Literal["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "is_null", "not_null"]
Format = Literal["currency", "percent", "count", "days", "minutes", "number", "score"]


class Text(BaseModel, frozen=True):
    en: str
    zh: str

    def get(self, locale: str) -> str:
        return self.zh if locale == "zh-CN" else self.en


class Condition(BaseModel, frozen=True):
    """`column op value`; `param` takes the value from the query's parameters instead."""

    column: str
    op: Op = "eq"
    value: Any = None
    param: str | None = None


class Measure(BaseModel, frozen=True):
    agg: Literal["count", "count_distinct", "sum", "avg", "median", "min", "max"]
    expr: str | None = Field(None, description="column or arithmetic; none counts records")
    filters: tuple[Condition, ...] = ()
    per: str | None = Field(None, description="count each value of this column once per "
                                              "group: the expr's largest value per `per` "
                                              "is aggregated")

    @model_validator(mode="after")
    def _expr_needed(self) -> Measure:
        if self.agg != "count" and not self.expr:
            raise ValueError(f"agg {self.agg!r} needs an expr (a column or arithmetic)")
        if self.expr:
            columns_of(self.expr)
        return self


class Derived(BaseModel, frozen=True):
    op: Literal["ratio", "difference", "sum", "product"]
    of: tuple[str, ...]
    scale: float = 1.0

    @model_validator(mode="after")
    def _arity(self) -> Derived:
        if self.op in ("ratio", "difference") and len(self.of) != 2:
            raise ValueError(f"{self.op} takes exactly two metrics, got {list(self.of)}")
        if self.op in ("sum", "product") and len(self.of) < 2:
            raise ValueError(f"{self.op} takes two or more metrics")
        return self


class Metric(BaseModel, frozen=True):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text
    description: Text
    model: str | None = None
    measure: Measure | None = None
    time: str | None = None
    snapshot: bool = Field(False, description="measured as of the period's end, not within it")
    derived: Derived | None = None
    format: Format = "count"
    direction: Literal["higher", "lower", "neutral"] = "higher"
    owner: str = "revops"
    params: dict[str, str] = Field(default_factory=dict, description="parameter -> default")
    source: str = "revlens"

    @model_validator(mode="after")
    def _one_kind(self) -> Metric:
        if (self.measure is None) == (self.derived is None):
            raise ValueError("give either measure (with model) or derived")
        if self.measure is not None and not self.model:
            raise ValueError("a measure needs the base model it counts (model: ...)")
        return self

    @property
    def is_derived(self) -> bool:
        return self.derived is not None

    @classmethod
    def records_of(cls, model: str) -> Metric:
        """A count of every record of `model`: what analyses that read a base model's rows
        (funnels, cohorts, the forecast) measure through the compiler, scope included."""
        return cls(id=f"{model}_records", label=Text(en=model, zh=model),
                   description=Text(en=model, zh=model), model=model,
                   measure=Measure(agg="count"))


class Catalog:
    """Metrics by id, validated together: models exist, derived metrics refer to known
    metrics without cycles, filters and expressions name columns the model has."""

    def __init__(self, metrics: dict[str, Metric]):
        self.metrics = metrics
        self._check()

    @classmethod
    def load(cls, workspace: Path | None = None) -> Catalog:
        """The shipped definitions and the workspace's. Parsing and validating them takes tens
        of milliseconds, so a catalog is kept while none of its files changed (same names,
        sizes and modification times)."""
        files = sorted(DEFINITIONS.glob("*.yaml"))
        if workspace is not None:
            files += sorted((Path(workspace) / WORKSPACE_FOLDER).glob("*.yaml"))
        key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        if key not in _LOADED:
            if len(_LOADED) >= 32:
                _LOADED.pop(next(iter(_LOADED)))
            _LOADED[key] = cls._read_all(files)
        return _LOADED[key]

    @classmethod
    def _read_all(cls, files: list[Path]) -> Catalog:
        metrics: dict[str, Metric] = {}
        for path in files:
            source = "revlens" if path.parent == DEFINITIONS else str(path)
            for metric in _read(path, source):
                metrics[metric.id] = metric
        return cls(metrics)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of every definition: equal for catalogs that measure alike."""
        digest = hashlib.sha256()
        for metric_id in sorted(self.metrics):
            digest.update(self.metrics[metric_id].model_dump_json().encode())
        return digest.hexdigest()

    def __contains__(self, metric_id: str) -> bool:
        return metric_id in self.metrics

    def __iter__(self):
        return iter(self.metrics.values())

    def get(self, metric_id: str) -> Metric:
        try:
            return self.metrics[metric_id]
        except KeyError:
            raise UnknownMetric(metric_id, sorted(self.metrics)) from None

    def leaves(self, metric_id: str) -> list[Metric]:
        """The simple metrics `metric_id` is computed from (itself when simple)."""
        metric = self.get(metric_id)
        if not metric.is_derived:
            return [metric]
        found: dict[str, Metric] = {}
        for part in metric.derived.of:
            for leaf in self.leaves(part):
                found[leaf.id] = leaf
        return list(found.values())

    def dimensions(self, metric_id: str) -> list[str]:
        """The dimensions `metric_id` can be grouped and filtered by."""
        sets = []
        for leaf in self.leaves(metric_id):
            model = all_models()[leaf.model]
            grains = [] if leaf.snapshot else list(GRAINS)
            sets.append([*grains, *model.dimensions])
        common = [d for d in sets[0] if all(d in s for s in sets[1:])]
        return common

    def params(self, metric_id: str) -> dict[str, str]:
        merged: dict[str, str] = {}
        for leaf in self.leaves(metric_id):
            merged.update(leaf.params)
        merged.update(self.get(metric_id).params)
        return merged

    def _check(self) -> None:
        models = all_models()
        for metric in self.metrics.values():
            if metric.is_derived:
                for part in metric.derived.of:
                    if part not in self.metrics:
                        raise CatalogError(metric.source, metric.id,
                                           f"derived from unknown metric {part!r}")
                self._acyclic(metric.id, ())
            elif metric.model not in models:
                raise CatalogError(metric.source, metric.id,
                                   f"unknown model {metric.model!r}; models: "
                                   f"{', '.join(models)}")
            elif metric.time and metric.time not in models[metric.model].time_columns:
                raise CatalogError(metric.source, metric.id,
                                   f"time {metric.time!r} is not a time column of "
                                   f"{metric.model}; choose one of: "
                                   f"{', '.join(models[metric.model].time_columns)}")

    def _acyclic(self, metric_id: str, path: tuple[str, ...]) -> None:
        if metric_id in path:
            raise CatalogError(self.metrics[path[0]].source, path[0],
                               f"derived metrics refer to each other in a cycle: "
                               f"{' -> '.join([*path, metric_id])}")
        metric = self.metrics[metric_id]
        if metric.is_derived:
            for part in metric.derived.of:
                self._acyclic(part, (*path, metric_id))


_LOADED: dict[tuple, Catalog] = {}
"""Catalogs by the state of their files (see `Catalog.load`)."""


def _read(path: Path, source: str) -> list[Metric]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(source, None, f"not valid YAML: {exc}") from None
    entries = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(source, None, "expected a top-level `metrics:` list")
    metrics = []
    for entry in entries:
        name = entry.get("id") if isinstance(entry, dict) else None
        try:
            metrics.append(Metric.model_validate({**entry, "source": source}))
        except (ValidationError, ExpressionError, TypeError) as exc:
            raise CatalogError(source, name, _reason(exc)) from None
    return metrics


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'metric'}: {e['msg']}"
                         for e in exc.errors())
    return str(exc)
