"""The demo's calendar: a two-year window ending 2026-10-31, and vectorised time sampling.

Times are integer epoch seconds of *local* wall time (Asia/Shanghai, written without offset);
days are integer days since 1970-01-01. Day weights model a growing business: volume ramps up
over the two years, weekends are quiet, and Spring Festival and National Day weeks dip.
"""

from __future__ import annotations

import zlib
from datetime import date

import numpy as np

END_DATE = date(2026, 10, 31)
START_DATE = date(2024, 11, 1)
DAY = 86_400
START_DAY = (START_DATE - date(1970, 1, 1)).days
END_DAY = (END_DATE - date(1970, 1, 1)).days
N_DAYS = END_DAY - START_DAY + 1
END_TS = (END_DAY + 1) * DAY - 1
START_TS = START_DAY * DAY

_HOLIDAYS = [  # (first day, days): Spring Festival and National Day weeks
    (date(2025, 1, 28), 8), (date(2026, 2, 15), 9),
    (date(2025, 10, 1), 8), (date(2024, 12, 31), 2), (date(2025, 12, 31), 2),
]

# Share of activity per hour of day (0..23).
_HOURS = {
    "office": [0, 0, 0, 0, 0, 0, 0, .2, 1, 3, 3.2, 3, 1.5, 2, 3, 3, 2.8, 2.2, 1, .5, .3, .2, 0, 0],
    "web": [.3, .2, .1, .1, .1, .2, .4, 1, 2, 3, 3.2, 3, 2.2, 2.5, 3, 3, 2.8, 2.4, 1.8, 1.6, 1.8,
            1.6, 1.1, .6],
    "email": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0.4, 1, 0, 0, 0, 0, 0, 0, 0, 0],
}


def day_of(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def rng_for(seed: int, part: str) -> np.random.Generator:
    """An independent, reproducible generator per part, so parts don't shift each other."""
    return np.random.default_rng([seed, zlib.crc32(part.encode())])


def day_weights(growth: float = 1.8, weekend: float = 0.25) -> np.ndarray:
    """Relative volume of each day of the window (sums to 1)."""
    days = np.arange(START_DAY, END_DAY + 1)
    w = 1.0 + (growth - 1.0) * (days - START_DAY) / (N_DAYS - 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    w = np.where(weekday >= 5, w * weekend, w)
    for first, length in _HOLIDAYS:
        lo = day_of(first) - START_DAY
        w[max(lo, 0):max(lo + length, 0)] *= 0.2
    return w / w.sum()


_DEFAULT_WEIGHTS = day_weights()


def sample_days(rng: np.random.Generator, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """``n`` days (epoch day numbers) drawn with the window's day weights."""
    w = _DEFAULT_WEIGHTS if weights is None else weights
    return START_DAY + rng.choice(N_DAYS, size=n, p=w)


def seconds_in_day(rng: np.random.Generator, n: int, profile: str = "office") -> np.ndarray:
    """Second of the day, by an hourly profile (``office``, ``web`` or ``email``)."""
    hours = np.asarray(_HOURS[profile], dtype=np.float64)
    hour = rng.choice(24, size=n, p=hours / hours.sum())
    return hour * 3600 + rng.integers(0, 3600, size=n)


def sample_times(rng: np.random.Generator, n: int, profile: str = "office",
                 weights: np.ndarray | None = None) -> np.ndarray:
    """``n`` timestamps in the window, by day weights and an hourly profile."""
    return sample_days(rng, n, weights) * DAY + seconds_in_day(rng, n, profile)


def at_office_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A working-hours timestamp on each of ``days``."""
    days = np.asarray(days, dtype=np.int64)
    return days * DAY + seconds_in_day(rng, len(days), "office")


def office_hours_from(rng: np.random.Generator, ts: np.ndarray) -> np.ndarray:
    """The first working-hours moment (random time of day) not before each ``ts``."""
    ts = np.asarray(ts, dtype=np.int64)
    candidate = (ts // DAY) * DAY + seconds_in_day(rng, len(ts), "office")
    return np.minimum(np.where(candidate >= ts, candidate, candidate + DAY), END_TS)


def between(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform timestamp in [lo, hi] per row (hi < lo gives lo)."""
    lo = np.asarray(lo, dtype=np.int64)
    span = np.maximum(np.asarray(hi, dtype=np.int64) - lo, 0)
    return lo + (rng.random(len(lo)) * (span + 1)).astype(np.int64)


def clip_window(ts: np.ndarray) -> np.ndarray:
    return np.clip(ts, START_TS, END_TS)
