"""What credits and spend can be grouped by, one small definition each.

A dimension turns a row of touch credits (or of spend) into a group key:

| dimension | credits: the touch's ...                     | spend                        |
| channel   | channel                                      | the campaign's channel       |
| platform  | campaign's platform                          | ad_spend.platform / campaign |
| campaign  | campaign_id                                  | campaign_id                  |
| content   | content_id                                   | (no spend)                   |
| keyword   | utm_term                                     | ad_spend.keyword             |
| team      | team of the campaign's owner (users.team)    | the same                     |
| period    | month of the conversion (workspace time zone)| month of the spend           |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import ibis

from revlens.attribution.exceptions import UnknownDimension
from revlens.warehouse import Warehouse


@dataclass(frozen=True)
class Dimension:
    name: str
    label_zh: str
    has_spend: bool = True


DIMENSIONS: dict[str, Dimension] = {d.name: d for d in (
    Dimension("channel", "渠道"), Dimension("platform", "平台"),
    Dimension("campaign", "市场活动"), Dimension("content", "内容", has_spend=False),
    Dimension("keyword", "关键词"), Dimension("team", "团队"), Dimension("period", "期间"),
)}


def dimension(name: str) -> Dimension:
    try:
        return DIMENSIONS[name]
    except KeyError:
        raise UnknownDimension(name, list(DIMENSIONS)) from None


def campaign_facts(wh: Warehouse) -> ibis.Table:
    """(campaign_id, campaign_channel, campaign_platform, team) per campaign."""
    campaigns, users = wh.table("campaigns"), wh.table("users")
    joined = campaigns.left_join(users, campaigns.owner_id == users.user_id)
    return joined.select(campaign_id=campaigns.campaign_id, campaign_channel=campaigns.channel,
                         campaign_platform=campaigns.platform, team=users.team)


def utc_offset_hours(zone: str) -> float:
    """The zone's current offset (used to cut months in the workspace time zone)."""
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def credit_key(wh: Warehouse, rows: ibis.Table, name: str) -> ibis.Table:
    """`rows` (touch credits or conversions shaped like them) with a `key` column."""
    dimension(name)
    if name in ("platform", "team"):
        facts = campaign_facts(wh)
        rows = rows.left_join(facts, "campaign_id").drop("campaign_id_right")
        return rows.mutate(key=rows.campaign_platform if name == "platform" else rows.team)
    if name == "period":
        minutes = int(utc_offset_hours(wh.settings.timezone) * 60)
        local = rows.converted_at + ibis.interval(minutes=minutes)
        return rows.mutate(key=local.strftime("%Y-%m"))
    column = {"channel": "channel", "campaign": "campaign_id", "content": "content_id",
              "keyword": "keyword"}[name]
    return rows.mutate(key=rows[column])
