"""Attribution models described as data: a `ModelSpec` names a model and its parameters.

Specs round-trip to JSON; running one is the job of `rules`, `markov` or `shapley`. A custom
model is a spec saved in the workspace under a name, in numbered versions (`custom_models`).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

from revlens.attribution.config import (
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_MARKOV_ORDER,
    DEFAULT_SHAPLEY_SAMPLES,
)
from revlens.attribution.exceptions import InvalidWeights

ROLES = ("first", "last", "last_non_direct", "lead_created", "opportunity_created",
         "closed_won", "rest")
"""Weight keys: the touch's position or milestone; `rest` is shared equally by every touch
that has none of the other keys given."""
POSITION = re.compile(r"^position_(-?[1-9][0-9]*)$")
CUSTOM_PREFIX = "custom:"


def check_weights(weights: dict[str, float]) -> dict[str, float]:
    """Weights are non-negative, use known keys and sum to 1."""
    unknown = [k for k in weights if k not in ROLES and not POSITION.match(k)]
    if unknown:
        raise InvalidWeights(weights, f"unknown keys {unknown}", list(ROLES))
    if any(v < 0 for v in weights.values()):
        raise InvalidWeights(weights, "weights cannot be negative", list(ROLES))
    if abs(sum(weights.values()) - 1.0) > 1e-9:
        raise InvalidWeights(weights, f"weights sum to {sum(weights.values()):g}, not 1",
                             list(ROLES))
    return weights


class ModelSpec(BaseModel):
    """One attribution model and its parameters (defaults are each model's textbook ones)."""

    model: str = Field(description="model name, e.g. linear, u_shaped, markov, custom:NAME")
    weights: dict[str, float] | None = Field(
        None, description="position/milestone weights (u/j/inverse-j/w-shaped, full_path, "
                          "custom); keys: " + ", ".join(ROLES) + ", position_N")
    half_life_days: float = Field(DEFAULT_HALF_LIFE_DAYS, gt=0,
                                  description="time_decay half-life in days")
    order: int = Field(DEFAULT_MARKOV_ORDER, ge=1, le=4, description="markov chain order")
    samples: int = Field(DEFAULT_SHAPLEY_SAMPLES, ge=10,
                         description="shapley Monte Carlo orderings (above 15 channels)")
    seed: int = Field(0, description="shapley Monte Carlo random seed")
    version: int | None = Field(None, description="custom model version (None = latest)")

    @field_validator("weights")
    @classmethod
    def _valid_weights(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else check_weights(value)

    @property
    def is_custom(self) -> bool:
        return self.model.startswith(CUSTOM_PREFIX)

    @property
    def custom_name(self) -> str:
        return self.model[len(CUSTOM_PREFIX):].split("@", 1)[0]

    @property
    def label(self) -> str:
        return self.model


def parse_weights(text: str) -> dict[str, float]:
    """`first=0.5,last=0.3,rest=0.2` -> a dict (the CLI's --weights)."""
    pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
    try:
        return {k.strip(): float(v) for k, v in pairs}
    except ValueError:
        raise InvalidWeights({}, f"cannot read {text!r} (write key=weight,...)",
                             list(ROLES)) from None
