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


MIGRATIONS: list[Migration] = [
    Migration(1, "import batches and rejects", _create_internal_tables),
    Migration(2, "contract v1 entity tables", _create_entity_tables),
]
