"""Marketing campaigns over every channel and platform, and picking the campaign behind a touch.

Campaign ids are chronological (``CMP0001`` starts first). Ad campaigns get their budget from
their actual spend later (:func:`set_ad_budgets`), so budget vs. spend looks like a real plan.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from revlens.demo import campaign_kinds as ck
from revlens.demo.org import Org
from revlens.demo.scales import Scale
from revlens.demo.schema import CHANNELS
from revlens.demo.timeline import DAY, END_DAY, START_DAY, sample_days

# Seconds before a campaign's start and after its end during which it still produces touches.
_PRE = {"event": 30 * DAY, "webinar": 21 * DAY}
_POST = {"event": 3 * DAY, "webinar": 3 * DAY, "email": 10 * DAY}


def _flight_plan(rng: np.random.Generator, scale: Scale) -> list[tuple[ck.Kind, int, int]]:
    plan = [(kind, START_DAY, END_DAY) for kind in ck.ALWAYS_ON]
    n_flights = max(scale.campaigns - len(ck.ALWAYS_ON), len(ck.FLIGHTS))
    weights = np.array([k.weight for k in ck.FLIGHTS])
    chosen = np.r_[np.arange(len(ck.FLIGHTS)),
                   rng.choice(len(ck.FLIGHTS), n_flights - len(ck.FLIGHTS),
                              p=weights / weights.sum())]
    starts = sample_days(rng, len(chosen))
    for k, start in zip(chosen, starts, strict=True):
        kind = ck.FLIGHTS[k]
        start = int(start)
        if kind.days[1] <= 3:  # events, webinars, sends happen Tue-Thu
            start += (1 - (start + 3) % 7) % 7
        lo, hi = kind.days
        end = start + int(rng.integers(lo, hi + 1)) - 1
        plan.append((kind, min(start, END_DAY), end))
    return plan


def _fill_name(rng: np.random.Generator, kind: ck.Kind, start: int, n: int) -> str:
    d = date(1970, 1, 1) + timedelta(days=start)
    return kind.name.format(
        topic=rng.choice(ck.TOPICS_ZH), topic_en=rng.choice(ck.TOPICS_EN),
        period=f"{d.year}Q{(d.month - 1) // 3 + 1}", year=d.year, n=n,
        city=rng.choice(ck.EVENT_CITIES), city_en=rng.choice(ck.EVENT_CITIES_EN))


def build_campaigns(rng: np.random.Generator, scale: Scale, org: Org) -> pd.DataFrame:
    plan = sorted(_flight_plan(rng, scale), key=lambda p: (p[1], p[0].name))
    counters: dict[str, int] = {}
    rows = []
    for i, (kind, start, end) in enumerate(plan, start=1):
        counters[kind.name] = counters.get(kind.name, 0) + 1
        lo, hi = kind.fixed_cost
        cost = round(float(rng.uniform(lo, hi)), -2) if hi else 0.0
        rows.append({
            "campaign_id": f"CMP{i:04d}", "name": _fill_name(rng, kind, start,
                                                             counters[kind.name]),
            "channel": kind.channel, "type": kind.type, "platform": kind.platform,
            "start_date": start, "end_date": end, "cost": cost * 100,
            "budget": round(cost * float(rng.uniform(1.0, 1.3)), -3) * 100 if hi else np.nan,
            "owner_id": str(rng.choice(org.marketers)), "utm_source": kind.utm_source,
            "utm_medium": kind.utm_medium, "english": kind.english, "currency": kind.currency,
            "has_ad_spend": kind.has_ad_spend, "always_on": kind.always_on,
        })
    camp = pd.DataFrame(rows)
    dup = camp.groupby("name").cumcount()
    camp.loc[dup > 0, "name"] = camp["name"] + " #" + (dup + 1).astype(str)
    camp["utm_campaign"] = (camp["utm_source"].fillna(camp["channel"]) + "_"
                            + camp["type"] + "_" + camp["campaign_id"].str.lower())
    camp["channel_code"] = camp["channel"].map({c: i for i, c in enumerate(CHANNELS)})
    return camp


def set_ad_budgets(rng: np.random.Generator, camp: pd.DataFrame,
                   spend_cny_cents: pd.Series) -> None:
    """Budget of ad campaigns = their spend (CNY) with a planning margin; cost = agency fee."""
    ad = camp["has_ad_spend"].to_numpy()
    spend = spend_cny_cents.reindex(camp.index).fillna(0).to_numpy()
    margin = rng.uniform(0.95, 1.3, len(camp))
    camp.loc[ad, "budget"] = np.round(spend[ad] * margin[ad] / 100_000) * 100_000
    fee = np.where(rng.random(len(camp)) < 0.3, np.round(spend * 0.05, -2), 0.0)
    camp.loc[ad, "cost"] = fee[ad]


def campaigns_columns(camp: pd.DataFrame) -> dict[str, object]:
    cols = ["campaign_id", "name", "channel", "type", "platform", "start_date", "end_date",
            "budget", "cost", "owner_id", "utm_campaign"]
    return {c: camp[c] for c in cols}


def choose_campaigns(rng: np.random.Generator, camp: pd.DataFrame, channel: np.ndarray,
                     ts: np.ndarray, english: np.ndarray | None = None,
                     chunk: int = 100_000) -> np.ndarray:
    """Per row, a campaign (row index into ``camp``) of the row's channel running at ``ts``.

    Campaigns in the row's language are preferred; when none of the channel runs, the nearest in
    time is used; -1 if the channel has no campaign.
    """
    out = np.full(len(channel), -1, dtype=np.int64)
    english = np.zeros(len(channel), dtype=bool) if english is None else english
    for code in np.unique(channel):
        rows = np.flatnonzero(channel == code)
        cands = camp.index[camp["channel_code"].to_numpy() == code].to_numpy()
        if code < 0 or not len(cands):
            continue
        c = camp.loc[cands]
        pre = c["type"].map(_PRE).fillna(0).to_numpy()
        post = c["type"].map(_POST).fillna(0).to_numpy()
        lo = c["start_date"].to_numpy() * DAY - pre
        hi = (c["end_date"].to_numpy() + 1) * DAY + post
        c_en = c["english"].to_numpy()
        for s in range(0, len(rows), chunk):
            r = rows[s:s + chunk]
            t = ts[r][:, None]
            active = (t >= lo[None, :]) & (t <= hi[None, :])
            weight = active * (1.0 + 5.0 * (english[r][:, None] == c_en[None, :]))
            score = weight * rng.random(weight.shape)
            best = np.argmax(score, axis=1)
            nearest = np.argmin(np.maximum(lo[None, :] - t, 0) + np.maximum(t - hi[None, :], 0),
                                axis=1)
            found = score[np.arange(len(r)), best] > 0
            out[r] = cands[np.where(found, best, nearest)]
    return out
