"""Shapley-value attribution over the coalition table of channel sets.

Each path's channels form a coalition. The worth of a coalition S is, by default
(`worth="conversions"`), the conversions of every path whose channels all lie in S
(v(S) = sum over T subset of S of conversions(T)); with `worth="conversion_rate"` it is the
conversion rate of those paths. A channel's Shapley value is its average marginal worth over
all orderings of the channels: phi_i = sum over S without i of |S|!(n-|S|-1)!/n! *
(v(S + i) - v(S)). Values sum to v(all channels); they are scaled to the path table's
conversions, so the attributed conversions (and value) sum to its totals.

Up to `config.SHAPLEY_EXACT_MAX_CHANNELS` channels the sum runs over all 2^n coalitions
(numpy, vectorised over bit masks); above, over `samples` random orderings (Monte Carlo), with
the standard error of each value reported.
"""

from __future__ import annotations

from math import factorial

import numpy as np

from revlens.attribution.config import DEFAULT_SHAPLEY_SAMPLES, SHAPLEY_EXACT_MAX_CHANNELS
from revlens.attribution.markov import ChannelModelResult, ChannelValue
from revlens.attribution.pathtable import PathTable

WORTHS = ("conversions", "conversion_rate")


def coalitions(table: PathTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct channel-set masks with their conversions and non-conversions."""
    masks, inverse = np.unique(table.channel_sets(), return_inverse=True)
    conv = np.bincount(inverse, weights=table.conversions, minlength=len(masks))
    null = np.bincount(inverse, weights=table.nulls, minlength=len(masks))
    return masks, conv, null


def _subset_sums(values: np.ndarray, n: int) -> np.ndarray:
    """f[S] = sum of values[T] for T subset of S, over all 2^n masks (zeta transform)."""
    f = values.copy()
    for bit in range(n):
        shaped = f.reshape(-1, 2, 1 << bit)
        shaped[:, 1, :] += shaped[:, 0, :]
    return f


def worth_table(table: PathTable, worth: str = "conversions") -> np.ndarray:
    """v over all 2^n coalitions (index = bit mask)."""
    n = len(table.channels)
    masks, conv, null = coalitions(table)
    dense_conv, dense_all = np.zeros(1 << n), np.zeros(1 << n)
    np.add.at(dense_conv, masks, conv)
    np.add.at(dense_all, masks, conv + null)
    conv_sum = _subset_sums(dense_conv, n)
    if worth == "conversions":
        return conv_sum
    all_sum = _subset_sums(dense_all, n)
    return np.divide(conv_sum, all_sum, out=np.zeros_like(conv_sum), where=all_sum > 0)


def exact_shapley(v: np.ndarray, n: int) -> np.ndarray:
    """Shapley values of the game v (indexed by bit mask) over n players."""
    masks = np.arange(1 << n)
    sizes = np.bitwise_count(masks)
    coef = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) if s < n else 0.0
                     for s in range(n + 1)])
    phi = np.zeros(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = np.sum(coef[sizes[without]] * (v[without | (1 << i)] - v[without]))
    return phi


def _worth_of(prefixes: np.ndarray, masks: np.ndarray, conv: np.ndarray, total: np.ndarray,
              worth: str) -> np.ndarray:
    inside = (masks[None, :] & ~prefixes[:, None]) == 0
    got = inside @ conv
    if worth == "conversions":
        return got
    seen = inside @ total
    return np.divide(got, seen, out=np.zeros_like(got), where=seen > 0)


def sampled_shapley(table: PathTable, samples: int, seed: int = 0,
                    worth: str = "conversions") -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo Shapley values over random orderings, and their standard errors."""
    n = len(table.channels)
    masks, conv, null = coalitions(table)
    rng = np.random.default_rng(seed)
    marginals = np.zeros((samples, n))
    bits = np.left_shift(np.int64(1), np.arange(n, dtype=np.int64))
    for s in range(samples):
        order = rng.permutation(n)
        prefixes = np.concatenate([[0], np.cumsum(bits[order])])
        v = _worth_of(prefixes, masks, conv, conv + null, worth)
        marginals[s, order] = np.diff(v)
    se = marginals.std(axis=0, ddof=1) / np.sqrt(samples) if samples > 1 else np.zeros(n)
    return marginals.mean(axis=0), se


def shapley_model(table: PathTable, worth: str = "conversions",
                  samples: int = DEFAULT_SHAPLEY_SAMPLES, seed: int = 0,
                  exact_max: int = SHAPLEY_EXACT_MAX_CHANNELS) -> ChannelModelResult:
    """Shapley values and attributed conversions/value per channel."""
    if worth not in WORTHS:
        raise ValueError(f"unknown Shapley worth {worth!r}; choose one of {WORTHS}")
    n = len(table.channels)
    exact = n <= exact_max
    if exact:
        phi, se = exact_shapley(worth_table(table, worth), n), np.zeros(n)
    else:
        phi, se = sampled_shapley(table, samples, seed, worth)
    total_phi = phi.sum()
    shares = phi / total_phi if total_phi > 0 else np.zeros(n)
    conversions, value = table.conversions.sum(), table.value.sum()
    return ChannelModelResult(
        model="shapley", exact=exact, samples=None if exact else samples,
        channels=[ChannelValue(channel=ch, shapley_value=float(p), share=float(s),
                               standard_error=float(e), total_conversions=float(s * conversions),
                               total_conversion_value=float(s * value))
                  for ch, p, s, e in zip(table.channels, phi, shares, se, strict=True)])
