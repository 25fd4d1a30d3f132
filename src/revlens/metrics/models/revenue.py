"""Base models after the deal: orders (bookings), payments (collections), customers, service
tickets and NPS responses."""

from __future__ import annotations

from datetime import timedelta

import ibis

from revlens.metrics.models import (
    ModelContext,
    account_facts,
    attach,
    base_model,
    staff,
)
from revlens.metrics.models.sales import OWNER_DIMENSIONS, lead_sources
from revlens.warehouse.portable import ordered_first

ACCOUNT_DIMENSIONS = {"industry": "industry", "province": "province",
                      "account_tier": "account_tier", "specialized": "specialized"}
DEAL_DIMENSIONS = {"channel": "lead_channel", "lead_source": "lead_channel",
                   "campaign": "lead_campaign", "platform": "lead_platform",
                   "product_type": "type", "new_vs_returning": "new_vs_returning",
                   **ACCOUNT_DIMENSIONS, **OWNER_DIMENSIONS}


def _owned_by_account(ctx: ModelContext, t: ibis.Table) -> ibis.Table:
    """`t` (with account_id) with the account's facts, owner_id, owner_name and team."""
    t = attach(t, account_facts(ctx.wh), "account_id", "account_key")
    t = t.rename(owner_id="account_owner_id")
    return attach(t, staff(ctx.wh, "s_"), "owner_id", "s_owner_id").rename(
        owner_name="s_owner_name", team="s_team")


@base_model("orders", "Orders", "合同/订单", key="order_id", time="signed_at",
            dimensions=DEAL_DIMENSIONS,
            records=("order_id", "account_id", "opportunity_id", "signed_at", "amount", "cost",
                     "type", "new_vs_returning", "paid", "outstanding", "owner_id"))
def orders(ctx: ModelContext) -> ibis.Table:
    """Orders with what has been paid on them, whether they are the account's first order
    (`new`) or a later one (`returning`), the margin, and the owner: the opportunity's owner,
    else the account's."""
    wh = ctx.wh
    t, pay, opps = wh.table("orders"), wh.table("payments"), wh.table("opportunities")
    paid = pay.group_by(paid_order=pay.order_id).aggregate(paid=pay.amount.sum())
    deal = opps.select(deal_id=opps.opportunity_id, deal_owner=opps.owner_id,
                       deal_lead=opps.lead_id)
    t = attach(t, paid, "order_id", "paid_order")
    t = attach(t, deal, "opportunity_id", "deal_id")
    t = attach(t, account_facts(ctx.wh), "account_id", "account_key")
    t = t.mutate(owner_id=ibis.coalesce(t.deal_owner, t.account_owner_id))
    t = attach(t, staff(wh, "s_"), "owner_id", "s_owner_id").rename(
        owner_name="s_owner_name", team="s_team")
    t = attach(t, lead_sources(ctx), "deal_lead", "lead_key")
    first = ibis.row_number().over(group_by=t.account_id, order_by=[t.signed_at, t.order_id])
    paid_amount = t.paid.fill_null(0).cast("decimal(18, 2)")
    return t.mutate(
        paid=paid_amount, outstanding=t.amount - paid_amount,
        margin=t.amount - t.cost,
        new_vs_returning=ibis.ifelse(first == 0, "new", "returning"),
    )


@base_model("payments", "Payments", "回款", key="payment_id", time="paid_at",
            dimensions=DEAL_DIMENSIONS,
            records=("payment_id", "order_id", "paid_at", "amount", "account_id", "owner_id",
                     "owner_name"))
def payments(ctx: ModelContext) -> ibis.Table:
    pay = ctx.wh.table("payments")
    o = orders(ctx)
    facts = o.select("order_id", "account_id", "type", "new_vs_returning", "owner_id",
                     "owner_name", "team", "lead_channel", "lead_campaign", "lead_platform",
                     *ACCOUNT_DIMENSIONS.values()).rename(order_key="order_id")
    return attach(pay, facts, "order_id", "order_key")


@base_model("customers", "Customers", "客户", key="account_id", time="first_order_at",
            materialise=False,
            dimensions={"channel": "first_channel", "lead_source": "first_channel",
                        **ACCOUNT_DIMENSIONS, **OWNER_DIMENSIONS},
            records=("account_id", "name", "first_order_at", "orders", "revenue",
                     "revenue_last_12m", "revenue_prior_12m", "churned", "owner_id"))
def customers(ctx: ModelContext) -> ibis.Table:
    """One row per account with an order signed by `as_of`: when it became a customer, the
    channel of its first order's lead, how many orders it signed, whether it bought more
    (repurchase: a second order; upsell: an upsell order; cross-sell: a cross-sell order),
    its revenue in the 12
    months before `as_of` and in the 12 before those (for net revenue retention), and whether
    it churned (it had a contract and none runs at `as_of`)."""
    o = orders(ctx)
    as_of = ibis.literal(ctx.as_of)
    year_ago = ibis.literal(ctx.as_of - timedelta(days=365))
    two_years = ibis.literal(ctx.as_of - timedelta(days=730))
    o = o.filter(o.signed_at < as_of)
    today = ibis.literal(ctx.as_of.date())
    amount = o.amount.cast("float64")
    first_channel = ordered_first(o.lead_channel, [o.signed_at, o.order_id])
    agg = o.group_by("account_id").aggregate(
        first_order_at=o.signed_at.min(), orders=o.count(), revenue=amount.sum(),
        upsell_orders=(o.type == "upsell").sum(),
        cross_sell_orders=(o.type == "cross_sell").sum(),
        revenue_last_12m=amount.sum(where=o.signed_at >= year_ago).fill_null(0.0),
        revenue_prior_12m=amount.sum(where=(o.signed_at >= two_years)
                                     & (o.signed_at < year_ago)).fill_null(0.0),
        contract_end=o.end_date.max(), first_channel=first_channel,
    )
    accounts = ctx.wh.table("accounts").select(name_key="account_id", name="name")
    agg = attach(agg, accounts, "account_id", "name_key")
    agg = _owned_by_account(ctx, agg)
    return agg.mutate(
        repurchased=agg.orders >= 2, upsold=agg.upsell_orders > 0,
        cross_sold=agg.cross_sell_orders > 0,
        churned=agg.contract_end.notnull() & (agg.contract_end < today),
        retained_base=ibis.ifelse(agg.revenue_prior_12m > 0, agg.revenue_prior_12m, 0.0),
        retained_revenue=ibis.ifelse(agg.revenue_prior_12m > 0, agg.revenue_last_12m, 0.0),
    )


@base_model("tickets", "Service tickets", "工单", key="ticket_id", time="created_at",
            time_columns=("resolved_at",),
            dimensions={"ticket_category": "category", "priority": "priority",
                        **ACCOUNT_DIMENSIONS, **OWNER_DIMENSIONS},
            records=("ticket_id", "created_at", "account_id", "status", "priority",
                     "category", "csat", "resolved_at", "owner_id"))
def tickets(ctx: ModelContext) -> ibis.Table:
    return _owned_by_account(ctx, ctx.wh.table("tickets"))


@base_model("nps", "NPS responses", "NPS 回复", key="response_id", time="responded_at",
            dimensions={**ACCOUNT_DIMENSIONS, **OWNER_DIMENSIONS},
            records=("response_id", "responded_at", "account_id", "score", "comment",
                     "owner_id"))
def nps(ctx: ModelContext) -> ibis.Table:
    """NPS responses with `nps_points`: +100 for a promoter (9-10), -100 for a detractor
    (0-6), 0 for a passive, so the average of the points is the NPS."""
    t = _owned_by_account(ctx, ctx.wh.table("nps_responses"))
    return t.mutate(nps_points=ibis.cases((t.score >= 9, 100.0), (t.score <= 6, -100.0),
                                          else_=0.0))
