"""Base models of the sales side: leads, opportunities, follow-up activities and targets."""

from __future__ import annotations

import ibis

from revlens.metrics.dimensions import dimension
from revlens.metrics.models import (
    ModelContext,
    account_facts,
    attach,
    base_model,
    days_between,
    staff,
)

OWNER_DIMENSIONS = {"owner": "owner_id", "team": "team"}


def lead_sources(ctx: ModelContext) -> ibis.Table:
    """Per lead: its source channel, campaign and the campaign's platform (prefixed `lead_`)."""
    leads, campaigns = ctx.wh.table("leads"), ctx.wh.table("campaigns")
    platforms = campaigns.select(platform_campaign=campaigns.campaign_id,
                                 lead_platform=campaigns.platform)
    sources = leads.select(lead_key=leads.lead_id, lead_channel=leads.source_channel,
                           lead_campaign=leads.campaign_id)
    return attach(sources, platforms, "lead_campaign", "platform_campaign")


OPEN_LEAD_STATUSES = ("new", "contacted", "mql", "sql", "recycled")
"""Statuses of a lead still in the pool (not converted, not disqualified); no status is new."""
IDLE_DAYS = 3
"""An open lead is idle when its last touch (follow-up, else creation) is older than this."""
AGE_BOUNDS = (1, 3, 7, 30)
"""Buckets of a lead's age (days since creation), by exclusive upper bound: the values of the
`lead_age` dimension, in its order (<1d, 1-3d, 3-7d, 7-30d, >30d)."""


def _lead_state(ctx: ModelContext, t: ibis.Table) -> ibis.Table:
    """What depends on the query's moment: `age_days`, `lead_age` (bucket), `last_touch_at`
    (the latest follow-up before the moment, else creation), `idle_days`, `is_open` (the lead's
    current status is an open one) and `is_idle` (open, untouched for over IDLE_DAYS days).
    Only the first and the last follow-up are kept, so for a past moment between them the
    first stands in for the last."""
    as_of = ibis.literal(ctx.as_of)
    touched = ibis.cases((t.last_follow_up_at < as_of, t.last_follow_up_at),
                         (t.first_follow_up_at < as_of, t.first_follow_up_at),
                         else_=t.created_at)
    last_touch = ibis.greatest(t.created_at, touched.fill_null(t.created_at))
    age = days_between(t.created_at, as_of)
    idle = days_between(last_touch, as_of)
    names = dimension("lead_age").order
    bucket = ibis.cases(*((age < bound, name) for bound, name in zip(AGE_BOUNDS, names,
                                                                      strict=False)),
                        else_=names[-1])
    is_open = t.status.fill_null("new").isin(OPEN_LEAD_STATUSES)
    return t.mutate(age_days=age, lead_age=bucket, last_touch_at=last_touch, idle_days=idle,
                    is_open=is_open, is_idle=is_open & (idle > IDLE_DAYS))


@base_model("leads", "Leads", "线索", key="lead_id", time="created_at",
            time_columns=("mql_at", "sql_at", "converted_at", "first_follow_up_at"),
            dimensions={"channel": "source_channel", "lead_source": "source_channel",
                        "campaign": "campaign_id", "platform": "platform",
                        "industry": "industry", "province": "province", "status": "status",
                        "lead_age": "lead_age", **OWNER_DIMENSIONS},
            records=("lead_id", "name", "company", "created_at", "status", "source_channel",
                     "campaign_id", "owner_id", "owner_name", "mql_at", "sql_at",
                     "opportunity_id", "first_follow_up_at", "follow_ups", "last_touch_at",
                     "idle_days"),
            finish=_lead_state, version=2)
def leads(ctx: ModelContext) -> ibis.Table:
    wh = ctx.wh
    t, acts = wh.table("leads"), wh.table("activities")
    acts = acts.filter(acts.lead_id.notnull())
    follow = acts.group_by(follow_lead=acts.lead_id).aggregate(
        first_follow_up_at=acts.occurred_at.min(), last_follow_up_at=acts.occurred_at.max(),
        follow_ups=acts.count())
    campaigns = wh.table("campaigns").select("campaign_id", "platform")
    opps = wh.table("opportunities")
    won = opps.select(won_opportunity=opps.opportunity_id,
                      opportunity_won=opps.is_won.fill_null(False))
    t = attach(t, follow, "lead_id", "follow_lead")
    t = attach(t, campaigns.rename(platform_campaign="campaign_id"), "campaign_id",
               "platform_campaign")
    t = attach(t, staff(wh, "s_"), "owner_id", "s_owner_id").rename(
        owner_name="s_owner_name", team="s_team")
    t = attach(t, won, "opportunity_id", "won_opportunity")
    minutes = days_between(t.created_at, t.first_follow_up_at) * 1440.0
    return t.mutate(
        follow_ups=t.follow_ups.fill_null(0),
        speed_to_lead_minutes=ibis.ifelse(minutes < 0, 0.0, minutes),
        is_converted=t.opportunity_id.notnull() | t.converted_at.notnull(),
        is_won=t.opportunity_won.fill_null(False),
    )


def _open_at_the_moment(ctx: ModelContext, t: ibis.Table) -> ibis.Table:
    """`open_as_of`: created before the query's moment and not closed by then."""
    as_of = ibis.literal(ctx.as_of)
    return t.mutate(open_as_of=((t.created_at < as_of) & (
        t.closed_at.isnull() & ~t.is_closed | (t.closed_at >= as_of))).fill_null(False))


@base_model("opportunities", "Opportunities", "商机", key="opportunity_id", time="created_at",
            finish=_open_at_the_moment,
            time_columns=("closed_at", "expected_close_date"),
            dimensions={"channel": "lead_channel", "lead_source": "lead_channel",
                        "campaign": "lead_campaign", "platform": "lead_platform",
                        "industry": "industry", "province": "province",
                        "account_tier": "account_tier", "specialized": "specialized",
                        "stage": "stage", "product_type": "type",
                        "new_vs_returning": "new_vs_returning",
                        "forecast_category": "forecast_category", **OWNER_DIMENSIONS},
            records=("opportunity_id", "name", "account_id", "owner_id", "owner_name",
                     "created_at", "stage", "amount", "expected_close_date", "closed_at",
                     "is_won", "type", "lead_channel"))
def opportunities(ctx: ModelContext) -> ibis.Table:
    wh = ctx.wh
    won, lost = wh.settings.won_stage.name, wh.settings.lost_stage.name
    t = wh.table("opportunities")
    t = attach(t, account_facts(wh), "account_id", "account_key").drop("account_owner_id")
    t = attach(t, staff(wh, "s_"), "owner_id", "s_owner_id").rename(
        owner_name="s_owner_name", team="s_team")
    t = attach(t, lead_sources(ctx), "lead_id", "lead_key")
    is_won = t.is_won.fill_null(False) | (t.stage == won)
    closed = is_won | (t.stage == lost) | t.closed_at.notnull()
    return t.mutate(
        is_won=is_won, is_closed=closed, is_open=~closed,
        won_amount=ibis.ifelse(is_won, t.amount, ibis.null("decimal(18, 2)")),
        cycle_days=ibis.ifelse(closed, days_between(t.created_at, t.closed_at),
                               ibis.null("float64")),
        new_vs_returning=ibis.ifelse(t.type.fill_null("new_business") == "new_business",
                                     "new", "returning"),
    )


@base_model("activities", "Follow-ups", "跟进记录", key="activity_id", time="occurred_at",
            dimensions={"activity_type": "type", "follow_up_on": "follow_up_on",
                        **OWNER_DIMENSIONS},
            records=("activity_id", "occurred_at", "owner_id", "owner_name", "type",
                     "lead_id", "account_id", "opportunity_id", "duration_minutes"),
            version=2)
def activities(ctx: ModelContext) -> ibis.Table:
    """Follow-ups with `follow_up_on`: what was followed up — an opportunity, else a lead,
    else a contact, else an account."""
    t = ctx.wh.table("activities")
    t = t.mutate(owner_id=t.user_id, follow_up_on=ibis.cases(
        (t.opportunity_id.notnull(), "opportunity"), (t.lead_id.notnull(), "lead"),
        (t.contact_id.notnull(), "contact"), else_="account"))
    return attach(t, staff(ctx.wh, "s_"), "owner_id", "s_owner_id").rename(
        owner_name="s_owner_name", team="s_team")


def _period_bounds(period: ibis.Value) -> tuple[ibis.Value, ibis.Value, ibis.Value]:
    """(first day, months, granularity rank) of `2026-11` / `2026-Q4` / `2026`."""
    year = period.substr(0, 4).cast("int32")
    is_quarter = period.contains("Q")
    is_month = (period.length() == 7) & ~is_quarter
    month = ibis.cases((is_month, period.substr(5, 2).cast("int32")),
                       (is_quarter, (period.substr(6, 1).cast("int32") - 1) * 3 + 1),
                       else_=1)
    months = ibis.cases((is_month, 1), (is_quarter, 3), else_=12)
    return ibis.date(year, month, 1), months, months


@base_model("targets", "Targets", "目标", key="target_key", time="month",
            dimensions={"target_metric": "metric", **OWNER_DIMENSIONS},
            records=("target_key", "period", "metric", "owner_id", "owner_name", "team",
                     "month", "value"))
def targets(ctx: ModelContext) -> ibis.Table:
    """One row per target and calendar month, a quarter's or year's value spread evenly over
    its months. Per owner, metric and year the finest periods given win (monthly targets beat
    a yearly one); individual targets are used where a metric has any, team totals otherwise,
    so nothing is counted twice."""
    wh = ctx.wh
    t = wh.table("targets")
    first, months, rank = _period_bounds(t.period)
    t = t.mutate(first=first, months=months, rank=rank, year=t.period.substr(0, 4),
                 is_personal=t.user_id.notnull())
    finest = ibis.window(group_by=[t.metric, t.user_id, t.team, t.year])
    personal = ibis.window(group_by=[t.metric])
    # window values are columns first: Spark cannot filter on a window function directly
    t = t.mutate(_finest=t.rank.min().over(finest), _personal=t.is_personal.max().over(personal))
    t = t.filter((t.rank == t._finest) & (t.is_personal == t._personal)).drop(
        "_finest", "_personal")
    t = t.mutate(offset=ibis.range(0, t.months).unnest())
    t = t.mutate(month=(t.first.cast("timestamp") + t.offset.as_interval("M")).date(),
                 value=t.value / t.months, owner_id=t.user_id)
    t = attach(t, staff(wh, "s_"), "owner_id", "s_owner_id")
    t = t.mutate(team=ibis.coalesce(t.team, t.s_team), owner_name=t.s_owner_name)
    return t.mutate(target_key=t.period + "/" + t.metric + "/"
                    + ibis.coalesce(t.user_id, t.team, "") + "/" + t.offset.cast("string"))
