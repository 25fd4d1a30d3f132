"""Base models of marketing: spend, ad delivery, touchpoints and attribution credits.

Marketing records belong to the campaign's owner (the marketer who runs it): a rep whose scope
is their own records sees none of them.
"""

from __future__ import annotations

import ibis

from revlens.attribution.spend import ads_with_campaign, spend_rows
from revlens.metrics.models import ModelContext, attach, base_model, staff
from revlens.metrics.models.sales import OWNER_DIMENSIONS
from revlens.warehouse.schema import ATTRIBUTION_CREDITS_TABLE

CREDIT_DIMENSIONS = {"channel": "channel", "campaign": "campaign_id", "content": "content_id",
                     "content_type": "content_type", "keyword": "keyword", "platform": "platform",
                     "conversion_type": "conversion_type", **OWNER_DIMENSIONS}
CREDIT_RECORDS = ("conversion_type", "conversion_id", "touchpoint_id", "channel", "campaign_id",
                  "content_id", "credit", "amount_credit", "converted_at", "conversion_amount")
CAMPAIGN_DIMENSIONS = {"channel": "channel", "platform": "platform", "campaign": "campaign_id",
                       **OWNER_DIMENSIONS}


def _campaign_owner(ctx: ModelContext, t: ibis.Table, platform: bool = True) -> ibis.Table:
    """`t` (with campaign_id) with the campaign's channel, its platform when `t` has none,
    owner_id, owner_name and team."""
    c = ctx.wh.table("campaigns")
    facts = c.select(c_id=c.campaign_id, channel=c.channel, c_platform=c.platform,
                     owner_id=c.owner_id, campaign_type=c.type, campaign_name=c.name)
    drop = [name for name in ("channel", "owner_id", "campaign_type", "campaign_name")
            if name in t.columns]
    t = attach(t.drop(*drop) if drop else t, facts, "campaign_id", "c_id")
    if platform:
        t = t.mutate(platform=ibis.coalesce(t.platform, t.c_platform))
    t = attach(t.drop("c_platform"), staff(ctx.wh, "s_"), "owner_id", "s_owner_id")
    return t.rename(owner_name="s_owner_name", team="s_team")


@base_model("spend", "Marketing spend", "营销费用", key="spend_key", time="day",
            dimensions={**CAMPAIGN_DIMENSIONS, "keyword": "keyword"},
            records=("spend_key", "day", "platform", "campaign_id", "campaign_name", "keyword",
                     "cost", "owner_id"))
def spend(ctx: ModelContext) -> ibis.Table:
    """Ad delivery cost plus the costs booked on campaigns (venue, agency ...), the same spend
    attribution's ROI divides by."""
    t = spend_rows(ctx.wh)
    t = t.mutate(spend_key=ibis.coalesce(t.day.cast("string"), "") + "/"
                 + ibis.coalesce(t.platform, "") + "/" + ibis.coalesce(t.campaign_id, "") + "/"
                 + ibis.coalesce(t.keyword, ""))
    return _campaign_owner(ctx, t)


@base_model("ads", "Ad delivery", "广告投放", key="ad_key", time="date",
            dimensions={**CAMPAIGN_DIMENSIONS, "keyword": "keyword", "ad_group": "ad_group"},
            records=("ad_key", "date", "platform", "campaign_name", "ad_group", "keyword",
                     "impressions", "clicks", "cost", "platform_conversions"))
def ads(ctx: ModelContext) -> ibis.Table:
    t = ads_with_campaign(ctx.wh)
    t = t.mutate(ad_key=t.date.cast("string") + "/" + t.platform + "/" + t.campaign_name + "/"
                 + ibis.coalesce(t.ad_group, "") + "/" + ibis.coalesce(t.keyword, ""))
    owned = _campaign_owner(ctx, t.rename(ad_campaign_name="campaign_name"))
    return owned.mutate(campaign_name=owned.ad_campaign_name)


@base_model("touchpoints", "Touchpoints", "触点", key="touchpoint_id", time="occurred_at",
            dimensions={**CAMPAIGN_DIMENSIONS, "content": "content_id",
                        "content_type": "content_type", "keyword": "utm_term",
                        "touch_type": "type", "landing_page": "landing_page"},
            records=("touchpoint_id", "occurred_at", "type", "channel", "campaign_id",
                     "content_id", "anonymous_id", "email", "lead_id", "url", "landing_page"),
            version=2)
def touchpoints(ctx: ModelContext) -> ibis.Table:
    """Touchpoints with their campaign's facts, the content's type, `visit_key`: a page
    view's visitor and local day (a visitor's page views on one day make one session), and
    `landing_page`: the address (without query or fragment) of the first page view of the
    visitor's day, on every touch of that day (so forms submitted in a session count for the
    page the session landed on)."""
    t = ctx.wh.table("touchpoints")
    content = ctx.wh.table("content").select(ct_id="content_id", content_type="type")
    t = attach(t, content, "content_id", "ct_id")
    campaigns = ctx.wh.table("campaigns").select(p_id="campaign_id", platform="platform")
    t = attach(t, campaigns, "campaign_id", "p_id")
    t = _campaign_owner(ctx, t.rename(touch_channel="channel"), platform=False)
    day = ctx.local(t.occurred_at).date().cast("string")
    visitor = ibis.coalesce(t.anonymous_id, t.email, t.phone, t.lead_id, t.contact_id)
    session = visitor + "/" + day
    page = ibis.ifelse(t.type == "page_view", t.url.re_extract(r"^[^?#]*", 0).nullif(""),
                       ibis.null("string"))
    landing = page.first(order_by=[t.occurred_at, t.touchpoint_id]).over(
        ibis.window(group_by=session))
    return t.mutate(
        channel=ibis.coalesce(t.touch_channel, t.channel),
        visit_key=ibis.ifelse(t.type == "page_view", session, ibis.null("string")),
        landing_page=ibis.ifelse(session.isnull(), ibis.null("string"), landing),
    ).drop("touch_channel")


@base_model("credits", "Attribution credits", "归因贡献", key="credit_key",
            time="converted_at", materialise=False, dimensions=CREDIT_DIMENSIONS,
            records=CREDIT_RECORDS)
def credits(ctx: ModelContext) -> ibis.Table:
    """Touch credits of the attribution model chosen by the `attribution_model` parameter (as
    written by `revlens refresh`), with `conversion_amount` (the whole conversion's amount) and
    the conversion's owner: the lead's owner for lead, MQL and SQL conversions, the
    opportunity's for opportunity and won conversions."""
    return _credits(ctx, ctx.params.get("attribution_model", "linear"))


@base_model("influence", "Touched conversions", "触达的转化", key="credit_key",
            time="converted_at", dimensions=CREDIT_DIMENSIONS, records=CREDIT_RECORDS,
            version=2, clustered=("conversion_type",))
def influence(ctx: ModelContext) -> ibis.Table:
    """Every touch before a conversion (the linear model's credits: each touch has a share),
    for what a channel, campaign or content *influenced*: a conversion counts in full for each
    of them that touched it."""
    return _credits(ctx, "linear")


def _credits(ctx: ModelContext, chosen: str) -> ibis.Table:
    wh = ctx.wh
    t = wh.table(ATTRIBUTION_CREDITS_TABLE)
    t = t.filter(t.model == chosen)
    leads, opps = wh.table("leads"), wh.table("opportunities")
    t = attach(t, leads.select(l_id="lead_id", lead_owner="owner_id"), "conversion_id", "l_id")
    t = attach(t, opps.select(o_id="opportunity_id", opp_owner="owner_id"), "conversion_id",
               "o_id")
    is_lead = t.conversion_type.isin(["lead_created", "mql", "sql"])
    t = t.mutate(owner_id=ibis.ifelse(is_lead, t.lead_owner, t.opp_owner))
    campaigns = wh.table("campaigns").select(p_id="campaign_id", platform="platform")
    t = attach(t, campaigns, "campaign_id", "p_id")
    content = wh.table("content").select(ct_id="content_id", content_type="type")
    t = attach(t, content, "content_id", "ct_id")
    t = attach(t, staff(wh, "s_"), "owner_id", "s_owner_id").rename(
        owner_name="s_owner_name", team="s_team")
    return t.mutate(
        credit_key=t.conversion_type + "/" + t.conversion_id + "/" + t.touchpoint_id,
        conversion_amount=ibis.ifelse(t.credit > 0, t.amount_credit / t.credit, 0.0),
    )
