"""Touchpoints of marketing programmes: e-mail sends, content consumption, event audiences.

Volumes are shares of the touchpoint target, so every scale has the same mix. Only people who
are known (have a lead or contact record) by the time of a send or event receive or attend it;
people in ``forbidden`` never register for webinars.
"""

from __future__ import annotations

import numpy as np

from revlens.demo import touch_vocab as tv
from revlens.demo.schema import CH, TT
from revlens.demo.timeline import DAY, END_TS, seconds_in_day
from revlens.demo.touch_frame import Block, block
from revlens.demo.touch_world import TouchWorld

EMAIL_SEND_SHARE = 0.11
OPEN_RATE, CLICK_RATE = 0.22, 0.2
CONTENT_VIEW_SHARE = 0.05
EVENT_AUDIENCE = {"event": 90, "webinar": 160}
"""Registrations per event / webinar at the small scale (300k touchpoints)."""


def _recipients(w: TouchWorld, at: int, n: int, known: tuple[np.ndarray, np.ndarray],
                eligible: np.ndarray) -> np.ndarray:
    known_at, order = known
    pool = order[: np.searchsorted(known_at, at, side="right")]
    pool = pool[eligible[pool]]
    if not len(pool):
        return np.array([], dtype=np.int64)
    return np.unique(pool[w.rng.integers(0, len(pool), n)])


def email_programmes(w: TouchWorld) -> list[Block]:
    rng = w.rng
    sends = w.camp.index[w.camp["type"] == "email"].to_numpy()
    if not len(sends):
        return []
    weights = np.exp(rng.normal(0, 0.5, len(sends)))
    per_send = np.round(EMAIL_SEND_SHARE * w.target * weights / weights.sum()).astype(int)
    known = w.known_people()
    has_email = w.people["email"].notna().to_numpy()
    is_contact = w.people["is_contact"].to_numpy()
    lead_of = w.first_lead_of()
    blocks = []
    for c, n in zip(sends, per_send, strict=True):
        day = int(w.camp.at[c, "start_date"])
        to = _recipients(w, day * DAY, int(n), known, has_email)
        k = len(to)
        ts = day * DAY + seconds_in_day(rng, k, "email")
        ids = (tv.EMAIL | np.where(is_contact[to] & (rng.random(k) < 0.4), tv.CONTACT, 0)
               | np.where((lead_of[to] >= 0) & (rng.random(k) < 0.4), tv.LEAD, 0))
        template = int(rng.integers(100, 999))
        blocks.append(block(k, ts=ts, type=TT["email_sent"], person=to, ids=ids,
                            lead=lead_of[to], campaign=c, channel=CH["email"],
                            prop=tv.P["email_template"], prop_val=template))
        opened = rng.random(k) < OPEN_RATE
        open_ts = ts[opened] + rng.exponential(8 * 3600, int(opened.sum())).astype(np.int64)
        blocks.append(block(int(opened.sum()), ts=open_ts, type=TT["email_open"],
                            person=to[opened], ids=ids[opened], lead=lead_of[to][opened],
                            campaign=c, channel=CH["email"]))
        clicked = rng.random(int(opened.sum())) < CLICK_RATE
        who = to[opened][clicked]
        blocks.append(block(len(who), ts=open_ts[clicked] + rng.integers(5, 1800, len(who)),
                            type=TT["email_click"], person=who, visitor=who,
                            ids=ids[opened][clicked], lead=lead_of[who], campaign=c,
                            channel=CH["email"], utm=True,
                            url=tv.LANDING_BASE + rng.integers(0, len(tv.LANDING), len(who))))
    return blocks


def content_consumption(w: TouchWorld) -> list[Block]:
    """Views of published content (mostly anonymous), gated downloads and shares by people."""
    rng = w.rng
    n_items = len(w.content)
    if not n_items:
        return []
    n = int(CONTENT_VIEW_SHARE * w.target)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    item = rng.choice(n_items, size=n, p=popularity / popularity.sum())
    item = rng.permutation(n_items)[item]
    published = w.content["published_at"].to_numpy()[item]
    ts = published + (rng.random(n) ** 1.5 * (END_TS - published)).astype(np.int64)
    known = rng.random(n) < 0.3
    person = np.where(known, rng.integers(0, len(w.people), n), -1)
    visitor = np.where(known, person, w.visitors(n, returning=0.3))
    r = rng.random(n)
    kind = np.where(known & (r < 0.12), TT["content_download"],
                    np.where(known & (r < 0.18), TT["content_share"], TT["content_view"]))
    ids = np.select([kind == TT["content_download"], kind == TT["content_share"]],
                    [tv.EMAIL | tv.PHONE, tv.OPENID | tv.EMAIL], 0)
    channel = np.where(rng.random(n) < 0.5, CH["content"], -1)
    prop = np.select([kind == TT["content_download"], kind == TT["content_share"]],
                     [tv.P["gated"], tv.P["share"]], tv.P["scroll"])
    return [block(n, ts=ts, type=kind, visitor=np.where(kind == TT["content_share"], -1,
                                                        visitor),
                  person=person, ids=ids, content=item, channel=channel,
                  url=tv.CONTENT_BASE + item, prop=prop, prop_val=rng.integers(5, 100, n))]


def event_audiences(w: TouchWorld) -> list[Block]:
    """Known people who register for events and webinars, check in or watch on the day."""
    rng = w.rng
    known = w.known_people()
    rows = w.camp.index[w.camp["type"].isin(["event", "webinar"])].to_numpy()
    blocks = []
    everyone = np.ones(len(w.people), dtype=bool)
    for c in rows:
        kind = w.camp.at[c, "type"]
        day = int(w.camp.at[c, "start_date"])
        size = rng.poisson(EVENT_AUDIENCE[kind] * w.scale_factor * rng.uniform(0.4, 1.6))
        eligible = ~w.forbidden if kind == "webinar" else everyone
        who = _recipients(w, day * DAY, int(size), known, eligible)
        k = len(who)
        reg_ts = day * DAY - (rng.uniform(1, 25, k) * DAY).astype(np.int64)
        channel = CH[kind]
        blocks.append(block(k, ts=reg_ts, type=TT["event_registration"], person=who,
                            ids=tv.EMAIL | tv.PHONE, campaign=c, channel=channel,
                            prop=tv.P["event_registration"]))
        came = rng.random(k) < (0.5 if kind == "webinar" else 0.6)
        start = (14 if kind == "webinar" else 9) * 3600
        show_ts = day * DAY + start + rng.integers(0, 7200, int(came.sum()))
        blocks.append(block(int(came.sum()), ts=show_ts,
                            type=TT["webinar_attend"] if kind == "webinar" else TT[
                                "event_checkin"],
                            person=who[came], ids=tv.EMAIL | tv.PHONE, campaign=c,
                            channel=channel,
                            prop=tv.P["watch"] if kind == "webinar" else -1,
                            prop_val=rng.integers(5, 90, int(came.sum()))))
    return blocks
