"""Rule-based attribution models, compiled to Ibis window expressions over a journey table.

Every model gives each touch of a journey a raw weight; `RuleModel.credits` divides it by the
journey's total, so **credits sum to exactly 1 per conversion** and a one-touch journey gives
its touch 1. Position and milestone models share one engine (`PositionModel`): a weight per role
(first, last, lead_created, ... or position_N) that coinciding roles add up, plus `rest`, shared
equally by touches without a role. Weights of roles a journey lacks (no opportunity-creation
touch, no middle touches) fall away and the rest are scaled up in proportion — so a two-touch
journey under u_shaped is 40:40 = 50/50. When every raw weight of a journey is 0 (a custom
model that only weights position_5 on a 3-touch journey) the journey is split linearly.
No Python loop touches rows: each weight is a column expression.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, final

import ibis

from revlens.attribution.journeys import JOURNEY_KEY
from revlens.attribution.specs import POSITION, ModelSpec, check_weights


class RuleModel(ABC):
    """A rule-based model: a raw weight per touch; credits are weights / journey total."""

    name: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def raw_weight(self, j: ibis.Table, spec: ModelSpec) -> ibis.FloatingValue:
        """A non-negative weight per touch of `j` (a journeys table)."""

    def total(self, j: ibis.Table, spec: ModelSpec) -> ibis.FloatingValue | None:
        """The journey's sum of raw weights when it follows from the row alone (saving a
        window over the journey); None: it is summed."""
        return None

    @final
    def credits(self, j: ibis.Table, spec: ModelSpec) -> ibis.Table:
        """`j` with `credit` (sums to 1 per conversion) and `amount_credit` added."""
        whole = ibis.window(group_by=list(JOURNEY_KEY))
        total = self.total(j, spec)
        j = j.mutate(_raw=self.raw_weight(j, spec).cast("float64"))
        total = j._raw.sum().over(whole) if total is None else total
        credit = ibis.ifelse(total > 0, j._raw / total, 1.0 / j.n.cast("float64"))
        j = j.mutate(credit=credit)
        return j.mutate(amount_credit=j.credit * j.amount).drop("_raw")


def role_flag(j: ibis.Table, role: str) -> ibis.BooleanValue:
    """Whether a touch has `role` (false where the milestone does not exist)."""
    flags = {
        "first": lambda: j.pos == 1,
        "last": lambda: j.pos == j.n,
        "last_non_direct": lambda: j.pos == ibis.coalesce(j.nondirect_pos, j.n),
        "lead_created": lambda: j.pos == j.lead_pos,
        "opportunity_created": lambda: j.pos == j.opp_pos,
        "closed_won": lambda: j.pos == j.won_pos,
    }
    if role in flags:
        return flags[role]().fill_null(False)
    k = int(POSITION.match(role).group(1))
    return j.pos == (k if k > 0 else j.n + 1 + k)


class PositionModel(RuleModel):
    """Weights by position/milestone role; `rest` shared by touches with no weighted role."""

    default_weights: ClassVar[dict[str, float]]

    def weights(self, spec: ModelSpec) -> dict[str, float]:
        return check_weights(spec.weights or self.default_weights)

    def raw_weight(self, j: ibis.Table, spec: ModelSpec) -> ibis.FloatingValue:
        weights = self.weights(spec)
        roles = [r for r in weights if r != "rest"]
        flags = {r: role_flag(j, r) for r in roles}
        raw = j.pos * 0.0
        for role in roles:
            raw = raw + ibis.ifelse(flags[role], weights[role], 0.0)
        rest = weights.get("rest", 0.0)
        if rest:
            is_rest = j.pos > 0
            for flag in flags.values():
                is_rest = is_rest & ~flag
            rest_count = _rest_count(j, roles)
            if rest_count is None:
                rest_count = is_rest.cast("int64").sum().over(
                    ibis.window(group_by=list(JOURNEY_KEY)))
            raw = raw + ibis.ifelse(is_rest, rest / rest_count.cast("float64"), 0.0)
        return raw

    def total(self, j: ibis.Table, spec: ModelSpec) -> ibis.FloatingValue | None:
        weights = self.weights(spec)
        roles = [r for r in weights if r != "rest"]
        if not set(roles) <= EVERY_JOURNEY:
            return None  # a milestone or position_N a journey may lack
        fixed = ibis.literal(float(sum(weights[r] for r in roles)))
        rest = weights.get("rest", 0.0)
        if not rest:
            return fixed
        count = _rest_count(j, roles)
        return None if count is None else fixed + ibis.ifelse(count > 0, rest, 0.0)


EVERY_JOURNEY = {"first", "last", "last_non_direct"}
"""Roles every journey has (exactly one touch each)."""


def _rest_count(j: ibis.Table, roles: list[str]) -> ibis.IntegerValue | None:
    """Touches without a role, when that follows from the journey's length alone."""
    if not roles:
        return j.n
    if len(roles) == 1 and roles[0] in EVERY_JOURNEY:
        return j.n - 1
    if set(roles) == {"first", "last"}:
        return j.n - ibis.least(j.n, 2)
    return None


def _position_model(name: str, weights: dict[str, float], text: str) -> PositionModel:
    cls = type(f"{name.title().replace('_', '')}Model", (PositionModel,),
               {"name": name, "default_weights": weights, "description": text})
    return cls()


class TimeDecay(RuleModel):
    """Weight halves every `half_life_days` further from the conversion: 2^(-days/h)."""

    name = "time_decay"
    description = "weight halves every half-life (default 7 days) before the conversion"

    def raw_weight(self, j: ibis.Table, spec: ModelSpec) -> ibis.FloatingValue:
        return ibis.literal(0.5) ** (j.days_before / spec.half_life_days)


class Custom(PositionModel):
    """Weights from a saved custom model (resolved into `spec.weights` before running)."""

    name = "custom"
    description = "weights per position or milestone, saved and versioned in the workspace"
    default_weights: ClassVar[dict[str, float]] = {"rest": 1.0}


RULE_MODELS: dict[str, RuleModel] = {m.name: m for m in (
    _position_model("first_touch", {"first": 1.0}, "all credit to the first touch"),
    _position_model("last_touch", {"last": 1.0}, "all credit to the last touch"),
    _position_model("last_non_direct", {"last_non_direct": 1.0},
                    "all credit to the last touch that is not direct/unknown"),
    _position_model("linear", {"rest": 1.0}, "equal credit to every touch"),
    _position_model("u_shaped", {"first": 0.4, "last": 0.4, "rest": 0.2},
                    "position-based: 40% first, 40% last, 20% shared by the middle"),
    _position_model("j_shaped", {"first": 0.2, "last": 0.6, "rest": 0.2},
                    "20% first, 60% last, 20% shared by the middle"),
    _position_model("inverse_j", {"first": 0.6, "last": 0.2, "rest": 0.2},
                    "60% first, 20% last, 20% shared by the middle"),
    TimeDecay(),
    _position_model("w_shaped", {"first": 0.3, "lead_created": 0.3,
                                 "opportunity_created": 0.3, "rest": 0.1},
                    "30% each to the first, lead-creation and opportunity-creation touches, "
                    "10% shared by the rest"),
    _position_model("full_path", {"first": 0.225, "lead_created": 0.225,
                                  "opportunity_created": 0.225, "closed_won": 0.225,
                                  "rest": 0.1},
                    "22.5% each to the first, lead, opportunity and closed-won touches, "
                    "10% shared by the rest"),
    Custom(),
)}
