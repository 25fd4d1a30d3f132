"""`lead_status_events`: every status change of every lead, one row each.

Where a lead has rows in `lead_status_history`, those are its events (source `history`).
Otherwise its events are derived from the lead's own timestamps (source `derived`):
created_at -> new, mql_at -> mql, sql_at -> sql, converted_at -> converted.
Invariant: a lead contributes events from exactly one of the two sources.
"""

from __future__ import annotations

import ibis

from revlens.warehouse import Warehouse, refresh_step

TABLE = "lead_status_events"
DERIVED_FROM = (("created_at", "new"), ("mql_at", "mql"), ("sql_at", "sql"),
                ("converted_at", "converted"))


def lead_status_events(wh: Warehouse) -> ibis.Table:
    leads, history = wh.table("leads"), wh.table("lead_status_history")
    recorded = history.select(
        "lead_id", "status", "changed_at", "changed_by", source=ibis.literal("history"))
    derived_parts = [
        leads.filter(leads[column].notnull()).select(
            "lead_id", status=ibis.literal(status), changed_at=leads[column],
            changed_by=ibis.null("string"), source=ibis.literal("derived"))
        for column, status in DERIVED_FROM
    ]
    derived = ibis.union(*derived_parts, distinct=False)
    with_history = history.select("lead_id").distinct()
    derived = derived.anti_join(with_history, "lead_id")
    return ibis.union(recorded, derived, distinct=False)


@refresh_step(TABLE)
def build_lead_status_events(wh: Warehouse) -> None:
    wh.con.create_table(TABLE, lead_status_events(wh), overwrite=True)
