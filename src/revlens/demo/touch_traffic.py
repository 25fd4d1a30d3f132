"""Anonymous website traffic: tracked ad clicks (from ad_spend), sessions, chats and calls.

Tracked ad clicks are a binomial share (:data:`TRACK_RATE`) of each ad_spend row's platform
clicks, on that row's day, campaign, ad group and keyword, so tracked clicks reconcile with spend.
"""

from __future__ import annotations

import numpy as np

from revlens.demo import touch_vocab as tv
from revlens.demo.schema import CH, TT
from revlens.demo.timeline import DAY, END_TS, sample_times, seconds_in_day
from revlens.demo.touch_frame import Block, block
from revlens.demo.touch_leads import random_pages
from revlens.demo.touch_world import TouchWorld

TRACK_RATE = 0.35
"""Share of platform-reported clicks that the site tracker records."""
AD_CLICK_SHARE = 0.09
"""Tracked ad clicks as a share of the touchpoint target (sizes ad_spend)."""
MISC_SHARE = {"chat": 0.004, "call_inbound": 0.002, "other": 0.001}

# First page of a session: (referrer code or -1 for none, channel, weight)
_SOURCES = [
    (tv.R["baidu"], "organic_search", .25), (tv.R["google"], "organic_search", .08),
    (tv.R["bing"], "organic_search", .04), (tv.R["wechat"], "social", .08),
    (tv.R["weibo"], "social", .03), (tv.R["zhihu"], "social", .04),
    (tv.R["linkedin"], "social", .03), (tv.R["xiaohongshu"], "social", .03),
    (tv.R["36kr"], "referral", .04), (tv.R["huxiu"], "referral", .02),
    (tv.R["partner"], "partner", .03), (-1, "direct", .27), (tv.R["douyin"], "other", .04),
]


def platform_clicks_target(touch_target: int) -> int:
    return int(AD_CLICK_SHARE * touch_target / TRACK_RATE)


def tracked_ad_clicks(w: TouchWorld) -> list[Block]:
    rng, spend = w.rng, w.spend
    tracked = rng.binomial(spend["clicks"].to_numpy(), TRACK_RATE)
    row = np.repeat(np.arange(len(spend)), tracked)
    n = len(row)
    camp = spend["campaign_idx"].to_numpy()[row]
    ts = spend["day"].to_numpy()[row] * DAY + seconds_in_day(rng, n, "web")
    visitor = w.visitors(n, returning=0.15)
    ref = np.array([tv.PLATFORM_REFERRER.get(p, -1) for p in w.camp["platform"]])[camp]
    channel = w.camp["channel_code"].to_numpy()[camp]
    clicks = block(n, ts=ts, type=TT["ad_click"], visitor=visitor, campaign=camp,
                   channel=np.where(rng.random(n) < 0.9, channel, -1), utm=True,
                   creative=spend["creative"].to_numpy()[row], referrer=ref,
                   url=tv.LANDING_BASE + rng.integers(0, len(tv.LANDING), n))
    more = rng.poisson(0.7, n)
    again = np.repeat(np.arange(n), more)
    pages = block(len(again), ts=ts[again] + rng.integers(20, 1200, len(again)),
                  type=TT["page_view"], visitor=visitor[again], url=random_pages(w, len(again)),
                  referrer=tv.R["internal"], prop=tv.P["duration"],
                  prop_val=rng.integers(3, 300, len(again)))
    return [clicks, pages]


def sessions(w: TouchWorld, n_rows: int) -> list[Block]:
    """About ``n_rows`` page views in anonymous sessions; some by known people's cookies."""
    rng = w.rng
    n_sessions = max(int(n_rows / 2.2), 1)
    pages = 1 + rng.poisson(1.2, n_sessions)
    start = sample_times(rng, n_sessions, "web")
    visitor = w.visitors(n_sessions, returning=0.35)
    known = rng.random(n_sessions) < 0.04
    visitor[known] = rng.integers(0, len(w.people), int(known.sum()))
    weights = np.array([s[2] for s in _SOURCES])
    src = rng.choice(len(_SOURCES), size=n_sessions, p=weights / weights.sum())
    ref = np.array([s[0] for s in _SOURCES])[src]
    channel = np.array([CH[s[1]] for s in _SOURCES])[src]
    row = np.repeat(np.arange(n_sessions), pages)
    first = np.r_[True, row[1:] != row[:-1]]
    offset = np.where(first, 0, rng.integers(15, 600, len(row)))
    ts = start[row] + np.cumsum(offset) - np.repeat(np.cumsum(offset)[first], pages)
    return [block(len(row), ts=ts, type=TT["page_view"], visitor=visitor[row],
                  channel=np.where(first & (rng.random(len(row)) < 0.75), channel[row], -1),
                  referrer=np.where(first, ref[row], tv.R["internal"]),
                  url=random_pages(w, len(row)), prop=tv.P["duration"],
                  prop_val=rng.integers(3, 400, len(row)))]


def misc(w: TouchWorld) -> list[Block]:
    """Website chats (anonymous), inbound calls and other touches by known people."""
    rng = w.rng
    out = []
    n = int(MISC_SHARE["chat"] * w.target)
    out.append(block(n, ts=sample_times(rng, n, "web"), type=TT["chat"],
                     visitor=w.visitors(n, returning=0.5), url=random_pages(w, n),
                     prop=tv.P["chat"], prop_val=rng.integers(1, 40, n)))
    known_at, order = w.known_people()
    known_time = np.empty_like(known_at)
    known_time[order] = known_at
    pool = order[known_at < END_TS - 30 * DAY]
    for kind, ids in (("call_inbound", tv.PHONE), ("other", tv.EMAIL)):
        n = int(MISC_SHARE[kind] * w.target)
        if not len(pool):
            continue
        who = pool[rng.integers(0, len(pool), n)]
        ts = np.maximum(sample_times(rng, n, "office"), known_time[who])
        out.append(block(n, ts=ts, type=TT[kind], person=who, ids=ids,
                         prop=tv.P["call"] if kind == "call_inbound" else -1,
                         prop_val=rng.integers(30, 900, n)))
    return out
