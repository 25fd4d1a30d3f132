"""Journeys: the touches before each conversion, in order, as one Ibis table.

A journey holds the touches of the conversion's people (`conversions.Conversion.basis`):

* lead conversions (lead_created, mql, sql): the touches of the lead's person
  (`persons.PersonSource.lead_touches`);
* opportunity conversions (opportunity_created, won): account-based — touches carrying the
  opportunity's account_id, plus the touches of every contact and lead of that account and of
  the opportunity's own lead — each touch once.

Only touches strictly before the conversion and at most `window_days` before it count.
Touches are ordered by time, then touch type (`config.TOUCH_TYPE_ORDER`), then touchpoint_id,
so ties are broken the same way on every run.

Columns: conversion_type, conversion_id, converted_at, amount, new_customer, touchpoint_id,
occurred_at, type, channel (`unknown` when missing), campaign_id, content_id, keyword (utm_term),
pos (1-based), n (touches in the journey), lead_pos / opp_pos / won_pos (position of the
milestone touch: the last touch at or before the lead's creation, the opportunity's creation,
the close; null when there is none), nondirect_pos (last touch not in
`config.NON_DIRECT_SKIPPED`), days_before (days from the touch to the conversion).
"""

from __future__ import annotations

from datetime import datetime

import ibis

from revlens.attribution.config import (
    DEFAULT_WINDOW_DAYS,
    NON_DIRECT_SKIPPED,
    TOUCH_TYPE_ORDER,
    UNKNOWN_CHANNEL,
)
from revlens.attribution.conversions import conversion
from revlens.attribution.persons import PersonSource, person_source
from revlens.warehouse import Warehouse

JOURNEY_KEY = ("conversion_type", "conversion_id")
TOUCH_COLUMNS = ("touchpoint_id", "occurred_at", "type", "channel", "campaign_id",
                 "content_id", "keyword")


def journey_links(wh: Warehouse, owners: ibis.Table, basis: str,
                  persons: PersonSource) -> ibis.Table:
    """(conversion_id, touchpoint_id) for rows of `owners` (conversion_id, lead_id,
    account_id), by the lead's person or, for basis 'account', by the whole account."""
    owners = owners.view()  # a fresh relation: ibis would otherwise extend owners' join chain
    lead_touches = persons.lead_touches(wh)
    by_lead = owners.join(lead_touches, "lead_id").select("conversion_id", "touchpoint_id")
    if basis == "lead":
        return by_lead.distinct()
    by_account = owners.join(persons.account_touches(wh), "account_id").select(
        "conversion_id", "touchpoint_id")
    return ibis.union(by_lead, by_account, distinct=True)


def touch_columns(wh: Warehouse) -> ibis.Table:
    t = wh.table("touchpoints")
    return t.select("touchpoint_id", "occurred_at", "type",
                    channel=ibis.coalesce(t.channel, ibis.literal(UNKNOWN_CHANNEL)),
                    campaign_id=t.campaign_id, content_id=t.content_id, keyword=t.utm_term)


def ordered(journey: ibis.Table) -> ibis.Table:
    """Positions and milestones of touches already joined to their conversion."""
    ranks = [(name, i) for i, name in enumerate(TOUCH_TYPE_ORDER)]
    journey = journey.mutate(type_rank=journey.type.cases(*ranks, else_=len(ranks)))
    key = list(JOURNEY_KEY)
    order = ibis.window(group_by=key, order_by=["occurred_at", "type_rank", "touchpoint_id"])
    whole = ibis.window(group_by=key)
    journey = journey.mutate(pos=ibis.row_number().over(order) + 1,
                             n=journey.touchpoint_id.count().over(whole))

    def last_position(condition: ibis.BooleanValue) -> ibis.IntegerValue:
        return ibis.ifelse(condition, journey.pos, ibis.null("int64")).max().over(whole)

    non_direct = ~journey.channel.isin(list(NON_DIRECT_SKIPPED))
    seconds = journey.converted_at.epoch_seconds() - journey.occurred_at.epoch_seconds()
    journey = journey.mutate(
        lead_pos=last_position(journey.occurred_at <= journey.lead_at),
        opp_pos=last_position(journey.occurred_at <= journey.opp_at),
        won_pos=last_position(journey.won_at.notnull()),
        nondirect_pos=last_position(non_direct),
        days_before=seconds.cast("float64") / 86_400.0,
    )
    return journey.drop("type_rank", "lead_at", "opp_at", "won_at")


def attach(wh: Warehouse, owners: ibis.Table, links: ibis.Table, window_days: int,
           inclusive: bool = False) -> ibis.Table:
    """Join links to their conversion rows and touches, keep the window, order them.
    `inclusive`: a touch at the cut-off counts (non-converting journeys). The links are
    computed into a `Warehouse.scratch` table here, so call it inside `wh.scratch_scope()`."""
    touches = touch_columns(wh)
    # computed first: joined as an expression and then range-filtered, the union of joins
    # behind `links` can be planned hundreds of times slower than read from a table
    links = wh.scratch(links)
    journey = owners.view().join(links, "conversion_id").join(touches, "touchpoint_id")
    before = (journey.occurred_at <= journey.converted_at if inclusive
              else journey.occurred_at < journey.converted_at)
    journey = journey.filter(
        before, journey.occurred_at >= journey.converted_at - ibis.interval(days=window_days))
    return ordered(journey.select(
        "conversion_type", "conversion_id", "converted_at", "amount", "new_customer",
        *TOUCH_COLUMNS, "lead_at", "opp_at", "won_at"))


def journeys_of(wh: Warehouse, owners: ibis.Table, basis: str, persons: PersonSource,
                window_days: int, inclusive: bool = False) -> ibis.Table:
    """The journeys of `owners` (conversion rows) by `basis` (see `journey_links`, `attach`).
    The owners are computed into a `Warehouse.scratch` table first: the links read them twice
    and the journey once, and each reading would otherwise compute them again in one plan."""
    owners = wh.scratch(owners)
    return attach(wh, owners, journey_links(wh, owners, basis, persons), window_days, inclusive)


def owned_by(table: ibis.Table, owner_ids: frozenset[str] | None) -> ibis.Table:
    """The rows of `table` whose `owner_id` is one of `owner_ids` (None: every row)."""
    if owner_ids is None:
        return table
    return table.filter(table.owner_id.isin(sorted(owner_ids)) if owner_ids
                        else ibis.literal(False))


def conversions_in(wh: Warehouse, conversion_type: str, start: datetime | None = None,
                   end: datetime | None = None,
                   owner_ids: frozenset[str] | None = None) -> ibis.Table:
    """Conversions of a type converted in [start, end) (UTC instants; None = unbounded),
    owned by one of `owner_ids` (staff ids; None = everyone's)."""
    table = owned_by(conversion(conversion_type).table(wh), owner_ids)
    if start is not None:
        table = table.filter(table.converted_at >= start)
    if end is not None:
        table = table.filter(table.converted_at < end)
    return table


def journeys(wh: Warehouse, conversion_type: str, window_days: int = DEFAULT_WINDOW_DAYS,
             start: datetime | None = None, end: datetime | None = None,
             persons: PersonSource | None = None,
             owner_ids: frozenset[str] | None = None) -> ibis.Table:
    """Every touch of every journey of `conversion_type` (see the module docstring), of the
    conversions owned by `owner_ids` (None: all)."""
    persons = persons or person_source(wh)
    convs = conversions_in(wh, conversion_type, start, end, owner_ids)
    return journeys_of(wh, convs, conversion(conversion_type).basis, persons, window_days)
