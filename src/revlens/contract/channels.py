"""Deriving a touchpoint's channel from its UTM fields and referrer when the file has none.

The rules are plain data, tried in order; the first that matches gives the channel. A touch with
no UTM and no referrer is `direct`; one with only a referrer from elsewhere is `referral`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

SEARCH_ENGINES = r"baidu\.|google\.|bing\.|sogou\.|so\.com|sm\.cn|yahoo\.|yandex\.|duckduckgo\."
SOCIAL_SITES = (r"weibo|zhihu|xiaohongshu|xhs|linkedin|wechat|weixin|douyin|toutiao|facebook|"
                r"twitter|x\.com|bilibili")


@dataclass(frozen=True)
class ChannelRule:
    channel: str
    field: str          # utm_medium, utm_source or referrer
    pattern: str        # RE2, matched case-insensitively


CHANNEL_RULES: tuple[ChannelRule, ...] = (
    ChannelRule("paid_search", "utm_medium", r"^(cpc|ppc|sem|paid[_ -]?search|search)$"),
    ChannelRule("paid_social", "utm_medium", r"^(paid[_ -]?social|feed|ocpm|ocpc|social[_ -]?paid"
                                             r"|信息流)$"),
    ChannelRule("display", "utm_medium", r"^(display|banner|cpm)$"),
    ChannelRule("video", "utm_medium", r"^(video|cpv)$"),
    ChannelRule("email", "utm_medium", r"^(e-?mail|edm|newsletter)$"),
    ChannelRule("webinar", "utm_medium", r"^(webinar|livestream|直播)$"),
    ChannelRule("event", "utm_medium", r"^(event|offline)$"),
    ChannelRule("partner", "utm_medium", r"^(partner|affiliate)$"),
    ChannelRule("referral", "utm_medium", r"^referral$"),
    ChannelRule("social", "utm_medium", r"^(social|organic[_ -]?social)$"),
    ChannelRule("content", "utm_medium", r"^(content|article|whitepaper)$"),
    ChannelRule("social", "utm_source", SOCIAL_SITES),
    ChannelRule("organic_search", "referrer", SEARCH_ENGINES),
    ChannelRule("social", "referrer", SOCIAL_SITES),
    ChannelRule("referral", "referrer", r"^https?://"),
)


def derive_channel(columns: dict[str, pa.Array], length: int) -> pa.Array:
    """The channel per row from `utm_medium`, `utm_source`, `referrer` (absent = null)."""
    result = pa.nulls(length, pa.string())
    for rule in reversed(CHANNEL_RULES):  # earlier rules win: apply them last
        values = columns.get(rule.field)
        if values is None:
            continue
        hit = pc.fill_null(pc.match_substring_regex(values, rule.pattern, ignore_case=True),
                           False)
        result = pc.if_else(hit, pa.scalar(rule.channel), result)
    has_utm = None
    for name in ("utm_source", "utm_medium", "utm_campaign"):
        if name in columns:
            present = pc.is_valid(columns[name])
            has_utm = present if has_utm is None else pc.or_(has_utm, present)
    direct = pa.repeat(pa.scalar("direct"), length)
    fallback = direct if has_utm is None else pc.if_else(has_utm, pa.scalar("other"), direct)
    return pc.coalesce(result, fallback)
