"""Markov removal effects, solved exactly, on paths small enough to solve by hand.

The three-path story: `A > B` converts once, `A` fails once, `B` converts once.
Transitions: START->A 2/3, START->B 1/3; A->B 1/2, A->NULL 1/2; B->CONV 1.
P(conv) = 2/3 * 1/2 + 1/3 = 2/3.  Without A: 1/3 * 1 = 1/3, RE(A) = 1 - (1/3)/(2/3) = 1/2.
Without B: nothing converts, RE(B) = 1.  Shares 1/3 and 2/3 of the 2 conversions.
"""

from __future__ import annotations

import numpy as np
import pytest

from revlens.attribution.markov import conversion_probability, markov_model, transition_matrices
from revlens.attribution.pathtable import PathTable

THREE_PATHS = PathTable.from_columns(["A > B", "A", "B"], [1, 0, 1], [100.0, 0, 50.0],
                                     [0, 1, 0])


def by_channel(result):
    return {c.channel: c for c in result.channels}


def test_three_paths_by_hand():
    result = markov_model(THREE_PATHS)
    assert result.conversion_probability == pytest.approx(2 / 3)
    channels = by_channel(result)
    assert channels["A"].removal_effect == pytest.approx(1 / 2)
    assert channels["B"].removal_effect == pytest.approx(1.0)
    assert channels["A"].total_conversions == pytest.approx(2 / 3)
    assert channels["B"].total_conversions == pytest.approx(4 / 3)
    assert channels["A"].total_conversion_value == pytest.approx(150 / 3)
    assert sum(c.share for c in result.channels) == pytest.approx(1.0)


def test_transition_matrix_by_hand():
    q, r, _ = transition_matrices(THREE_PATHS)
    # states: 0 START, 1 A, 2 B
    assert q[0].tolist() == pytest.approx([0, 2 / 3, 1 / 3])
    assert q[1].tolist() == pytest.approx([0, 0, 1 / 2])
    assert r.tolist() == pytest.approx([0, 0, 1])


def _power_series(q: np.ndarray, r: np.ndarray, steps: int = 5_000) -> float:
    """The absorption probability as sum over t of (Q^t r)[START]: no linear solve."""
    reach, total = np.zeros(len(r)), 0.0
    reach[0] = 1.0
    for _ in range(steps):
        total += reach @ r
        reach = reach @ q
    return total


@pytest.mark.parametrize("order", [1, 2, 3])
def test_the_solve_matches_the_power_series_on_loops(order):
    paths = ["A > B > A > C", "C > C > B", "B > A", "A > A > A", "C", "B > C > A > B"]
    table = PathTable.from_columns(paths, [3, 1, 0, 2, 0, 4], [0] * 6, [1, 2, 5, 1, 3, 0])
    q, r, holds = transition_matrices(table, order)
    assert conversion_probability(q, r) == pytest.approx(_power_series(q, r), abs=1e-9)
    for code in range(1, len(table.channels) + 1):
        q2, r2 = q.copy(), np.where(holds[:, code], 0.0, r)
        q2[:, holds[:, code]] = 0.0
        assert conversion_probability(q2, r2) == pytest.approx(_power_series(q2, r2), abs=1e-9)


def test_order_one_conversion_probability_is_the_observed_rate_without_loops():
    # every path is its own branch (no shared state after START): P(conv) = conversions / all
    table = PathTable.from_columns(["A", "B", "C"], [1, 2, 0], [0, 0, 0], [3, 2, 4])
    assert markov_model(table).conversion_probability == pytest.approx(3 / 12)


def test_order_two_remembers_where_a_touch_came_from():
    # order 1 cannot tell B after A from B after C; order 2 can: removing A changes more
    table = PathTable.from_columns(["A > B", "C > B"], [2, 0], [0, 0], [0, 2])
    first, second = by_channel(markov_model(table, 1)), by_channel(markov_model(table, 2))
    assert first["A"].removal_effect == pytest.approx(0.5)   # B converts half the time
    assert second["A"].removal_effect == pytest.approx(1.0)  # (A,B) always converts
    assert second["C"].removal_effect == pytest.approx(0.0)


def test_a_path_table_of_one_channel_gives_it_everything():
    result = markov_model(PathTable.from_columns(["A > A"], [4], [40.0], [4]))
    assert by_channel(result)["A"].total_conversions == pytest.approx(4.0)
    assert by_channel(result)["A"].total_conversion_value == pytest.approx(40.0)
