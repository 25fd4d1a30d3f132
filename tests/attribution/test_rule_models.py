"""Every rule-based model on the 1-, 2-, 3- and 5-touch journeys of `lead_story`, weights
worked out by hand (see conftest.py for the touches and their days before the conversion)."""

from __future__ import annotations

import pytest

from revlens.attribution.engine import MODEL_NAMES, Scope, touch_credits
from revlens.attribution.exceptions import InvalidWeights
from revlens.attribution.specs import ModelSpec

T = 0.2 / 3  # a 5-touch journey's middle touch under 40/20/40-style models

EXPECTED = {  # model -> {lead: credits in touch order}
    "first_touch": {"L1": [1], "L2": [1, 0], "L3": [1, 0, 0], "L4": [1, 0, 0, 0, 0]},
    "last_touch": {"L1": [1], "L2": [0, 1], "L3": [0, 0, 1], "L4": [0, 0, 0, 0, 1]},
    # L2 ends on direct, L4 on direct after email: credit skips back to the last non-direct
    "last_non_direct": {"L1": [1], "L2": [1, 0], "L3": [0, 0, 1], "L4": [0, 0, 0, 1, 0],
                        "L5": [0, 1]},  # only direct touches: the last one
    "linear": {"L1": [1], "L2": [1 / 2, 1 / 2], "L3": [1 / 3] * 3, "L4": [1 / 5] * 5},
    "u_shaped": {"L1": [1], "L2": [0.5, 0.5], "L3": [0.4, 0.2, 0.4],
                 "L4": [0.4, T, T, T, 0.4]},
    "j_shaped": {"L1": [1], "L2": [0.25, 0.75], "L3": [0.2, 0.2, 0.6],
                 "L4": [0.2, T, T, T, 0.6]},
    "inverse_j": {"L1": [1], "L2": [0.75, 0.25], "L3": [0.6, 0.2, 0.2],
                  "L4": [0.6, T, T, T, 0.2]},
    # 2^(-days/7): 7 days -> 1/2, 14 -> 1/4, 21 -> 1/8, 28 -> 1/16, 35 -> 1/32, normalised
    "time_decay": {"L1": [1], "L2": [1 / 3, 2 / 3], "L3": [1 / 7, 2 / 7, 4 / 7],
                   "L4": [1 / 31, 2 / 31, 4 / 31, 8 / 31, 16 / 31]},
}


def credits_by_lead(ws, spec: ModelSpec, **scope) -> dict[str, list[float]]:
    wh = ws.warehouse
    table = touch_credits(wh, spec, Scope("lead_created", **scope))
    rows = wh.to_arrow(table.order_by(["conversion_id", "pos"])).to_pylist()
    out: dict[str, list[float]] = {}
    for r in rows:
        out.setdefault(r["conversion_id"], []).append(r["credit"])
    return out


@pytest.mark.parametrize("model", sorted(EXPECTED))
def test_rule_model_weights_by_hand(lead_story, model):
    got = credits_by_lead(lead_story, ModelSpec(model=model))
    for lead, expected in EXPECTED[model].items():
        assert got[lead] == pytest.approx(expected), lead


@pytest.mark.parametrize("model", MODEL_NAMES)
def test_credits_sum_to_one_per_conversion_and_one_touch_gets_all(lead_story, model):
    got = credits_by_lead(lead_story, ModelSpec(model=model))
    assert set(got) == {"L1", "L2", "L3", "L4", "L5"}
    for lead, credits in got.items():
        assert sum(credits) == pytest.approx(1.0), (lead, credits)
        assert all(c >= 0 for c in credits)
    assert got["L1"] == pytest.approx([1.0])


def test_u_shaped_weights_are_configurable(lead_story):
    spec = ModelSpec(model="u_shaped", weights={"first": 0.5, "last": 0.3, "rest": 0.2})
    got = credits_by_lead(lead_story, spec)
    assert got["L3"] == pytest.approx([0.5, 0.2, 0.3])
    assert got["L2"] == pytest.approx([0.5 / 0.8, 0.3 / 0.8])


def test_time_decay_half_life_is_configurable(lead_story):
    got = credits_by_lead(lead_story, ModelSpec(model="time_decay", half_life_days=14))
    # 7 days -> 2^-0.5, 14 -> 2^-1, 21 -> 2^-1.5: ratios 1 : sqrt2 : 2
    total = 1 + 2 ** 0.5 + 2
    assert got["L3"] == pytest.approx([1 / total, 2 ** 0.5 / total, 2 / total])


def test_a_shorter_window_drops_older_touches(lead_story):
    got = credits_by_lead(lead_story, ModelSpec(model="linear"), window_days=25)
    assert got["L4"] == pytest.approx([1 / 3] * 3)        # T43 (21d), T44, T45 remain
    assert got["L3"] == pytest.approx([1 / 3] * 3)
    default = credits_by_lead(lead_story, ModelSpec(model="linear"))
    assert len(default["L4"]) == 5                          # T40 (400 days) never counts


@pytest.mark.parametrize("weights", [{"first": 0.5, "last": 0.6}, {"first": -0.1, "rest": 1.1},
                                     {"middle": 1.0}])
def test_bad_weights_are_refused_with_the_valid_keys(weights):
    with pytest.raises(InvalidWeights, match="weight keys: first, last"):
        ModelSpec(model="custom:x", weights=weights)
