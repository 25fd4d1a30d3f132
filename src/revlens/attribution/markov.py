"""Markov-chain attribution: removal effects of an absorbing chain, solved exactly.

States are the last `order` channels of a path (order 1: the channel); every path is the walk
START -> s1 -> ... -> sn -> CONVERSION (weighted by its conversions) or -> NULL (by its
non-conversions). Transition probabilities are the observed transition counts normalised per
state. The conversion probability from START is the absorption probability into CONVERSION:
the solution x of (I - Q) x = r, with Q the transient-to-transient matrix and r the
transient-to-CONVERSION column; numpy solves it — no simulation.

Removing channel c sends every transition into a state that contains c to NULL. Its removal
effect is RE(c) = 1 - P(conversion without c) / P(conversion). Channel c's share of the
conversions is RE(c) / sum of all removal effects (the ChannelAttribution convention), so the
attributed conversions (and value) sum to the totals of the path table.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from revlens.attribution.pathtable import PathTable


class ChannelValue(BaseModel):
    channel: str
    removal_effect: float | None = None
    shapley_value: float | None = None
    standard_error: float | None = None
    share: float
    total_conversions: float
    total_conversion_value: float


class ChannelModelResult(BaseModel):
    """Channel-level result of markov or shapley over a path table."""

    model: str
    channels: list[ChannelValue]
    conversion_probability: float | None = None
    exact: bool = True
    samples: int | None = None

    def weights(self) -> dict[str, float]:
        return {c.channel: c.share for c in self.channels}


def _states(table: PathTable, order: int) -> tuple[np.ndarray, np.ndarray]:
    """State id per flat position (1..S; 0 = START), and per state whether it holds each
    channel (a bool matrix, states x channels+1)."""
    codes, starts = table.codes, table.offsets[:-1]
    base = len(table.channels) + 1
    key = np.zeros(len(codes), dtype=np.int64)
    pos_in_path = np.arange(len(codes)) - np.repeat(starts, table.lengths)
    for back in range(order):
        shifted = np.zeros(len(codes), dtype=np.int64)
        if back:
            shifted[back:] = codes[:-back]
        else:
            shifted = codes.copy()
        shifted[pos_in_path < back] = 0   # before the path's start: padding
        key = key * base + shifted
    unique, state = np.unique(key, return_inverse=True)
    holds = np.zeros((len(unique) + 1, base), dtype=bool)
    rest = unique.copy()
    for _ in range(order):
        holds[np.arange(1, len(unique) + 1), rest % base] = True
        rest //= base
    holds[:, 0] = False
    return state + 1, holds


def transition_matrices(table: PathTable, order: int = 1) -> tuple[np.ndarray, np.ndarray,
                                                                      np.ndarray]:
    """(Q, r_conv, holds): transient transition matrix over START + states, the one-step
    probability of conversion per transient state, and which channels each state holds."""
    state, holds = _states(table, order)
    n_states = holds.shape[0]
    weight = (table.conversions + table.nulls)[table.path_index]
    starts, ends = table.offsets[:-1], table.offsets[1:] - 1
    from_state = np.concatenate([np.zeros(len(starts), np.int64), state[:-1]])
    to_state = np.concatenate([state[starts], state[1:]])
    step_weight = np.concatenate([table.conversions + table.nulls, weight[:-1]])
    inner = np.ones(len(state), dtype=bool)
    inner[ends] = False                      # the step from a path's last touch is absorbing
    keep = np.concatenate([np.ones(len(starts), bool), inner[:-1]])
    counts = np.zeros((n_states, n_states))
    np.add.at(counts, (from_state[keep], to_state[keep]), step_weight[keep])
    conv = np.zeros(n_states)
    null = np.zeros(n_states)
    np.add.at(conv, state[ends], table.conversions)
    np.add.at(null, state[ends], table.nulls)
    out = counts.sum(axis=1) + conv + null
    out[out == 0] = 1.0
    return counts / out[:, None], conv / out, holds


def conversion_probability(q: np.ndarray, r: np.ndarray) -> float:
    """Absorption probability into CONVERSION from START: solve (I - Q) x = r."""
    x = np.linalg.solve(np.eye(len(r)) - q, r)
    return float(x[0])


def markov_model(table: PathTable, order: int = 1) -> ChannelModelResult:
    """Removal effects and attributed conversions/value per channel (exact)."""
    q, r, holds = transition_matrices(table, order)
    base = conversion_probability(q, r) if len(table.channels) else 0.0
    effects = []
    for code in range(1, len(table.channels) + 1):
        removed = holds[:, code]
        q_removed = q.copy()
        q_removed[:, removed] = 0.0
        r_removed = np.where(removed, 0.0, r)
        without = conversion_probability(q_removed, r_removed)
        effects.append(1.0 - without / base if base > 0 else 0.0)
    effects_arr = np.maximum(np.array(effects), 0.0)
    total = effects_arr.sum()
    shares = effects_arr / total if total > 0 else effects_arr
    conversions, value = table.conversions.sum(), table.value.sum()
    return ChannelModelResult(model="markov", conversion_probability=base, channels=[
        ChannelValue(channel=ch, removal_effect=float(re), share=float(s),
                     total_conversions=float(s * conversions),
                     total_conversion_value=float(s * value))
        for ch, re, s in zip(table.channels, effects_arr, shares, strict=True)])
