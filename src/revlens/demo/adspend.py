"""Daily ad delivery per platform / campaign / ad group / keyword.

Impressions are Poisson around a per-keyword daily level (weekends and holidays lower, growing
over the window); clicks are binomial on impressions with the channel's CTR, cost is clicks times
a per-keyword CPC, conversions binomial on clicks. Levels are scaled so total clicks hit the
number the touchpoint generator needs (tracked ad clicks are a share of platform clicks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from revlens.demo.scales import Scale
from revlens.demo.timeline import END_DAY, START_DAY, day_weights

_CTR = {"paid_search": 0.045, "paid_social": 0.009, "display": 0.004, "video": 0.012}
_CVR = {"paid_search": 0.035, "paid_social": 0.015, "display": 0.006, "video": 0.01}
# platform -> cost per click in the campaign's currency (CNY unless the campaign is in USD)
_CPC = {
    "baidu": 16.0,
    "google": 11.0,
    "microsoft": 7.0,
    "tencent": 6.5,
    "oceanengine": 5.0,
    "linkedin": 45.0,
    "wechat": 7.0,
    "weibo": 3.5,
    "zhihu": 5.5,
    "xiaohongshu": 6.0,
}
_CPC_USD = {"google": 4.2, "linkedin": 9.5}
USD_CNY = 7.15

_SEARCH_GROUPS_ZH = {
    "品牌词": ["星图云", "星图云CRM", "星图云官网", "starchart", "星图云价格", "星图云怎么样"],
    "产品词": [
        "营销自动化软件",
        "B2B营销平台",
        "CRM系统",
        "SCRM系统",
        "线索管理系统",
        "营销归因工具",
    ],
    "竞品词": ["salesforce价格", "hubspot中文版", "纷享销客", "销售易", "marketo", "zoho crm"],
    "行业词": ["制造业获客", "B2B获客方法", "私域流量运营", "ABM营销", "工业品营销", "SaaS获客"],
    "通用词": ["营销数字化", "获客成本", "线索转化率", "营销ROI", "销售漏斗", "客户管理软件"],
}
_SEARCH_GROUPS_EN = {
    "Brand": [
        "starchart crm",
        "starchart cloud",
        "starchart pricing",
        "starchart login",
        "starchart reviews",
        "starchart demo",
    ],
    "Product": [
        "marketing automation software",
        "b2b marketing platform",
        "revenue attribution tool",
        "crm for b2b",
        "lead scoring software",
        "marketing analytics",
    ],
    "Competitor": [
        "hubspot alternative",
        "salesforce alternative",
        "marketo pricing",
        "pardot alternative",
        "6sense alternative",
        "zoho alternative",
    ],
    "Generic": [
        "b2b lead generation",
        "account based marketing",
        "marketing roi",
        "pipeline forecasting",
        "sales funnel software",
        "b2b growth",
    ],
}
_FEED_GROUPS_ZH = [
    "定向-IT决策者",
    "定向-制造业",
    "再营销-官网访客",
    "相似人群-客户",
    "兴趣-企业服务",
    "创意-白皮书下载",
    "创意-案例视频",
]
_FEED_GROUPS_EN = [
    "Job title - Marketing leaders",
    "Company size 200+",
    "Retargeting - site visitors",
    "Lookalike - customers",
    "Interest - SaaS",
]


def _structure(rng: np.random.Generator, row: pd.Series, scale: Scale) -> list[tuple[str, str]]:
    """(ad group, keyword) pairs of one campaign; keyword is '' outside search."""
    if row["channel"] == "paid_search":
        groups = _SEARCH_GROUPS_EN if row["english"] else _SEARCH_GROUPS_ZH
        names = list(groups)
        if "品牌" in row["name"] or "Brand" in row["name"]:
            order = [0] + list(rng.permutation(np.arange(1, len(names))))
        else:
            order = list(rng.permutation(np.arange(1, len(names))))
        pairs = []
        for g in order[: scale.ad_groups]:
            words = rng.permutation(groups[names[g]])[: scale.keywords]
            pairs.extend((names[g], str(w)) for w in words)
        return pairs
    feed = _FEED_GROUPS_EN if row["english"] else _FEED_GROUPS_ZH
    return [(str(g), "") for g in rng.permutation(feed)[: scale.ad_groups]]


def _campaign_rows(rng: np.random.Generator, camp: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    weights = day_weights(growth=1.5, weekend=0.45)
    parts = []
    for idx, row in camp[camp["has_ad_spend"]].iterrows():
        first, last = max(row["start_date"], START_DAY), min(row["end_date"], END_DAY)
        if last < first:
            continue
        pairs = _structure(rng, row, scale)
        days = np.arange(first, last + 1)
        level = np.exp(rng.normal(0, 0.8, len(pairs)))  # relative daily level per keyword
        cpc_base = (_CPC_USD if row["currency"] == "USD" else _CPC)[row["platform"]]
        cpc = cpc_base * np.exp(rng.normal(0, 0.3, len(pairs)))
        if row["channel"] != "paid_search":
            cpc = cpc * 0.6
        if row["always_on"]:
            level = level * 0.5
        parts.append(
            pd.DataFrame(
                {
                    "campaign_idx": idx,
                    "day": np.repeat(days, len(pairs)),
                    "ad_group": np.tile([g for g, _ in pairs], len(days)),
                    "keyword": np.tile([k for _, k in pairs], len(days)),
                    "level": np.tile(level, len(days))
                    * np.repeat(weights[days - START_DAY], len(pairs)),
                    "cpc": np.tile(cpc, len(days)),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def build_ad_spend(
    rng: np.random.Generator, camp: pd.DataFrame, scale: Scale, target_clicks: int
) -> pd.DataFrame:
    """Rows of ad delivery; total clicks come out close to ``target_clicks``."""
    spend = _campaign_rows(rng, camp, scale)
    channel = camp["channel"].to_numpy()[spend["campaign_idx"].to_numpy()]
    ctr = pd.Series(channel).map(_CTR).to_numpy()
    cvr = pd.Series(channel).map(_CVR).to_numpy()
    expected_clicks = spend["level"].to_numpy()
    factor = target_clicks / max(expected_clicks.sum(), 1e-9)
    lam = expected_clicks * factor / ctr
    impressions = rng.poisson(lam)
    clicks = rng.binomial(impressions, ctr * np.exp(rng.normal(0, 0.15, len(ctr))).clip(0, 5))
    daily_noise = np.exp(rng.normal(0, 0.12, len(clicks)))
    spend["impressions"] = impressions
    spend["clicks"] = clicks
    spend["cost"] = np.round(clicks * spend["cpc"].to_numpy() * daily_noise * 100)  # cents
    spend["platform_conversions"] = rng.binomial(clicks, cvr)
    cols = camp[["platform", "name", "campaign_id", "currency"]].to_numpy()[
        spend["campaign_idx"].to_numpy()
    ]
    spend["platform"], spend["campaign_name"] = cols[:, 0], cols[:, 1]
    hide_id = rng.random(len(camp)) < 0.15  # these campaigns are matched by name only
    ids = np.where(hide_id, None, camp["campaign_id"].to_numpy())
    spend["campaign_id"] = ids[spend["campaign_idx"].to_numpy()]
    spend["currency"] = cols[:, 3]
    return spend.drop(columns=["level", "cpc"])


def spend_cny_by_campaign(spend: pd.DataFrame) -> pd.Series:
    """Total cost per campaign row index, in CNY cents (USD converted at a planning rate)."""
    rate = np.where(spend["currency"].to_numpy() == "USD", USD_CNY, 1.0)
    return (
        pd.Series(spend["cost"].to_numpy() * rate).groupby(spend["campaign_idx"].to_numpy()).sum()
    )


def ad_spend_columns(spend: pd.DataFrame) -> dict[str, object]:
    keyword = spend["keyword"].to_numpy().copy()
    keyword[keyword == ""] = None
    return {
        "date": spend["day"],
        "platform": spend["platform"],
        "campaign_name": spend["campaign_name"],
        "ad_group": spend["ad_group"],
        "keyword": keyword,
        "campaign_id": spend["campaign_id"],
        "impressions": spend["impressions"],
        "clicks": spend["clicks"],
        "cost": spend["cost"],
        "platform_conversions": spend["platform_conversions"],
        "currency": spend["currency"],
    }
