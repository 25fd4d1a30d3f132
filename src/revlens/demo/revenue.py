"""Quotes on deals, orders (contracts) for won deals, and the payments that collect them.

Invariants: every won opportunity has exactly one order with the same amount (so bookings =
sum of won amounts = sum of orders with an opportunity); a few extra orders have no
opportunity (self-serve training packs). Payments never exceed what is due except refunds,
which are negative rows; unpaid instalments due after the end date are simply absent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo.schema import LOST, WON
from revlens.demo.timeline import DAY, END_DAY, END_TS, at_office_time, between, office_hours_from


def build_quotes(rng: np.random.Generator, opps: pd.DataFrame) -> pd.DataFrame:
    """A quote when a deal reaches solution, a revised one at negotiation."""
    e2, e3 = opps["entered_2"].to_numpy(), opps["entered_3"].to_numpy()
    closed = opps["closed_at"].to_numpy()
    end = np.where(closed >= 0, closed, END_TS)
    first_end = np.where(e3 >= 0, e3, end)
    amount = opps["amount"].to_numpy()
    stage = opps["stage"].to_numpy()
    parts = []
    for k, (start, stop, markup) in enumerate(((e2, first_end, (1.0, 1.25)),
                                               (e3, end, (1.0, 1.08)))):
        rows = np.flatnonzero(start >= 0)
        at = start[rows] + ((stop[rows] - start[rows]) * rng.uniform(0.1, 0.7, len(rows))).astype(
            np.int64)
        at = np.minimum(office_hours_from(rng, at), np.maximum(stop[rows] - 60, start[rows]))
        value = np.round(amount[rows] * rng.uniform(*markup, len(rows)), -4)
        parts.append(pd.DataFrame({"opp_row": rows, "step": k, "created_at": at,
                                   "amount": value}))
    q = pd.concat(parts, ignore_index=True).sort_values(["opp_row", "step"])
    last = ~q["opp_row"].duplicated(keep="last").to_numpy()
    final = stage[q["opp_row"].to_numpy()]
    status = np.where(rng.random(len(q)) < 0.6, "rejected", "sent").astype(object)
    open_status = np.where(rng.random(len(q)) < 0.8, "sent", "draft")
    status[last] = np.select([final[last] == WON, final[last] == LOST],
                             ["accepted", "rejected"], open_status[last])
    q["status"] = status
    won_last = last & (final == WON)
    q.loc[won_last, "amount"] = amount[q["opp_row"].to_numpy()[won_last]]
    q = q.sort_values("created_at", kind="stable").reset_index(drop=True)
    q["quote_id"] = [f"Q{i:07d}" for i in range(1, len(q) + 1)]
    return q


def build_orders(rng: np.random.Generator, opps: pd.DataFrame) -> pd.DataFrame:
    won = opps[opps["stage"] == WON]
    n = len(won)
    kind = won["type"].map({"new_business": "new", "renewal": "renewal",
                            "upsell": "upsell"}).to_numpy().astype(object)
    kind[(kind == "upsell") & (rng.random(n) < 0.3)] = "cross_sell"
    years = np.where(won["type"].to_numpy() == "new_business", won["contract_years"], 1)
    start = np.maximum(won["start_day"].to_numpy(), won["closed_at"].to_numpy() // DAY)
    orders = pd.DataFrame({
        "opp_row": won.index.to_numpy(), "account_idx": won["account_idx"].to_numpy(),
        "signed_at": won["closed_at"].to_numpy(), "amount": won["amount"].to_numpy(),
        "type": kind, "start_date": start, "end_date": start + 365 * years - 1,
    })
    extra = _self_serve(rng, orders)
    orders = pd.concat([orders, extra], ignore_index=True)
    orders["cost"] = np.round(orders["amount"].to_numpy() * rng.uniform(0.12, 0.4, len(orders)),
                              -2)
    orders = orders.sort_values("signed_at", kind="stable").reset_index(drop=True)
    orders["order_id"] = [f"SO{i:07d}" for i in range(1, len(orders) + 1)]
    return orders


def _self_serve(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Training/service packs bought without a sales opportunity (cross-sell)."""
    customers = orders.drop_duplicates("account_idx")
    take = customers[rng.random(len(customers)) < 0.06]
    signed = between(rng, take["signed_at"].to_numpy() + 30 * DAY,
                     np.full(len(take), END_TS - DAY))
    signed = at_office_time(rng, signed // DAY)
    keep = signed <= END_TS
    start = signed // DAY
    return pd.DataFrame({
        "opp_row": -1, "account_idx": take["account_idx"].to_numpy()[keep],
        "signed_at": signed[keep],
        "amount": np.round(rng.uniform(5_000, 30_000, int(keep.sum())), -3) * 100,
        "type": "cross_sell", "start_date": start[keep], "end_date": start[keep] + 364,
    })


_PLANS = [([1.0], 0.55), ([0.5, 0.5], 0.2), ([0.7, 0.3], 0.1), ([0.4, 0.3, 0.3], 0.15)]
_DUE_DAYS = np.array([20, 120, 240])


def build_payments(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Instalments paid (sometimes late or partly) up to the end date, plus a few refunds."""
    n = len(orders)
    plan = rng.choice(len(_PLANS), size=n, p=[w for _, w in _PLANS])
    k = np.array([len(s) for s, _ in _PLANS])[plan]
    row = np.repeat(np.arange(n), k)
    step = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
    shares = np.zeros((len(_PLANS), 3))
    for i, (s, _) in enumerate(_PLANS):
        shares[i, :len(s)] = s
    share = shares[plan[row], step]
    due = orders["signed_at"].to_numpy()[row] // DAY + _DUE_DAYS[step]
    late = np.where(rng.random(len(row)) < 0.15, rng.exponential(45, len(row)),
                    rng.exponential(6, len(row)))
    paid_day = due + np.round(late).astype(np.int64)
    amount = np.round(orders["amount"].to_numpy()[row] * share)
    partial = rng.random(len(row)) < 0.06
    amount = np.where(partial, np.round(amount * rng.uniform(0.5, 0.9, len(row)), -2), amount)
    keep = paid_day <= END_DAY
    pay = pd.DataFrame({"order_row": row[keep], "paid_at": at_office_time(rng, paid_day[keep]),
                        "amount": amount[keep]})
    pay = pd.concat([pay, _refunds(rng, pay)], ignore_index=True)
    pay = pay.sort_values("paid_at", kind="stable").reset_index(drop=True)
    pay["payment_id"] = [f"P{i:07d}" for i in range(1, len(pay) + 1)]
    return pay


def _refunds(rng: np.random.Generator, pay: pd.DataFrame) -> pd.DataFrame:
    per_order = pay.groupby("order_row").agg(paid=("amount", "sum"), last=("paid_at", "max"))
    take = per_order[rng.random(len(per_order)) < 0.015]
    at = take["last"].to_numpy() + (rng.uniform(10, 90, len(take)) * DAY).astype(np.int64)
    keep = at <= END_TS
    value = -np.round(take["paid"].to_numpy() * rng.uniform(0.1, 1.0, len(take)), -2)
    return pd.DataFrame({"order_row": take.index.to_numpy()[keep], "paid_at": at[keep],
                         "amount": value[keep]})


def quotes_columns(q: pd.DataFrame, opps: pd.DataFrame) -> dict[str, object]:
    return {"quote_id": q["quote_id"],
            "opportunity_id": opps["opportunity_id"].to_numpy()[q["opp_row"].to_numpy()],
            "created_at": q["created_at"], "amount": q["amount"], "status": q["status"]}


def orders_columns(orders: pd.DataFrame, opps: pd.DataFrame,
                   acc: pd.DataFrame) -> dict[str, object]:
    o = orders["opp_row"].to_numpy()
    return {
        "order_id": orders["order_id"],
        "account_id": acc["account_id"].to_numpy()[orders["account_idx"].to_numpy()],
        "opportunity_id": np.where(o >= 0, opps["opportunity_id"].to_numpy()[np.maximum(o, 0)],
                                   None),
        "signed_at": orders["signed_at"], "amount": orders["amount"], "cost": orders["cost"],
        "type": orders["type"], "start_date": orders["start_date"],
        "end_date": orders["end_date"],
    }


def payments_columns(pay: pd.DataFrame, orders: pd.DataFrame) -> dict[str, object]:
    return {"payment_id": pay["payment_id"],
            "order_id": orders["order_id"].to_numpy()[pay["order_row"].to_numpy()],
            "paid_at": pay["paid_at"], "amount": pay["amount"]}
