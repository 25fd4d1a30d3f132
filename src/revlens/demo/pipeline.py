"""Opportunities: new business at accounts, then upsells, renewals and second attempts.

Pass one creates new-business deals after accounts appear; pass two follows their outcomes
(won deals renew when their contract ends and sometimes upsell, lost ones are sometimes
retried). Both passes go through :func:`revlens.demo.stages.simulate` with the planted factors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo import effects as fx
from revlens.demo import stages
from revlens.demo.org import Org
from revlens.demo.schema import LOST, STAGES, WON
from revlens.demo.timeline import DAY, END_TS, at_office_time

_PRODUCTS_ZH = ["营销云", "销售云", "营收分析平台", "客户数据平台", "营销云+销售云"]
_PRODUCTS_EN = ["Marketing Cloud", "Sales Cloud", "Revenue Analytics", "CDP", "Suite"]
_TYPE_ZH = {"new_business": "新签", "upsell": "增购", "renewal": "续约"}
_TYPE_EN = {"new_business": "New", "upsell": "Upsell", "renewal": "Renewal"}
_LOST_REASONS = [
    "价格太高",
    "选择了竞品",
    "预算取消",
    "需求不明确",
    "项目延期",
    "内部自研",
    "无决策人",
    "Lost to competitor",
    "No budget",
    "No decision",
]
_FORECAST = {
    "qualification": "pipeline",
    "needs_analysis": "pipeline",
    "solution": "best_case",
    "negotiation": "commit",
    WON: "closed",
    LOST: "omitted",
}


def _new_business(rng: np.random.Generator, acc: pd.DataFrame, org: Org) -> pd.DataFrame:
    n = len(acc)
    p = np.where(acc["is_target"].to_numpy(), 0.85, 0.6)
    has = rng.random(n) < p
    created = acc["created_at"].to_numpy() + (rng.exponential(80, n) * DAY).astype(np.int64)
    created = at_office_time(rng, created // DAY)
    has &= created <= END_TS - DAY
    rows = np.flatnonzero(has)
    webinar = rng.random(n) < fx.WEBINAR_ACCOUNT_SHARE
    acc["webinar_account"] = has & webinar
    emp = acc["employee_count"].to_numpy()[rows]
    amount = 80_000 * np.exp(rng.normal(0, 0.6, len(rows))) * (emp / 300) ** 0.25
    return pd.DataFrame(
        {
            "account_idx": rows,
            "type": "new_business",
            "created_at": created[rows],
            "amount": np.round(amount, -3) * 100,
            "parent": -1,
        }
    )


def _owners(
    rng: np.random.Generator, acc: pd.DataFrame, org: Org, account_idx: np.ndarray
) -> np.ndarray:
    owner = acc["owner_id"].to_numpy()[account_idx].copy()
    region = acc["region"].to_numpy()[account_idx]
    for r, reps in org.reps_by_region.items():
        gap = pd.isna(owner) & (region == r)
        owner[gap] = rng.choice(reps, size=int(gap.sum()))
    return owner


def _simulate(
    rng: np.random.Generator, plan: pd.DataFrame, acc: pd.DataFrame, org: Org
) -> pd.DataFrame:
    n = len(plan)
    a = plan["account_idx"].to_numpy()
    plan["owner_id"] = _owners(rng, acc, org, a)
    kind = plan["type"].to_numpy()
    webinar = acc["webinar_account"].to_numpy()[a] & (kind == "new_business")
    p_win = np.select(
        [kind == "renewal", kind == "upsell"],
        [fx.RENEWAL_WIN_RATE, fx.UPSELL_WIN_RATE],
        np.where(webinar, fx.BASE_WIN_RATE * fx.WEBINAR_WIN_LIFT, fx.BASE_WIN_RATE),
    )
    won = rng.random(n) < p_win
    specialized = acc["is_specialized"].to_numpy()[a]
    factor = pd.Series(kind).map(fx.TYPE_CYCLE_FACTOR).to_numpy() * np.where(
        specialized, fx.SPECIALIZED_CYCLE_FACTOR, 1.0
    )
    stall = rng.random(n) < fx.STALL_SHARE
    slow = plan["owner_id"].to_numpy() == org.slow_rep
    solution = np.where(stall, fx.STALL_FACTOR, 1.0) * np.where(slow, fx.SLOW_REP_FACTOR, 1.0)
    durations = stages.draw_durations(rng, n, factor, solution)
    path = stages.simulate(
        rng, plan["created_at"].to_numpy(), won, stages.lost_stages(rng, n), durations
    )
    for k in range(stages.N_OPEN):
        plan[f"entered_{k}"] = path.entered[:, k]
    plan["closed_at"] = path.outcome_at
    plan["stage"] = path.stage
    plan["planned_won"] = won
    plan["stalled"] = stall
    plan["planned_days"] = (np.asarray(fx.STAGE_MEDIAN_DAYS).sum() * factor).round()
    plan["contract_years"] = rng.choice([1, 2, 3], size=n, p=[0.85, 0.1, 0.05])
    plan["start_day"] = np.where(path.outcome_at >= 0, path.outcome_at // DAY, -1) + rng.integers(
        0, 15, n
    )
    return plan


def _follow_ups(rng: np.random.Generator, first: pd.DataFrame) -> pd.DataFrame:
    won = (first["stage"] == WON).to_numpy() & (first["type"] == "new_business").to_numpy()
    lost = (first["stage"] == LOST).to_numpy()
    closed_day = first["closed_at"].to_numpy() // DAY
    end_day = first["start_day"].to_numpy() + 365 * first["contract_years"].to_numpy() - 1
    amount = first["amount"].to_numpy()
    n = len(first)
    parts = [
        (
            "renewal",
            won,
            end_day - rng.integers(60, 91, n),
            amount / first["contract_years"].to_numpy() * rng.uniform(0.95, 1.2, n),
        ),
        (
            "upsell",
            won & (rng.random(n) < fx.UPSELL_SHARE),
            closed_day + rng.integers(90, 331, n),
            amount * rng.uniform(0.2, 0.6, n),
        ),
        (
            "new_business",
            lost & (rng.random(n) < fx.RETRY_SHARE),
            closed_day + rng.integers(120, 301, n),
            amount * rng.uniform(0.8, 1.2, n),
        ),
    ]
    frames = []
    for kind, mask, day, value in parts:
        created = at_office_time(rng, day)
        keep = mask & (created <= END_TS - DAY)
        frames.append(
            pd.DataFrame(
                {
                    "account_idx": first["account_idx"].to_numpy()[keep],
                    "type": kind,
                    "created_at": created[keep],
                    "amount": np.round(value[keep], -5),
                    "parent": np.flatnonzero(keep),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _names(rng: np.random.Generator, opps: pd.DataFrame, acc: pd.DataFrame) -> np.ndarray:
    intl = acc["is_intl"].to_numpy()[opps["account_idx"].to_numpy()]
    short = acc["short_name"].to_numpy()[opps["account_idx"].to_numpy()]
    product = rng.integers(0, len(_PRODUCTS_ZH), len(opps))
    year = (1970 + opps["created_at"].to_numpy() / (365.2425 * DAY)).astype(int).astype(str)
    zh = (
        short
        + "-"
        + np.array(_PRODUCTS_ZH, dtype=object)[product]
        + "-"
        + opps["type"].map(_TYPE_ZH).to_numpy()
        + year
    )
    en = (
        short
        + " - "
        + np.array(_PRODUCTS_EN, dtype=object)[product]
        + " - "
        + opps["type"].map(_TYPE_EN).to_numpy()
        + " "
        + year
    )
    return np.where(intl, en, zh)


def build_pipeline(rng: np.random.Generator, acc: pd.DataFrame, org: Org) -> pd.DataFrame:
    """All opportunities, sorted by creation, with ids, outcomes and stage entry times."""
    first = _simulate(rng, _new_business(rng, acc, org), acc, org)
    second = _simulate(rng, _follow_ups(rng, first), acc, org)
    # ``parent`` indexes ``first``; a renewal's contract starts when its parent's ends.
    second.loc[second["type"] == "renewal", "start_day"] = (
        first["start_day"].to_numpy() + 365 * first["contract_years"].to_numpy()
    )[second.loc[second["type"] == "renewal", "parent"].to_numpy()]
    first["parent"] = -1
    opps = pd.concat([first, second], ignore_index=True)
    opps = opps.sort_values("created_at", kind="stable").reset_index(drop=True)
    opps["opportunity_id"] = [f"O{i:07d}" for i in range(1, len(opps) + 1)]
    opps["name"] = _names(rng, opps, acc)
    closed = opps["closed_at"].to_numpy() >= 0
    opps["is_won"] = np.where(closed, opps["stage"].to_numpy() == WON, None)
    opps["lost_reason"] = np.where(
        opps["stage"] == LOST, rng.choice(_LOST_REASONS, size=len(opps)), None
    )
    opps["forecast_category"] = opps["stage"].map(_FORECAST)
    noise = rng.normal(1.0, 0.25, len(opps)).clip(0.5, 2.0)
    opps["expected_close_date"] = (
        opps["created_at"].to_numpy() // DAY + np.round(opps["planned_days"].to_numpy() * noise)
    ).astype(np.int64)
    opps["lead_id"] = None
    return opps


def opportunities_columns(opps: pd.DataFrame, acc: pd.DataFrame) -> dict[str, object]:
    return {
        "opportunity_id": opps["opportunity_id"],
        "account_id": acc["account_id"].to_numpy()[opps["account_idx"].to_numpy()],
        "name": opps["name"],
        "owner_id": opps["owner_id"],
        "created_at": opps["created_at"],
        "stage": opps["stage"],
        "amount": opps["amount"],
        "expected_close_date": opps["expected_close_date"],
        "closed_at": opps["closed_at"],
        "is_won": opps["is_won"],
        "lost_reason": opps["lost_reason"],
        "type": opps["type"],
        "lead_id": opps["lead_id"],
        "forecast_category": opps["forecast_category"],
    }


def stage_history_columns(rng: np.random.Generator, opps: pd.DataFrame) -> dict[str, object]:
    """One row per stage entered; the amount converges to the final amount as deals advance."""
    n = len(opps)
    n_open = stages.N_OPEN
    times = np.c_[
        np.stack([opps[f"entered_{k}"].to_numpy() for k in range(n_open)], axis=1),
        opps["closed_at"].to_numpy(),
    ]
    final = opps["stage"].to_numpy()
    outcome_name = np.where(final == WON, WON, LOST)
    names = np.c_[np.tile(np.array(STAGES, dtype=object), (n, 1)), outcome_name]
    drift = np.exp(rng.normal(0, 0.2, (n, 1)) * np.linspace(1.0, 0.0, n_open + 1)[None, :])
    amounts = np.round(opps["amount"].to_numpy()[:, None] * drift, -5)
    amounts[:, -1] = opps["amount"].to_numpy()
    keep = times >= 0
    rows, cols = np.nonzero(keep)
    return {
        "opportunity_id": opps["opportunity_id"].to_numpy()[rows],
        "stage": names[rows, cols],
        "entered_at": times[rows, cols],
        "amount": amounts[rows, cols],
    }
