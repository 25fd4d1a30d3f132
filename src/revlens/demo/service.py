"""Customer service: support tickets with CSAT, and half-yearly NPS surveys of customers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from revlens.demo.timeline import DAY, END_TS, between, day_of, office_hours_from, seconds_in_day

_CATEGORIES = ["技术问题", "数据导入", "账号权限", "集成对接", "账单发票", "功能建议", "培训咨询"]
_PRIORITIES = (["low", "medium", "high", "urgent"], [0.3, 0.45, 0.2, 0.05])
_RESOLVE_DAYS = {"low": 4.0, "medium": 2.0, "high": 0.8, "urgent": 0.3}
_CSAT_P = [0.04, 0.06, 0.15, 0.35, 0.40]
NPS_WAVES = [date(2025, 5, 12), date(2025, 11, 10), date(2026, 5, 11)]
_NPS_P = [0.02, 0.01, 0.02, 0.03, 0.04, 0.06, 0.07, 0.15, 0.15, 0.2, 0.25]
_COMMENTS = ["产品好用，客服响应快", "报表功能很强大", "价格偏高", "希望加强与企业微信的集成",
             "上线周期有点长", "数据看板很直观", "Great support team", "Reporting could be faster",
             "Pricing is high for our size", "归因模型帮我们说服了老板增加预算"]


def _customers(orders: pd.DataFrame) -> pd.Series:
    """First contract start (epoch seconds) per customer account."""
    return orders.groupby("account_idx")["start_date"].min() * DAY


def build_tickets(rng: np.random.Generator, orders: pd.DataFrame,
                  contact_of: Callable[[np.ndarray], np.ndarray]) -> pd.DataFrame:
    since = _customers(orders)
    a = since.index.to_numpy()
    months = np.maximum(END_TS - since.to_numpy(), 0) / (30 * DAY)
    k = rng.poisson(0.3 * months)
    row = np.repeat(np.arange(len(a)), k)
    n = len(row)
    created = between(rng, since.to_numpy()[row], np.full(n, END_TS - 3600))
    created = (created // DAY) * DAY + seconds_in_day(rng, n)
    priority = np.array(_PRIORITIES[0], dtype=object)[
        rng.choice(4, size=n, p=_PRIORITIES[1])]
    mean = pd.Series(priority).map(_RESOLVE_DAYS).to_numpy()
    resolved = created + (rng.exponential(mean) * DAY).astype(np.int64) + 600
    stuck = rng.random(n) < 0.04
    done = (resolved <= END_TS) & ~stuck
    status = np.where(done, np.where(rng.random(n) < 0.7, "closed", "resolved"),
                      np.where(rng.random(n) < 0.5, "open", "in_progress")).astype(object)
    csat = np.where(done & (rng.random(n) < 0.55), rng.choice(5, size=n, p=_CSAT_P) + 1, np.nan)
    t = pd.DataFrame({
        "created_at": created, "account_idx": a[row], "person_idx": contact_of(a[row]),
        "resolved_at": np.where(done, resolved, -1), "status": status, "priority": priority,
        "category": np.array(_CATEGORIES, dtype=object)[rng.integers(0, len(_CATEGORIES), n)],
        "csat": csat,
    }).sort_values("created_at", kind="stable").reset_index(drop=True)
    t["ticket_id"] = [f"T{i:07d}" for i in range(1, len(t) + 1)]
    return t


def build_nps(rng: np.random.Generator, orders: pd.DataFrame,
              people: pd.DataFrame) -> pd.DataFrame:
    since = _customers(orders)
    customer_since = np.full(int(people["account_idx"].max()) + 1, np.iinfo(np.int64).max)
    customer_since[since.index.to_numpy()] = since.to_numpy()
    contacts = np.flatnonzero(people["is_contact"].to_numpy())
    a = people["account_idx"].to_numpy()[contacts]
    parts = []
    for wave in NPS_WAVES:
        start = day_of(wave) * DAY
        asked = contacts[(customer_since[a] + 30 * DAY <= start)]
        answered = asked[rng.random(len(asked)) < 0.3]
        at = office_hours_from(rng, start + (rng.uniform(0, 14, len(answered)) * DAY).astype(
            np.int64))
        parts.append(pd.DataFrame({"person_idx": answered, "responded_at": at}))
    r = pd.concat(parts, ignore_index=True)
    r = r[r["responded_at"] <= END_TS].copy()
    r["score"] = rng.choice(11, size=len(r), p=_NPS_P)
    comment = np.array(_COMMENTS, dtype=object)[rng.integers(0, len(_COMMENTS), len(r))]
    r["comment"] = np.where(rng.random(len(r)) < 0.4, comment, None)
    r["account_idx"] = people["account_idx"].to_numpy()[r["person_idx"].to_numpy()]
    r = r.sort_values("responded_at", kind="stable").reset_index(drop=True)
    r["response_id"] = [f"NPS{i:07d}" for i in range(1, len(r) + 1)]
    return r


def tickets_columns(t: pd.DataFrame, acc: pd.DataFrame, people: pd.DataFrame) -> dict:
    return {"ticket_id": t["ticket_id"], "created_at": t["created_at"],
            "account_id": acc["account_id"].to_numpy()[t["account_idx"].to_numpy()],
            "contact_id": people["contact_id"].to_numpy()[t["person_idx"].to_numpy()],
            "resolved_at": t["resolved_at"], "status": t["status"], "priority": t["priority"],
            "category": t["category"], "csat": t["csat"]}


def nps_columns(r: pd.DataFrame, acc: pd.DataFrame, people: pd.DataFrame) -> dict:
    return {"response_id": r["response_id"], "responded_at": r["responded_at"],
            "score": r["score"],
            "account_id": acc["account_id"].to_numpy()[r["account_idx"].to_numpy()],
            "contact_id": people["contact_id"].to_numpy()[r["person_idx"].to_numpy()],
            "comment": r["comment"]}
