"""The five conversion types, each one small definition over the warehouse.

Every definition returns one row per conversion with the same columns (CONVERSION_COLUMNS):

* `conversion_id`, `converted_at`, `amount` — the lead (lead_created, mql, sql; amount 0) or
  the opportunity (opportunity_created: its pipeline amount; won: the amount of its orders,
  or the opportunity's amount when it has none, as revenue);
* `lead_id`, `account_id` — whose touches form the journey (`basis`: the lead's person for
  lead conversions; every person of the account for opportunity conversions, B2B style);
* `lead_at`, `opp_at`, `won_at` — when the milestones of W-shaped / full-path happened;
* `new_customer` — counts towards CAC (won new business);
* `source_channel`, `source_campaign_id` — the lead source, what sourced pipeline falls back
  to when a journey has no touch;
* `owner_id` — whose conversion it is (the row-level scope keeps a user's owners' ones): the
  lead's owner for lead conversions, the opportunity's for opportunity conversions.

The lead of an opportunity is its `lead_id`, else the earliest lead of its account.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Literal

import ibis

from revlens.analytics.lead_events import lead_status_events
from revlens.attribution.exceptions import UnknownConversion
from revlens.warehouse import Warehouse

Basis = Literal["lead", "account"]
NULL_TS = ibis.null("timestamp('UTC', 6)")
CONVERSION_COLUMNS = ("conversion_type", "conversion_id", "converted_at", "amount", "lead_id",
                      "account_id", "lead_at", "opp_at", "won_at", "new_customer",
                      "source_channel", "source_campaign_id", "owner_id")


class Conversion(ABC):
    """One conversion type: a name, a journey basis and the rows of its conversions."""

    name: ClassVar[str]
    basis: ClassVar[Basis]
    label_zh: ClassVar[str]
    money: ClassVar[str] = ""   # what `amount` is: "" (none), "pipeline" or "revenue"

    @abstractmethod
    def rows(self, wh: Warehouse) -> ibis.Table:
        """One row per conversion, CONVERSION_COLUMNS except conversion_type."""

    def table(self, wh: Warehouse) -> ibis.Table:
        rows = self.rows(wh).mutate(conversion_type=ibis.literal(self.name))
        return rows.filter(rows.converted_at.notnull()).select(*CONVERSION_COLUMNS)


def _lead_rows(leads: ibis.Table, at: ibis.Value) -> dict[str, ibis.Value]:
    return {"conversion_id": leads.lead_id, "converted_at": at,
            "amount": ibis.literal(0.0, "float64"), "lead_id": leads.lead_id,
            "account_id": ibis.null("string"), "lead_at": leads.created_at, "opp_at": NULL_TS,
            "won_at": NULL_TS, "new_customer": ibis.literal(False),
            "source_channel": leads.source_channel, "source_campaign_id": leads.campaign_id,
            "owner_id": leads.owner_id}


class LeadCreated(Conversion):
    name, basis, label_zh = "lead_created", "lead", "新线索"

    def rows(self, wh: Warehouse) -> ibis.Table:
        leads = wh.table("leads")
        return leads.select(**_lead_rows(leads, leads.created_at))


class StatusReached(Conversion):
    """A lead reaching a status (its first event of that status)."""

    status: ClassVar[str]

    def rows(self, wh: Warehouse) -> ibis.Table:
        events = lead_status_events(wh)
        events = events.filter(events.status == self.status)
        first = events.group_by("lead_id").aggregate(reached_at=events.changed_at.min())
        leads = wh.table("leads")
        joined = leads.join(first, "lead_id")
        return joined.select(**_lead_rows(joined, joined.reached_at))


class Mql(StatusReached):
    name, basis, label_zh, status = "mql", "lead", "MQL", "mql"


class Sql(StatusReached):
    name, basis, label_zh, status = "sql", "lead", "SQL", "sql"


def opportunity_leads(wh: Warehouse) -> ibis.Table:
    """(opportunity_id, lead_id, lead_at, source_channel, source_campaign_id): the
    opportunity's own lead, else the earliest lead of its account."""
    opps, leads = wh.table("opportunities"), wh.table("leads")
    own = opps.join(leads, opps.lead_id == leads.lead_id).select(
        opps.opportunity_id, leads.lead_id, leads.created_at, leads.source_channel,
        leads.campaign_id, rank=ibis.literal(0))
    account = opps.join(leads, opps.account_id == leads.account_id).select(
        opps.opportunity_id, leads.lead_id, leads.created_at, leads.source_channel,
        leads.campaign_id, rank=ibis.literal(1))
    both = ibis.union(own, account, distinct=False)
    order = ibis.window(group_by="opportunity_id",
                        order_by=["rank", "created_at", "lead_id"])
    both = both.mutate(pick=ibis.row_number().over(order))
    return both.filter(both.pick == 0).select(
        "opportunity_id", "lead_id", lead_at="created_at", source_channel="source_channel",
        source_campaign_id="campaign_id")


def _opp_rows(joined: ibis.Table, at: ibis.Value, amount: ibis.Value,
              won_at: ibis.Value) -> dict[str, ibis.Value]:
    kind = joined.type
    return {"conversion_id": joined.opportunity_id, "converted_at": at,
            "amount": amount.cast("float64"),
            "lead_id": ibis.coalesce(joined.lead_id, joined.chosen_lead_id),
            "account_id": joined.account_id, "lead_at": joined.lead_at,
            "opp_at": joined.created_at, "won_at": won_at,
            "new_customer": kind.isnull() | (kind == "new_business"),
            "source_channel": joined.source_channel,
            "source_campaign_id": joined.source_campaign_id, "owner_id": joined.owner_id}


def _opps_with_leads(wh: Warehouse) -> ibis.Table:
    opps = wh.table("opportunities")
    chosen = opportunity_leads(wh).rename(chosen_lead_id="lead_id")
    return opps.left_join(chosen, "opportunity_id").drop("opportunity_id_right")


class OpportunityCreated(Conversion):
    name, basis, label_zh, money = "opportunity_created", "account", "新商机", "pipeline"

    def rows(self, wh: Warehouse) -> ibis.Table:
        joined = _opps_with_leads(wh)
        return joined.select(**_opp_rows(joined, joined.created_at, joined.amount, NULL_TS))


class Won(Conversion):
    name, basis, label_zh, money = "won", "account", "赢单", "revenue"

    def rows(self, wh: Warehouse) -> ibis.Table:
        orders = wh.table("orders")
        orders = orders.filter(orders.opportunity_id.notnull())
        booked = orders.group_by("opportunity_id").aggregate(
            order_amount=orders.amount.sum(), signed_at=orders.signed_at.min())
        joined = _opps_with_leads(wh)
        joined = joined.left_join(booked, "opportunity_id").drop("opportunity_id_right")
        won_stage = wh.settings.won_stage.name
        joined = joined.filter(ibis.coalesce(joined.is_won, joined.stage == won_stage))
        at = ibis.coalesce(joined.closed_at, joined.signed_at)
        amount = ibis.coalesce(joined.order_amount, joined.amount)
        return joined.select(**_opp_rows(joined, at, amount, at))


CONVERSIONS: dict[str, Conversion] = {c.name: c for c in (
    LeadCreated(), Mql(), Sql(), OpportunityCreated(), Won())}


def conversion(name: str) -> Conversion:
    try:
        return CONVERSIONS[name]
    except KeyError:
        raise UnknownConversion(name, list(CONVERSIONS)) from None
