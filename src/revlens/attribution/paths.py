"""Channel paths: converting journeys and the journeys that did not convert, aggregated.

The path of a journey is its channels in touch order joined by ` > `. Converting paths come
from `journeys`; a **non-converting journey** is, per conversion type:

* lead_created — the touches of a person linked to no lead (OneID person; with the fallback
  person source, touches grouped by their first identifier: anonymous_id, e-mail, phone, ...);
* mql / sql — a lead that never reached that status: its person's touches;
* opportunity_created — an account without any opportunity: its account-based touches;
* won — an opportunity not won (open or lost): its account-based touches up to its close;

each with its touches up to the end of the data (the latest touch; or the end of the requested
period when that is earlier, or the opportunity's close), within the same lookback window.
Journeys without a single touch have no path and are left out. The table has the
ChannelAttribution layout: path, total_conversions, total_conversion_value, total_null.

Row-level scope (`owner_ids`): converting journeys of the conversions those staff own; of the
non-converting ones, the leads (mql, sql), accounts (opportunity_created) and opportunities
(won) they own — a person linked to no lead (lead_created) has no owner, so a restricted scope
sees none of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import ibis
import pandas as pd

from revlens.attribution.config import DEFAULT_WINDOW_DAYS, PATH_SEPARATOR
from revlens.attribution.conversions import conversion
from revlens.attribution.journeys import (
    attach,
    journeys,
    journeys_of,
    owned_by,
)
from revlens.attribution.pathtable import PathTable
from revlens.attribution.persons import PersonSource, person_source
from revlens.warehouse import Warehouse
from revlens.warehouse.portable import ordered_concat

PATH_COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")
TS = "timestamp('UTC', 6)"


def end_of_data(wh: Warehouse, end: datetime | None = None) -> datetime:
    """Just after the latest touch (so it counts), or `end` when that is earlier."""
    latest = wh.execute(wh.table("touchpoints").occurred_at.max())
    if latest is None or pd.isna(latest):
        return end or datetime.now(UTC)
    cutoff = pd.Timestamp(latest).to_pydatetime() + timedelta(microseconds=1)
    return min(cutoff, end) if end is not None else cutoff


def _owners(ids: ibis.Value, cutoff: ibis.Value, lead_id: ibis.Value,
            account_id: ibis.Value, conversion_type: str,
            owner_id: ibis.Value) -> dict[str, ibis.Value]:
    return {"conversion_type": ibis.literal(conversion_type), "conversion_id": ids,
            "owner_id": owner_id,
            "converted_at": cutoff.cast(TS), "amount": ibis.literal(0.0, "float64"),
            "new_customer": ibis.literal(False),
            "lead_id": lead_id, "account_id": account_id, "lead_at": ibis.null(TS),
            "opp_at": ibis.null(TS), "won_at": ibis.null(TS)}


def non_converting(wh: Warehouse, conversion_type: str, window_days: int = DEFAULT_WINDOW_DAYS,
                   end: datetime | None = None, persons: PersonSource | None = None,
                   owner_ids: frozenset[str] | None = None) -> ibis.Table:
    """The touches of the journeys that did not reach `conversion_type` (module docstring),
    of those owned by `owner_ids` (None: all)."""
    persons = persons or person_source(wh)
    cutoff = ibis.literal(end_of_data(wh, end), TS)
    converted = conversion(conversion_type).table(wh).select("conversion_id").distinct().view()
    if conversion_type == "lead_created":
        touch_person = persons.touch_person(wh)
        linked = persons.lead_touches(wh).select("touchpoint_id")
        loose = touch_person.anti_join(linked, "touchpoint_id")
        loose = loose.filter(loose.person_key.notnull())
        links = loose.select(conversion_id=loose.person_key, touchpoint_id=loose.touchpoint_id)
        ids = links.select("conversion_id").distinct()
        owners = owned_by(ids.select(**_owners(ids.conversion_id, cutoff, ibis.null("string"),
                                               ibis.null("string"), conversion_type,
                                               ibis.null("string"))), owner_ids)
        return attach(wh, owners, links, window_days, inclusive=True)
    if conversion_type in ("mql", "sql"):
        leads = wh.table("leads")
        rest = leads.anti_join(converted, leads.lead_id == converted.conversion_id)
        owners = rest.select(**_owners(rest.lead_id, cutoff, rest.lead_id, ibis.null("string"),
                                       conversion_type, rest.owner_id))
    elif conversion_type == "opportunity_created":
        opps, accounts = wh.table("opportunities"), wh.table("accounts")
        with_touches = persons.account_touches(wh).select("account_id").distinct()
        known = ibis.union(accounts.select("account_id"), with_touches, distinct=True)
        rest = known.anti_join(opps, "account_id")
        account_owner = accounts.select(a_id="account_id", owner_id="owner_id")
        rest = rest.left_join(account_owner, rest.account_id == account_owner.a_id).drop("a_id")
        owners = rest.select(**_owners(rest.account_id, cutoff, ibis.null("string"),
                                       rest.account_id, conversion_type, rest.owner_id))
    else:
        opps = wh.table("opportunities")
        rest = opps.anti_join(converted, opps.opportunity_id == converted.conversion_id)
        until = ibis.least(ibis.coalesce(rest.closed_at, cutoff), cutoff)
        owners = rest.select(**_owners(rest.opportunity_id, until, rest.lead_id,
                                       rest.account_id, conversion_type, rest.owner_id))
    return journeys_of(wh, owned_by(owners, owner_ids), conversion(conversion_type).basis,
                       persons, window_days, inclusive=True)


def journey_paths(touches: ibis.Table) -> ibis.Table:
    """(conversion_id, path, amount) per journey of a journeys table."""
    return touches.group_by("conversion_id").aggregate(
        path=ordered_concat(touches.channel, PATH_SEPARATOR, touches.pos),
        amount=touches.amount.max())


def path_table(wh: Warehouse, conversion_type: str, window_days: int = DEFAULT_WINDOW_DAYS,
               start: datetime | None = None, end: datetime | None = None,
               persons: PersonSource | None = None,
               owner_ids: frozenset[str] | None = None,
               journey: ibis.Table | None = None) -> ibis.Table:
    """The aggregated path table (PATH_COLUMNS), most frequent paths first, of the journeys
    owned by `owner_ids` (None: all). `journey`: those same converting journeys when the
    caller has computed them already. The paths of the journeys that did not convert are
    computed into a `Warehouse.scratch` table first, so that no one plan holds the window
    functions and aggregates of both sides."""
    persons = persons or person_source(wh)
    if journey is None:
        journey = journeys(wh, conversion_type, window_days, start, end, persons, owner_ids)
    won = journey_paths(journey)
    lost = wh.scratch(journey_paths(non_converting(wh, conversion_type, window_days, end,
                                                   persons, owner_ids)))
    rows = ibis.union(
        won.select("path", conv=ibis.literal(1.0), value=won.amount, null=ibis.literal(0.0)),
        lost.select("path", conv=ibis.literal(0.0), value=ibis.literal(0.0),
                    null=ibis.literal(1.0)),
        distinct=False)
    table = rows.group_by("path").aggregate(
        total_conversions=rows.conv.sum(), total_conversion_value=rows.value.sum(),
        total_null=rows.null.sum())
    return table.order_by([ibis.desc(table.total_conversions + table.total_null), "path"])


def load_path_table(wh: Warehouse, paths: ibis.Table) -> PathTable:
    """A path table expression, executed into numpy arrays."""
    arrow = wh.to_arrow(paths)
    return PathTable.from_columns(arrow["path"].combine_chunks(),
                                  arrow["total_conversions"].to_numpy(),
                                  arrow["total_conversion_value"].to_numpy(),
                                  arrow["total_null"].to_numpy())
