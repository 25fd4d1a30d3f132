"""Marketing spend: ad_spend (per platform, campaign, ad group, keyword, day) plus the costs
booked on campaigns (`campaigns.cost`: venue, agency — spend not in ad_spend).

An ad_spend row belongs to a campaign by its campaign_id, else by its campaign_name matched to
campaigns.name within the same platform. A campaign's own cost is booked on its start_date
(else its end_date); with neither it counts only in reports without a period.
"""

from __future__ import annotations

from datetime import date

import ibis

from revlens.attribution.dimensions import campaign_facts, dimension
from revlens.warehouse import Warehouse

SPEND_COLUMNS = ("day", "platform", "campaign_id", "keyword", "cost")


def ads_with_campaign(wh: Warehouse) -> ibis.Table:
    """Every ad_spend row, its `campaign_id` filled from the campaign matched by name within
    the platform when the row gives none."""
    ads, campaigns = wh.table("ad_spend"), wh.table("campaigns")
    by_name = campaigns.select(matched_id=campaigns.campaign_id, campaign_name=campaigns.name,
                               platform=campaigns.platform)
    ads = ads.left_join(by_name, ["campaign_name", "platform"]).drop(
        "campaign_name_right", "platform_right")
    return ads.mutate(campaign_id=ibis.coalesce(ads.campaign_id, ads.matched_id)).drop(
        "matched_id")


def spend_rows(wh: Warehouse) -> ibis.Table:
    """One row per spend item: day, platform, campaign_id, keyword, cost (float)."""
    ads, campaigns = ads_with_campaign(wh), wh.table("campaigns")
    ad_rows = ads.select(day=ads.date, platform=ads.platform, campaign_id=ads.campaign_id,
                         keyword=ads.keyword, cost=ads.cost.cast("float64"))
    costs = campaigns.filter(campaigns.cost.notnull())
    cost_rows = costs.select(day=ibis.coalesce(costs.start_date, costs.end_date),
                             platform=costs.platform, campaign_id=costs.campaign_id,
                             keyword=ibis.null("string"), cost=costs.cost.cast("float64"))
    return ibis.union(ad_rows, cost_rows, distinct=False)


def spend_by(wh: Warehouse, name: str, start: date | None = None,
             end: date | None = None, owner_ids: frozenset[str] | None = None) -> ibis.Table:
    """(key, spend) for dimension `name`, spend dated in [start, end] (inclusive days), of
    the campaigns `owner_ids` own (None: all spend, with or without a campaign)."""
    rows = spend_rows(wh)
    if owner_ids is not None:
        campaigns = wh.table("campaigns")
        owned = campaigns.filter(campaigns.owner_id.isin(sorted(owner_ids)) if owner_ids
                                 else ibis.literal(False))
        rows = rows.semi_join(owned, rows.campaign_id == owned.campaign_id)
    if start is not None:
        rows = rows.filter(rows.day >= start)
    if end is not None:
        rows = rows.filter(rows.day <= end)
    if start is not None or end is not None:
        rows = rows.filter(rows.day.notnull())
    facts = campaign_facts(wh)
    rows = rows.left_join(facts, "campaign_id").drop("campaign_id_right")
    if name == "period":
        key = rows.day.strftime("%Y-%m")
    else:
        key = {"channel": rows.campaign_channel,
               "platform": ibis.coalesce(rows.platform, rows.campaign_platform),
               "campaign": rows.campaign_id, "keyword": rows.keyword, "team": rows.team,
               "content": ibis.null("string")}[dimension(name).name]
    rows = rows.mutate(key=key)
    return rows.group_by("key").aggregate(spend=rows.cost.sum())
