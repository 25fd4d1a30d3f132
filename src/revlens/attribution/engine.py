"""Credits per touch for any model: the one entry point every report goes through.

`touch_credits` returns an Ibis table with one row per touch of every journey and its
`credit` (summing to 1 per conversion) and `amount_credit` (credit x the conversion's amount).
Rule-based models are window expressions (`rules`). Markov and Shapley are channel-level:
their channel shares (`markov.markov_model`, `shapley.shapley_model`, solved on the aggregated
path table) are spread over each journey's touches in proportion to the share of each touch's
channel, divided equally among the touches of that channel — so per-conversion credits still sum
to 1; a journey whose channels all have share 0 is split linearly.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, TypeVar

import ibis

from revlens.attribution.config import DEFAULT_WINDOW_DAYS
from revlens.attribution.custom_models import resolve_custom
from revlens.attribution.exceptions import UnknownModel
from revlens.attribution.journeys import JOURNEY_KEY, journeys
from revlens.attribution.markov import ChannelModelResult, markov_model
from revlens.attribution.paths import load_path_table, path_table
from revlens.attribution.pathtable import PathTable
from revlens.attribution.persons import PersonSource, person_source
from revlens.attribution.rules import RULE_MODELS, RuleModel
from revlens.attribution.shapley import shapley_model
from revlens.attribution.specs import ModelSpec
from revlens.warehouse import Warehouse

T = TypeVar("T")
DATA_DRIVEN = ("markov", "shapley")
MODEL_NAMES = [*(m for m in RULE_MODELS if m != "custom"), *DATA_DRIVEN]
CREDIT_COLUMNS = ("model", "conversion_type", "conversion_id", "touchpoint_id", "channel",
                  "campaign_id", "content_id", "keyword", "credit", "amount_credit",
                  "converted_at")


@dataclass(frozen=True)
class Scope:
    """Which conversions and touches: type, lookback window, period [start, end), persons,
    and whose conversions (`owner_ids`, staff ids: a user's row-level scope; None = all)."""

    conversion_type: str
    window_days: int = DEFAULT_WINDOW_DAYS
    start: datetime | None = None
    end: datetime | None = None
    persons: PersonSource | None = field(default=None, compare=False)
    owner_ids: frozenset[str] | None = None

    def journeys(self, wh: Warehouse) -> ibis.Table:
        return journeys(wh, self.conversion_type, self.window_days, self.start, self.end,
                        self.persons or person_source(wh), self.owner_ids)

    def paths(self, wh: Warehouse, journey: ibis.Table | None = None) -> ibis.Table:
        """The path table; `journey`: the scope's journeys, when computed already."""
        return path_table(wh, self.conversion_type, self.window_days, self.start, self.end,
                          self.persons or person_source(wh), self.owner_ids, journey)


class ChannelShareModel(RuleModel):
    """Touch weight = its channel's share / touches of that channel in the journey."""

    name: ClassVar[str] = "channel_share"
    description: ClassVar[str] = "markov/shapley channel shares spread over the touches"

    def raw_weight(self, j: ibis.Table, spec: ModelSpec) -> ibis.FloatingValue:
        same_channel = ibis.window(group_by=[*JOURNEY_KEY, "channel"])
        return j.share.fill_null(0.0) / j.touchpoint_id.count().over(same_channel)


def in_scratch_scope(runner: Callable[..., T]) -> Callable[..., T]:
    """Run `runner(wh, ...)` inside `wh.scratch_scope()`: the intermediate tables its journeys
    compute (`journeys.attach`) are dropped when it returns."""

    @functools.wraps(runner)
    def run(wh: Warehouse, *args, **kwargs) -> T:
        with wh.scratch_scope():
            return runner(wh, *args, **kwargs)

    return run


@contextmanager
def materialised(wh: Warehouse, expr: ibis.Table) -> Iterator[ibis.Table]:
    """`expr` computed once into a temporary table (dropped afterwards): a journey table is
    read by several queries of a report, and a plain table compiles and runs faster."""
    name = f"_attribution_{uuid.uuid4().hex[:12]}"
    table = wh.create_temp(name, expr)
    try:
        yield table
    finally:
        with contextlib.suppress(Exception):   # a failed transaction has dropped it already
            wh.drop_temp(name)


def channel_model(wh: Warehouse, spec: ModelSpec, scope: Scope,
                  table: PathTable | None = None) -> ChannelModelResult:
    """Markov or Shapley over the scope's aggregated path table (`table` when the caller has
    loaded it already)."""
    table = table if table is not None else load_path_table(wh, scope.paths(wh))
    if spec.model == "markov":
        return markov_model(table, order=spec.order)
    return shapley_model(table, samples=spec.samples, seed=spec.seed)


def resolve(wh: Warehouse, spec: ModelSpec) -> ModelSpec:
    """A spec ready to run: custom models get their saved weights; names are checked."""
    if spec.is_custom:
        return resolve_custom(wh, spec)
    if spec.model not in MODEL_NAMES:
        raise UnknownModel(spec.model, MODEL_NAMES)
    return spec


def touch_credits(wh: Warehouse, spec: ModelSpec, scope: Scope,
                  journey: ibis.Table | None = None,
                  channels: ChannelModelResult | None = None) -> ibis.Table:
    """Every touch of every journey in scope with its credit under `spec`. For markov and
    shapley, `channels` is their result when the caller has computed it already."""
    spec = resolve(wh, spec)
    j = scope.journeys(wh) if journey is None else journey
    if spec.model in DATA_DRIVEN:
        shares = (channels or channel_model(wh, spec, scope)).weights()
        weights = ibis.memtable({"channel": list(shares) or [""],
                                 "share": list(shares.values()) or [0.0]},
                                schema={"channel": "string", "share": "float64"})
        j = j.left_join(weights, "channel").drop("channel_right")
        credited = ChannelShareModel().credits(j, spec).drop("share")
    else:
        model = RULE_MODELS["custom" if spec.is_custom else spec.model]
        credited = model.credits(j, spec)
    return credited.mutate(model=ibis.literal(spec.model if not spec.is_custom else
                                              f"{spec.model.split('@')[0]}@{spec.version}"))
