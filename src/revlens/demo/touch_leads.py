"""Touchpoints of known people: how leads arrived, the planted webinars, and deal journeys.

- :func:`lead_origin`: the form / download / registration that created each lead, the ad click
  or search visit just before it, anonymous browsing on the same cookie before (stitched by the
  form's ``anonymous_id`` + e-mail) and after.
- :func:`planted_webinars`: registration + attendance of webinar accounts (see
  :mod:`revlens.demo.planted`).
- :func:`deal_journeys`: contacts at accounts with open or recent deals read, click, chat, call,
  check in at events - but never attend webinars (that is reserved to the planted effect).
"""

from __future__ import annotations

import numpy as np

from revlens.demo import touch_vocab as tv
from revlens.demo.campaigns import choose_campaigns
from revlens.demo.schema import CH, TT
from revlens.demo.timeline import DAY, END_TS, between
from revlens.demo.touch_frame import Block, block
from revlens.demo.touch_world import TouchWorld

_PAID = [CH[c] for c in ("paid_search", "paid_social", "display", "video")]
_TAGGED = _PAID + [CH[c] for c in ("social", "email", "referral", "partner")]
_FORM_CHANNELS = _TAGGED + [CH[c] for c in ("organic_search", "direct", "other")]
_PAGE_P = np.array([w for _, w in tv.PAGES]) / sum(w for _, w in tv.PAGES)


def random_pages(w: TouchWorld, n: int) -> np.ndarray:
    return w.rng.choice(tv.N_PAGES, size=n, p=_PAGE_P)


def browsing(w: TouchWorld, visitor: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Block:
    """One anonymous page view per row, on ``visitor``'s cookie, between ``lo`` and ``hi``."""
    n = len(visitor)
    return block(n, ts=between(w.rng, lo, hi), type=TT["page_view"], visitor=visitor,
                 url=random_pages(w, n), prop=tv.P["duration"],
                 prop_val=w.rng.integers(3, 400, n))


def _forms(w: TouchWorld, rows: np.ndarray) -> Block:
    rng, L = w.rng, w.leads
    n = len(rows)
    ch = L["channel"].to_numpy()[rows]
    camp = L["campaign_idx"].to_numpy()[rows]
    r = rng.random(n)
    kind = np.select([r < 0.7, r < 0.9], [0, 1], 2)
    ttype = np.array([TT["form_submit"], TT["demo_request"], TT["trial_signup"]])[kind]
    url = np.array([tv.PAGE_CONTACT, tv.PAGE_DEMO, tv.PAGE_TRIAL])[kind]
    prop = np.array([tv.P["contact_us"], tv.P["demo"], tv.P["trial"]])[kind]
    content = np.full(n, -1)
    is_content = ch == CH["content"]
    if is_content.any():
        content[is_content] = w.content_at(L["created_at"].to_numpy()[rows][is_content],
                                           camp[is_content])
    gated = is_content & (content >= 0)
    ttype = np.where(gated, TT["content_download"], ttype)
    url = np.where(gated, tv.CONTENT_BASE + content, url)
    prop = np.where(gated, tv.P["gated"], prop)
    platform = w.camp["platform"].to_numpy()[np.maximum(camp, 0)]
    wechat = (camp >= 0) & (platform == "wechat")
    ids = (tv.EMAIL | tv.PHONE | np.where(rng.random(n) < 0.3, tv.LEAD, 0)
           | np.where(wechat, tv.UNIONID | tv.OPENID, 0))
    person = L["person_idx"].to_numpy()[rows]
    return block(n, ts=L["created_at"].to_numpy()[rows], type=ttype, visitor=person,
                 person=person, ids=ids, lead=rows, campaign=camp, content=content,
                 channel=np.where(rng.random(n) < 0.92, ch, -1),
                 utm=np.isin(ch, _TAGGED) & (camp >= 0), url=url, prop=prop)


def _arrivals(w: TouchWorld, rows: np.ndarray) -> list[Block]:
    """The click or visit right before each web lead's form."""
    rng, L = w.rng, w.leads
    ch = L["channel"].to_numpy()[rows]
    camp = L["campaign_idx"].to_numpy()[rows]
    t = L["created_at"].to_numpy()[rows]
    person = L["person_idx"].to_numpy()[rows]
    english = w.people["english"].to_numpy()[person]
    platform = w.camp["platform"].to_numpy()[np.maximum(camp, 0)]
    ref = np.array([tv.PLATFORM_REFERRER.get(p, -1) for p in platform])
    out = []
    paid = np.isin(ch, _PAID) & (camp >= 0)
    r = rows[paid]
    out.append(block(len(r), ts=t[paid] - rng.integers(30, 1200, len(r)), type=TT["ad_click"],
                     visitor=person[paid], campaign=camp[paid], channel=ch[paid], utm=True,
                     creative=w.creative_for(camp[paid]), referrer=ref[paid],
                     url=tv.LANDING_BASE + rng.integers(0, len(tv.LANDING), len(r))))
    organic = ch == CH["organic_search"]
    social = np.isin(ch, [CH["social"], CH["referral"], CH["partner"]])
    visit_ref = np.where(organic, np.where(english, tv.R["google"], tv.R["baidu"]),
                         np.where(ch == CH["social"], ref, tv.R["partner"]))
    visit = organic | social
    out.append(block(int(visit.sum()), ts=t[visit] - rng.integers(60, 1200, int(visit.sum())),
                     type=TT["page_view"], visitor=person[visit], campaign=camp[visit],
                     channel=ch[visit], utm=social[visit] & (camp[visit] >= 0),
                     referrer=visit_ref[visit], url=random_pages(w, int(visit.sum()))))
    mail = (ch == CH["email"]) & (camp >= 0)
    out.append(block(int(mail.sum()), ts=t[mail] - rng.integers(60, 600, int(mail.sum())),
                     type=TT["email_click"], person=person[mail], ids=tv.EMAIL,
                     campaign=camp[mail], channel=CH["email"], utm=True,
                     url=tv.LANDING_BASE + rng.integers(0, len(tv.LANDING), int(mail.sum()))))
    return out


def _event_leads(w: TouchWorld, rows: np.ndarray) -> list[Block]:
    """Registration before the event (or booth scan) and check-in / attendance on the day."""
    rng, L = w.rng, w.leads
    n = len(rows)
    camp = L["campaign_idx"].to_numpy()[rows]
    t = L["created_at"].to_numpy()[rows]
    person = L["person_idx"].to_numpy()[rows]
    ch = L["channel"].to_numpy()[rows]
    day = w.camp["start_date"].to_numpy()[camp]
    webinar = ch == CH["webinar"]
    show_at = day * DAY + np.where(webinar, 14 * 3600, 9 * 3600) + rng.integers(0, 7200, n)
    before = t < day * DAY
    ids = tv.EMAIL | tv.PHONE | np.where(rng.random(n) < 0.2, tv.LEAD, 0)
    reg = before
    shows = np.where(before, rng.random(n) < np.where(webinar, 0.55, 0.65), True)
    shows &= ~w.forbidden[person] | ~webinar
    show_ts = np.where(before, show_at, np.minimum(show_at, t - 600))
    return [
        block(int(reg.sum()), ts=t[reg], type=TT["event_registration"], person=person[reg],
              ids=ids[reg], lead=rows[reg], campaign=camp[reg], channel=ch[reg],
              prop=tv.P["event_registration"]),
        block(int(shows.sum()), ts=show_ts[shows],
              type=np.where(webinar[shows], TT["webinar_attend"], TT["event_checkin"]),
              person=person[shows], ids=ids[shows], lead=rows[shows], campaign=camp[shows],
              channel=ch[shows],
              prop=np.where(webinar[shows], tv.P["watch"], tv.P["booth_scan"]),
              prop_val=rng.integers(5, 90, int(shows.sum()))),
    ]


def lead_origin(w: TouchWorld) -> list[Block]:
    rng, L = w.rng, w.leads
    ch = L["channel"].to_numpy()
    camp = L["campaign_idx"].to_numpy()
    own = ~L["planted"].to_numpy()
    web = np.flatnonzero(own & (np.isin(ch, _FORM_CHANNELS) | (ch == CH["content"])))
    events = np.flatnonzero(own & np.isin(ch, [CH["event"], CH["webinar"]]) & (camp >= 0))
    blocks = [_forms(w, web), *_arrivals(w, web), *_event_leads(w, events)]
    t = L["created_at"].to_numpy()[web]
    visitor = L["person_idx"].to_numpy()[web]
    k_before = rng.poisson(2.2, len(web))
    before = np.repeat(np.arange(len(web)), k_before)
    blocks.append(browsing(w, visitor[before], t[before] - 30 * DAY, t[before] - 600))
    k_after = rng.poisson(1.0, len(web))
    after = np.repeat(np.arange(len(web)), k_after)
    blocks.append(browsing(w, visitor[after], t[after] + 3600,
                           np.minimum(t[after] + 60 * DAY, END_TS)))
    return blocks


def planted_webinars(w: TouchWorld) -> list[Block]:
    rng, plan = w.rng, w.plan
    n = len(plan)
    person = plan["person_idx"].to_numpy()
    camp = plan["campaign_idx"].to_numpy()
    lead_of = w.leads[w.leads["planted"]].reset_index().set_index("person_idx")["index"]
    lead = lead_of.reindex(person).fillna(-1).to_numpy(dtype=np.int64)
    wechat = w.camp["platform"].to_numpy()[camp] == "wechat"
    ids = tv.EMAIL | tv.PHONE | np.where((lead >= 0) & (rng.random(n) < 0.3), tv.LEAD, 0)
    return [
        block(n, ts=plan["registered_at"].to_numpy(), type=TT["event_registration"],
              person=person, ids=ids, lead=lead, campaign=camp, channel=CH["webinar"],
              utm=wechat, prop=tv.P["event_registration"]),
        block(n, ts=plan["attended_at"].to_numpy(), type=TT["webinar_attend"], person=person,
              ids=tv.EMAIL | np.where(wechat, tv.UNIONID, 0), campaign=camp,
              channel=CH["webinar"], prop=tv.P["watch"], prop_val=rng.integers(10, 90, n)),
    ]


_JOURNEY = [("page_view", .34), ("content_view", .15), ("email_open", .15),
            ("email_click", .05), ("content_download", .05), ("demo_request", .04),
            ("event_checkin", .05), ("chat", .05), ("call_inbound", .05),
            ("content_share", .03), ("other", .04)]


def deal_journeys(w: TouchWorld) -> list[Block]:
    rng, opps = w.rng, w.opps
    closed = opps["closed_at"].to_numpy()
    created = opps["created_at"].to_numpy()
    end = np.where(closed >= 0, closed, END_TS)
    k = np.minimum(rng.poisson(3 + (end - created) / DAY / 12), 30)
    row = np.repeat(np.arange(len(opps)), k)
    n = len(row)
    ts = between(rng, created[row] - 14 * DAY, end[row])
    account = opps["account_idx"].to_numpy()[row]
    person = w.contact_of(account, 0.5)
    names = np.array([t for t, _ in _JOURNEY])
    kind = names[rng.choice(len(_JOURNEY), size=n, p=[p for _, p in _JOURNEY])]
    has_email = w.people["email"].notna().to_numpy()[person]
    kind[np.isin(kind, ["email_open", "email_click"]) & ~has_email] = "page_view"
    kind[(kind == "demo_request") & (opps["type"].to_numpy()[row] != "new_business")] = "page_view"
    ttype = np.array([TT[x] for x in kind])
    return [_journey_block(w, ts, ttype, person, account)]


def _journey_block(w: TouchWorld, ts: np.ndarray, ttype: np.ndarray, person: np.ndarray,
                   account: np.ndarray) -> Block:
    rng = w.rng
    n = len(ts)
    mail = np.isin(ttype, [TT["email_open"], TT["email_click"]])
    event = ttype == TT["event_checkin"]
    content_type = np.isin(ttype, [TT["content_view"], TT["content_download"],
                                   TT["content_share"]])
    channel = np.select([mail, event, content_type], [CH["email"], CH["event"], CH["content"]],
                        -1)
    english = w.people["english"].to_numpy()[person]
    camp = choose_campaigns(rng, w.camp, channel, ts, english)
    day = w.camp["start_date"].to_numpy()[np.maximum(camp, 0)]
    ts = np.where(event & (camp >= 0), day * DAY + 9 * 3600 + rng.integers(0, 4 * 3600, n), ts)
    content = np.where(content_type, w.content_at(ts), -1)
    web = np.isin(ttype, [TT["page_view"], TT["content_view"], TT["chat"],
                          TT["content_download"], TT["demo_request"]])
    ids = np.select(
        [mail, ttype == TT["call_inbound"], ttype == TT["content_share"],
         np.isin(ttype, [TT["content_download"], TT["demo_request"]])],
        [tv.EMAIL | np.where(rng.random(n) < 0.5, tv.CONTACT, 0), tv.PHONE,
         tv.OPENID | tv.UNIONID, tv.EMAIL | tv.PHONE],
        np.where(web & (rng.random(n) < 0.75), 0, tv.EMAIL | tv.PHONE))
    url = np.select([content >= 0, ttype == TT["demo_request"]],
                    [tv.CONTENT_BASE + content, tv.PAGE_DEMO], random_pages(w, n))
    prop = np.select([ttype == TT["page_view"], ttype == TT["chat"],
                      ttype == TT["call_inbound"], ttype == TT["content_share"]],
                     [tv.P["duration"], tv.P["chat"], tv.P["call"], tv.P["share"]], -1)
    return block(n, ts=ts, type=ttype, visitor=np.where(web, person, -1), person=person,
                 ids=ids, account=np.where(rng.random(n) < 0.2, account, -1),
                 campaign=np.where(mail | event, camp, -1), content=content,
                 channel=np.where(rng.random(n) < 0.85, channel, -1), utm=mail & (camp >= 0),
                 url=np.where(mail & (ttype == TT["email_open"]), -1, url), prop=prop,
                 prop_val=rng.integers(1, 600, n))
