"""Assemble all touchpoint blocks, top them up to the target with sessions, write the CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from revlens.demo import touch_leads, touch_marketing, touch_traffic
from revlens.demo import touch_vocab as tv
from revlens.demo.touch_frame import Block, TouchTables, concat, ensure_identifier
from revlens.demo.touch_frame import write_touchpoints as _write
from revlens.demo.touch_world import TouchWorld

MIN_SESSION_SHARE = 0.03


def add_creatives(spend: pd.DataFrame) -> tuple[pa.Array, pa.Array]:
    """Code each ad_spend row's (ad group, keyword); returns the keyword and ad-group tables."""
    codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([spend["ad_group"],
                                                           spend["keyword"]]))
    spend["creative"] = codes
    groups = [g for g, _ in pairs]
    keywords = [k or None for _, k in pairs]
    return pa.array(keywords, pa.string()), pa.array(groups, pa.string())


def build_frame(w: TouchWorld) -> Block:
    """All touchpoints as integer codes, sorted by time."""
    blocks = [
        *touch_leads.lead_origin(w), *touch_leads.planted_webinars(w),
        *touch_leads.deal_journeys(w), *touch_marketing.email_programmes(w),
        *touch_marketing.content_consumption(w), *touch_marketing.event_audiences(w),
        *touch_traffic.tracked_ad_clicks(w), *touch_traffic.misc(w),
    ]
    used = sum(len(b["ts"]) for b in blocks)
    rest = max(w.target - used, int(MIN_SESSION_SHARE * w.target))
    blocks.extend(touch_traffic.sessions(w, rest))
    frame = concat(blocks)
    return frame


def tables(w: TouchWorld, keyword: pa.Array, ad_group: pa.Array) -> TouchTables:
    p = w.people

    def col(values: object) -> pa.Array:
        return pa.array(values, pa.string(), from_pandas=True)

    paths = tv.url_paths(list(w.content["content_id"]))
    return TouchTables(
        email=col(p["email"]), phone=col(p["phone"]), unionid=col(p["wechat_unionid"]),
        openid=col(p["wechat_openid"]), contact_id=col(p["contact_id"]),
        lead_id=col(w.leads["lead_id"]), account_id=col(w.acc["account_id"]),
        campaign_id=col(w.camp["campaign_id"]), utm_source=col(w.camp["utm_source"]),
        utm_medium=col(w.camp["utm_medium"]), utm_campaign=col(w.camp["utm_campaign"]),
        content_id=col(w.content["content_id"]), keyword=keyword, ad_group=ad_group,
        url=col([tv.SITE + path for path in paths]),
    )


def write_touchpoints(path: Path, w: TouchWorld, keyword: pa.Array,
                      ad_group: pa.Array) -> tuple[int, Block]:
    """Build, check and write all touchpoints; returns (rows, frame) for the truth file."""
    frame = build_frame(w)
    t = tables(w, keyword, ad_group)
    ensure_identifier(frame, t)
    return _write(path, frame, t), frame
