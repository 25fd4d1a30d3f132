"""Daily exchange rates to CNY for USD, EUR and HKD: gentle random walks around real levels."""

from __future__ import annotations

import numpy as np

from revlens.demo.timeline import END_DAY, START_DAY

# currency -> (starting rate to CNY, daily volatility)
CURRENCIES = {"USD": (7.12, 0.0022), "EUR": (7.70, 0.0035), "HKD": (0.915, 0.0022)}


def fx_columns(rng: np.random.Generator) -> dict[str, object]:
    """One row per day and currency from the window start (and 30 days before) to its end."""
    days = np.arange(START_DAY - 30, END_DAY + 1)
    dates, currencies, rates = [], [], []
    for currency, (level, vol) in CURRENCIES.items():
        walk = np.cumsum(rng.normal(0.0, vol, size=len(days)))
        walk -= np.linspace(0.0, walk[-1] * 0.7, len(days))  # keep the drift modest
        dates.append(days)
        currencies.append(np.full(len(days), currency, dtype=object))
        rates.append(np.round(level * np.exp(walk), 4))
    return {"date": np.concatenate(dates), "currency": np.concatenate(currencies),
            "rate_to_workspace_currency": np.concatenate(rates)}


def usd_rate(fx: dict[str, object]) -> float:
    """Average USD rate over the window (for truth totals in CNY)."""
    rates = np.asarray(fx["rate_to_workspace_currency"])
    cur = np.asarray(fx["currency"])
    return float(rates[cur == "USD"].mean())
