"""Shapley values over the coalition table, exact and Monte Carlo.

The three-channel story (worth = conversions of paths whose channels all lie in the coalition):
{A}: 2, {B}: 4, {A,B}: 6, {A,B,C}: 12 conversions.  By hand, over the 3! orderings:
phi_A = 2 + 6/2 + 12/3 = 9, phi_B = 4 + 6/2 + 12/3 = 11, phi_C = 12/3 = 4; they sum to 24.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest

from revlens.attribution.pathtable import PathTable
from revlens.attribution.shapley import (
    exact_shapley,
    sampled_shapley,
    shapley_model,
    worth_table,
)

THREE = PathTable.from_columns(["A", "B", "A > B", "B > A > C > A"], [2, 4, 6, 12],
                               [20.0, 40.0, 60.0, 120.0], [1, 1, 1, 1])


def values(result):
    return {c.channel: c.shapley_value for c in result.channels}


def test_three_channels_by_hand():
    result = shapley_model(THREE)
    assert result.exact
    assert values(result) == pytest.approx({"A": 9.0, "B": 11.0, "C": 4.0})
    totals = {c.channel: c.total_conversions for c in result.channels}
    assert sum(totals.values()) == pytest.approx(24.0)
    assert {c.channel: c.total_conversion_value for c in result.channels} == pytest.approx(
        {"A": 90.0, "B": 110.0, "C": 40.0})


def _by_orderings(v: np.ndarray, n: int) -> np.ndarray:
    """The textbook definition: average marginal worth over all n! orderings."""
    phi = np.zeros(n)
    orders = list(permutations(range(n)))
    for order in orders:
        mask = 0
        for player in order:
            phi[player] += v[mask | (1 << player)] - v[mask]
            mask |= 1 << player
    return phi / len(orders)


def _random_table(rng, channels: int, paths: int) -> PathTable:
    names = [f"c{i:02d}" for i in range(channels)]
    rows = [" > ".join(rng.choice(names, size=rng.integers(1, 5))) for _ in range(paths)]
    return PathTable.from_columns(rows, rng.integers(0, 5, paths), np.zeros(paths),
                                  rng.integers(0, 9, paths))


@pytest.mark.parametrize("worth", ["conversions", "conversion_rate"])
def test_the_coalition_formula_matches_all_orderings(worth):
    table = _random_table(np.random.default_rng(7), 6, 40)
    n = len(table.channels)
    v = worth_table(table, worth)
    assert exact_shapley(v, n) == pytest.approx(_by_orderings(v, n))
    assert exact_shapley(v, n).sum() == pytest.approx(v[-1])   # efficiency


def test_conversions_worth_equals_splitting_each_path_among_its_channels():
    table = _random_table(np.random.default_rng(3), 8, 60)
    expected = dict.fromkeys(table.channels, 0.0)
    for r in range(len(table.lengths)):
        seen = {table.channels[c - 1] for c in table.codes[table.offsets[r]:table.offsets[r + 1]]}
        for channel in seen:
            expected[channel] += table.conversions[r] / len(seen)
    assert values(shapley_model(table)) == pytest.approx(expected)


@pytest.mark.parametrize("worth", ["conversions", "conversion_rate"])
def test_monte_carlo_is_close_to_exact_within_its_standard_error(worth):
    table = _random_table(np.random.default_rng(11), 8, 80)
    exact = shapley_model(table, worth)
    sampled = shapley_model(table, worth, samples=3_000, seed=5, exact_max=4)
    assert not sampled.exact and sampled.samples == 3_000
    for e, s in zip(exact.channels, sampled.channels, strict=True):
        assert s.standard_error > 0
        assert abs(s.shapley_value - e.shapley_value) < 4 * s.standard_error + 1e-9


def test_monte_carlo_standard_error_shrinks_with_samples():
    table = _random_table(np.random.default_rng(2), 6, 30)
    _, small = sampled_shapley(table, 200, seed=1)
    _, large = sampled_shapley(table, 3_200, seed=1)
    assert np.all(large < small)


def test_above_fifteen_channels_it_samples():
    table = _random_table(np.random.default_rng(5), 18, 200)
    result = shapley_model(table, samples=200)
    assert len(table.channels) == 18 and not result.exact
    assert sum(c.share for c in result.channels) == pytest.approx(1.0)


def test_the_table_note_says_how_the_values_were_computed():
    from revlens.attribution.cli import channel_model_note
    from revlens.attribution.markov import markov_model

    assert channel_model_note(shapley_model(THREE)) == "shapley: exact over 3 channels"
    sampled = shapley_model(THREE, samples=50, exact_max=2)
    largest = max(c.standard_error for c in sampled.channels)
    assert largest > 0
    assert channel_model_note(sampled) == (
        f"shapley: 50 sampled orderings of 3 channels; largest standard error {largest:.4f}")
    assert channel_model_note(markov_model(THREE)).startswith(
        "markov: removal effects of 3 channels, solved exactly")
