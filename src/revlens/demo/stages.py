"""Vectorised simulation of opportunities moving through the default stages.

Each opportunity draws a duration (whole days, at least 1) for every open stage; the planted
factors multiply them. Outcome (won, or lost at a given stage) is decided up front; the history
is then cut at the end date, leaving later opportunities open in the stage they were in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from revlens.demo import effects as fx
from revlens.demo.schema import LOST, STAGES, WON
from revlens.demo.timeline import DAY, END_TS, seconds_in_day

N_OPEN = len(STAGES)


@dataclass
class StagePath:
    """Entry time of each open stage and of the outcome (-1 = not reached by the end date)."""

    entered: np.ndarray
    """(n, 4) epoch seconds per open stage."""
    outcome_at: np.ndarray
    """(n,) when won/lost was entered, -1 if still open."""
    stage: np.ndarray
    """(n,) final stage name (object)."""
    last_open: np.ndarray
    """(n,) index of the last open stage the deal passes through (3 for won deals)."""


def draw_durations(rng: np.random.Generator, n: int, factor: np.ndarray,
                   solution_factor: np.ndarray) -> np.ndarray:
    """(n, 4) whole days per open stage, with overall and solution-stage factors applied."""
    med = np.log(np.asarray(fx.STAGE_MEDIAN_DAYS))
    days = np.exp(med[None, :] + rng.normal(0.0, fx.STAGE_SIGMA, (n, N_OPEN)))
    days *= factor[:, None]
    days[:, 2] *= solution_factor
    return np.maximum(np.round(days), 1).astype(np.int64)


def simulate(rng: np.random.Generator, created: np.ndarray, won: np.ndarray,
             lost_stage: np.ndarray, durations: np.ndarray) -> StagePath:
    """Walk each deal from ``created`` through its stages; cut at the end date."""
    n = len(created)
    last = np.where(won, N_OPEN - 1, lost_stage)
    day0 = created // DAY
    offsets = np.zeros((n, N_OPEN + 1), dtype=np.int64)
    offsets[:, 1:] = np.cumsum(durations, axis=1)
    entered = np.empty((n, N_OPEN), dtype=np.int64)
    entered[:, 0] = created
    for k in range(1, N_OPEN):
        entered[:, k] = (day0 + offsets[:, k]) * DAY + seconds_in_day(rng, n)
    outcome = (day0 + offsets[np.arange(n), last + 1]) * DAY + seconds_in_day(rng, n)
    reached = (np.arange(N_OPEN)[None, :] <= last[:, None]) & (entered <= END_TS)
    entered = np.where(reached, entered, -1)
    outcome = np.where(outcome <= END_TS, outcome, -1)
    current = np.max(np.where(reached, np.arange(N_OPEN)[None, :], 0), axis=1)
    names = np.array(STAGES, dtype=object)[current]
    stage = np.where(outcome >= 0, np.where(won, WON, LOST), names).astype(object)
    return StagePath(entered=entered, outcome_at=outcome, stage=stage, last_open=last)


def lost_stages(rng: np.random.Generator, n: int) -> np.ndarray:
    p = np.asarray(fx.LOST_AT_STAGE)
    return rng.choice(N_OPEN, size=n, p=p / p.sum())
