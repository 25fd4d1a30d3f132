"""Quotas per month, quarter and year: reps and SDRs individually, teams in total.

Targets are set from each owner's average monthly actuals, ramped up over time and stretched by
5-30%, so attainment varies by person and period as it does in real sales teams.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo.org import Org

MONTHS = pd.period_range("2024-11", "2026-12", freq="M")


def _monthly_avg(owner: np.ndarray, value: np.ndarray) -> pd.Series:
    """Average per calendar month of the window (24 months), by owner."""
    df = pd.DataFrame({"owner": owner, "value": value})
    return df.groupby("owner")["value"].sum() / 24.0


def _plan(rng: np.random.Generator, avg: pd.Series, metric: str, money: bool) -> pd.DataFrame:
    ramp = np.linspace(0.8, 1.25, len(MONTHS))
    rows = []
    for owner, base in avg.items():
        stretch = rng.uniform(1.05, 1.3, len(MONTHS))
        value = base * ramp * stretch
        value = np.round(value, -6) if money else np.round(value / 100) * 100
        rows.append(
            pd.DataFrame(
                {"owner": owner, "month": MONTHS, "metric": metric, "value": np.maximum(value, 100)}
            )
        )
    return (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["owner", "month", "metric", "value"])
    )


def _rollup(monthly: pd.DataFrame, key: str) -> pd.DataFrame:
    """Month rows plus quarter sums (and year sums for teams)."""
    out = [monthly.assign(period=monthly["month"].astype(str))]
    q = monthly.assign(period=monthly["month"].map(lambda m: f"{m.year}-Q{m.quarter}"))
    out.append(q.groupby([key, "metric", "period"], as_index=False)["value"].sum())
    if key == "team":
        y = monthly.assign(period=monthly["month"].map(lambda m: str(m.year)))
        y = y[y["period"] != "2024"]
        out.append(y.groupby([key, "metric", "period"], as_index=False)["value"].sum())
    return pd.concat(out, ignore_index=True)[[key, "metric", "period", "value"]]


def build_targets(
    rng: np.random.Generator, org: Org, opps: pd.DataFrame, leads: pd.DataFrame
) -> pd.DataFrame:
    won = opps[opps["stage"] == "won"]
    reps = pd.concat(
        [
            _plan(
                rng,
                _monthly_avg(won["owner_id"].to_numpy(), won["amount"].to_numpy()),
                "bookings",
                True,
            ),
            _plan(
                rng,
                _monthly_avg(opps["owner_id"].to_numpy(), opps["amount"].to_numpy()),
                "new_pipeline",
                True,
            ),
        ],
        ignore_index=True,
    )
    owned = leads[leads["owner_id"].isin(set(org.sdrs))]
    sdrs = _plan(
        rng, _monthly_avg(owned["owner_id"].to_numpy(), np.full(len(owned), 100.0)), "leads", False
    )
    people = pd.concat([reps, sdrs], ignore_index=True)
    people["team"] = people["owner"].map(org.team_of)
    teams = people.groupby(["team", "month", "metric"], as_index=False)["value"].sum()
    pay = teams[teams["metric"] == "bookings"].assign(
        metric="payments", value=lambda d: np.round(d["value"] * 0.85, -6)
    )
    marketing = pd.DataFrame(
        {
            "team": "Marketing",
            "month": MONTHS,
            "metric": "leads",
            "value": np.round(len(leads) / 24 * np.linspace(0.8, 1.3, len(MONTHS)) * 1.1) * 100,
        }
    )
    teams = pd.concat([teams, pay, marketing], ignore_index=True)
    user_rows = _rollup(people.rename(columns={"owner": "user_id"}), "user_id")
    team_rows = _rollup(teams, "team")
    out = pd.concat(
        [user_rows.assign(team=None), team_rows.assign(user_id=None)], ignore_index=True
    )
    return out[["period", "metric", "user_id", "team", "value"]]


def targets_columns(t: pd.DataFrame) -> dict[str, object]:
    return {c: t[c] for c in ("period", "metric", "user_id", "team", "value")}
