"""Warehouse table schemas derived from the data contract, and their versioned migrations.

Every contract entity is a table named after it, with typed columns plus the system columns
(`updated_at`, `extra`, `_batch_id`, `_row`, `_loaded_at`). Internal tables start with `_`.
A migration is a numbered step; applying the list is idempotent: applied steps are recorded in
`_schema_migrations` and skipped, and columns the contract gained since are added in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

from revlens.contract.entities import ENTITIES, SYSTEM_COLUMNS, Entity

KIND_TYPES: dict[str, dt.DataType] = {
    "text": dt.string, "enum": dt.string, "email": dt.string, "phone": dt.string,
    "json": dt.string, "stage": dt.string, "period": dt.string, "currency": dt.string,
    "timestamp": dt.Timestamp(timezone="UTC", scale=6), "date": dt.date,
    "money": dt.Decimal(18, 2), "int": dt.int64, "number": dt.float64, "bool": dt.boolean,
}

REJECTS_TABLE = "_rejects"
BATCHES_TABLE = "_batches"
MIGRATIONS_TABLE = "_schema_migrations"

REJECTS_SCHEMA = ibis.schema({
    "batch_id": "string", "entity": "string", "row_number": "int64", "column": "string",
    "value": "string", "reason": "string", "severity": "string",
})
BATCHES_SCHEMA = ibis.schema({
    "batch_id": "string", "entity": "string", "source_name": "string", "source_hash": "string",
    "rows_read": "int64", "inserted": "int64", "updated": "int64", "unchanged": "int64",
    "rejected": "int64", "warnings": "int64", "committed_at": dt.Timestamp(timezone="UTC"),
})
IDENTITY_LINKS_TABLE = "identity_links"
# One edge of the identity graph per row, as a tracking call observed it: `from` is the call's
# anchor (its anonymous_id, else its user_id), `to` another identifier it carried. Kinds:
# anonymous_id, user_id, previous_id, email, phone, wechat_openid, wechat_unionid, group_id.
# Natural key (from_kind, from_value, to_kind, to_value): the first observation is kept.
IDENTITY_LINKS_SCHEMA = ibis.schema({
    "from_kind": "string", "from_value": "string", "to_kind": "string", "to_value": "string",
    "source": "string", "message_id": "string",
    "observed_at": dt.Timestamp(timezone="UTC", scale=6), "traits": "string",
    "_loaded_at": dt.Timestamp(timezone="UTC", scale=6),
})
MIGRATIONS_SCHEMA = ibis.schema({
    "version": "int64", "description": "string", "applied_at": dt.Timestamp(timezone="UTC"),
})


def entity_schema(ent: Entity) -> ibis.Schema:
    """The warehouse schema of an entity: its contract columns, then the system columns."""
    fields = {c.name: KIND_TYPES[c.kind] for c in ent.columns}
    fields.update({name: KIND_TYPES[kind] for name, kind in SYSTEM_COLUMNS.items()})
    return ibis.schema(fields)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[ibis.BaseBackend], None]


def _create_internal_tables(con: ibis.BaseBackend) -> None:
    existing = set(con.list_tables())
    for name, schema in ((REJECTS_TABLE, REJECTS_SCHEMA), (BATCHES_TABLE, BATCHES_SCHEMA)):
        if name not in existing:
            con.create_table(name, schema=schema)


def _create_entity_tables(con: ibis.BaseBackend) -> None:
    existing = set(con.list_tables())
    for ent in ENTITIES.values():
        if ent.name not in existing:
            con.create_table(ent.name, schema=entity_schema(ent))


def _create_identity_links(con: ibis.BaseBackend) -> None:
    if IDENTITY_LINKS_TABLE not in con.list_tables():
        con.create_table(IDENTITY_LINKS_TABLE, schema=IDENTITY_LINKS_SCHEMA)


ATTRIBUTION_CREDITS_TABLE = "attribution_credits"
ATTRIBUTION_MODELS_TABLE = "attribution_models"
# One row per (model, conversion, touch): the touch's share of the conversion (credits sum to 1
# per model and conversion) and of its amount. Written by the `attribution_credits` refresh step.
ATTRIBUTION_CREDITS_SCHEMA = ibis.schema({
    "model": "string", "conversion_type": "string", "conversion_id": "string",
    "touchpoint_id": "string", "channel": "string", "campaign_id": "string",
    "content_id": "string", "keyword": "string", "credit": "float64",
    "amount_credit": "float64", "converted_at": dt.Timestamp(timezone="UTC", scale=6),
})
# Saved custom attribution models, one row per version (spec = the ModelSpec as JSON).
ATTRIBUTION_MODELS_SCHEMA = ibis.schema({
    "name": "string", "version": "int64", "spec": "string",
    "saved_at": dt.Timestamp(timezone="UTC", scale=6), "saved_by": "string",
})


def _create_attribution_tables(con: ibis.BaseBackend) -> None:
    existing = set(con.list_tables())
    for name, schema in ((ATTRIBUTION_CREDITS_TABLE, ATTRIBUTION_CREDITS_SCHEMA),
                         (ATTRIBUTION_MODELS_TABLE, ATTRIBUTION_MODELS_SCHEMA)):
        if name not in existing:
            con.create_table(name, schema=schema)


IDENTITY_MAP_TABLE = "identity_map"
IDENTITY_EDGES_TABLE = "identity_edges"
IDENTITY_REJECTIONS_TABLE = "identity_rejections"
IDENTITY_LOG_TABLE = "identity_log"
# OneID (revlens.identity.graph): every identifier with its person; the edges kept, each with the
# record that observed it; values set aside (blocked, or an edge over a limit) with the reason;
# and the person-id events of each run (new, merge, split).
IDENTITY_MAP_SCHEMA = ibis.schema({
    "identifier_type": "string", "identifier_value": "string", "person_id": "string",
    "first_seen": dt.Timestamp(timezone="UTC", scale=6),
})
IDENTITY_EDGES_SCHEMA = ibis.schema({
    "a_type": "string", "a_value": "string", "b_type": "string", "b_value": "string",
    "source": "string", "record_id": "string",
    "observed_at": dt.Timestamp(timezone="UTC", scale=6),
})
IDENTITY_REJECTIONS_SCHEMA = ibis.schema({
    "identifier_type": "string", "identifier_value": "string", "other_type": "string",
    "other_value": "string", "source": "string", "record_id": "string", "reason": "string",
    "run_at": dt.Timestamp(timezone="UTC", scale=6),
})
IDENTITY_LOG_SCHEMA = ibis.schema({
    "run_at": dt.Timestamp(timezone="UTC", scale=6), "event": "string",
    "person_id": "string", "other_person_id": "string",
})


def _create_identity_tables(con: ibis.BaseBackend) -> None:
    existing = set(con.list_tables())
    for name, schema in ((IDENTITY_MAP_TABLE, IDENTITY_MAP_SCHEMA),
                         (IDENTITY_EDGES_TABLE, IDENTITY_EDGES_SCHEMA),
                         (IDENTITY_REJECTIONS_TABLE, IDENTITY_REJECTIONS_SCHEMA),
                         (IDENTITY_LOG_TABLE, IDENTITY_LOG_SCHEMA)):
        if name not in existing:
            con.create_table(name, schema=schema)


SYNC_STATE_TABLE = "_sync_state"
# One row per (source, entity) of `revlens sync`: the greatest updated_at read so far (ISO text,
# as the source database gave it) and the keys read at it (JSON list), written in the same
# transaction as the rows they cover, so a crash can never advance them without the rows
# (revlens.connectors.sync.state).
SYNC_STATE_SCHEMA = ibis.schema({
    "source": "string", "entity": "string", "high_water_mark": "string",
    "last_batch_id": "string", "last_run_at": dt.Timestamp(timezone="UTC", scale=6),
    "rows": "int64", "keys_at_mark": "string",
})


def _create_sync_state(con: ibis.BaseBackend) -> None:
    if SYNC_STATE_TABLE not in con.list_tables():
        con.create_table(SYNC_STATE_TABLE, schema=SYNC_STATE_SCHEMA)


FORECAST_SNAPSHOTS_TABLE = "forecast_snapshots"
# What each forecast method said on `snapshot_date` about the bookings of `period` (2026-Q4),
# written by `revlens refresh` (that day's) and `revlens forecast backfill` (past days, from the
# data as it stood then), so forecast accuracy can be measured once the period has ended.
FORECAST_SNAPSHOTS_SCHEMA = ibis.schema({
    "snapshot_date": "date", "period": "string", "period_start": "date", "period_end": "date",
    "method": "string", "forecast": "float64", "won_to_date": "float64",
    "open_pipeline": "float64", "lo80": "float64", "hi80": "float64",
    "created_at": dt.Timestamp(timezone="UTC", scale=6),
})


def _create_forecast_snapshots(con: ibis.BaseBackend) -> None:
    if FORECAST_SNAPSHOTS_TABLE not in con.list_tables():
        con.create_table(FORECAST_SNAPSHOTS_TABLE, schema=FORECAST_SNAPSHOTS_SCHEMA)


MIGRATIONS: list[Migration] = [
    Migration(1, "import batches and rejects", _create_internal_tables),
    Migration(2, "contract v1 entity tables", _create_entity_tables),
    Migration(3, "database sync high-water marks", _create_sync_state),
    Migration(4, "identity links from the tracking API", _create_identity_links),
    Migration(5, "attribution credits and custom models", _create_attribution_tables),
    Migration(6, "OneID identity graph", _create_identity_tables),
    Migration(7, "forecast snapshots", _create_forecast_snapshots),
]
