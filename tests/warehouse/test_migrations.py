"""Warehouse schema: versioned, idempotent migrations; one typed table per contract entity."""

from __future__ import annotations

import duckdb
import pytest

from revlens.config import load_settings
from revlens.contract.entities import ENTITIES
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import (
    ATTRIBUTION_CREDITS_TABLE,
    ATTRIBUTION_MODELS_TABLE,
    BATCHES_TABLE,
    FORECAST_SNAPSHOTS_TABLE,
    IDENTITY_EDGES_TABLE,
    IDENTITY_LINKS_TABLE,
    IDENTITY_LOG_TABLE,
    IDENTITY_MAP_TABLE,
    IDENTITY_REJECTIONS_TABLE,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    REJECTS_TABLE,
    SYNC_STATE_TABLE,
)

# The DuckDB type each value kind of the contract must be stored as.
DUCKDB_TYPES = {
    "text": "VARCHAR", "enum": "VARCHAR", "email": "VARCHAR", "phone": "VARCHAR",
    "json": "VARCHAR", "stage": "VARCHAR", "period": "VARCHAR", "currency": "VARCHAR",
    "timestamp": "TIMESTAMP WITH TIME ZONE", "date": "DATE", "money": "DECIMAL(18,2)",
    "int": "BIGINT", "number": "DOUBLE", "bool": "BOOLEAN",
}
SYSTEM = [("updated_at", "TIMESTAMP WITH TIME ZONE"), ("extra", "VARCHAR"),
          ("_batch_id", "VARCHAR"), ("_row", "BIGINT"), ("_loaded_at", "TIMESTAMP WITH TIME ZONE")]


@pytest.fixture
def settings(tmp_path):
    return load_settings(tmp_path / "ws")


@pytest.fixture
def path(settings) -> str:
    return settings.warehouse_url.removeprefix("duckdb:///")


def _describe(path: str) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, DuckDB type)], read with DuckDB itself (not through Ibis)."""
    with duckdb.connect(path, read_only=True) as con:
        rows = con.execute("SELECT table_name, column_name, data_type FROM "
                           "information_schema.columns ORDER BY table_name, ordinal_position"
                           ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        tables.setdefault(table, []).append((column, dtype))
    return tables


def test_migrate_twice_applies_nothing_the_second_time(settings):
    with Warehouse(settings) as wh:
        assert wh.schema_version() == 0
        assert wh.migrate() == [1, 2, 3, 4, 5, 6, 7]
        assert wh.migrate() == []
        assert wh.schema_version() == 7
    with Warehouse(settings) as wh:                  # and after reopening the file
        assert wh.migrate() == []
        recorded = wh.to_arrow(wh.table(MIGRATIONS_TABLE).order_by("version")).to_pylist()
    assert [(r["version"], r["description"]) for r in recorded] == [
        (1, "import batches and rejects"), (2, "contract v1 entity tables"),
        (3, "database sync high-water marks"), (4, "identity links from the tracking API"),
        (5, "attribution credits and custom models"), (6, "OneID identity graph"),
        (7, "forecast snapshots")]
    assert all(r["applied_at"] is not None for r in recorded)


def test_a_migration_missing_below_the_newest_is_still_applied(settings, path):
    """Versions are a set, not a high-water mark: a workspace that has 1, 2 and 4 (say, a
    build whose migration 3 came later) gets 3 on the next migrate, and nothing twice."""
    with Warehouse(settings) as wh:
        wh.migrate()
    with duckdb.connect(path) as con:
        con.execute(f"DROP TABLE {SYNC_STATE_TABLE}")
        con.execute(f"DELETE FROM {MIGRATIONS_TABLE} WHERE version = 3")
    with Warehouse(settings) as wh:
        assert wh.migrate() == [3]
        assert SYNC_STATE_TABLE in wh.tables()
        versions = wh.to_arrow(wh.table(MIGRATIONS_TABLE).version).to_pylist()
    assert sorted(versions) == sorted(m.version for m in MIGRATIONS)


def test_every_entity_has_a_table_with_typed_columns(settings, path):
    with Warehouse(settings) as wh:
        wh.migrate()
    tables = _describe(path)
    assert set(tables) == {*ENTITIES, BATCHES_TABLE, REJECTS_TABLE, MIGRATIONS_TABLE,
                           SYNC_STATE_TABLE, IDENTITY_LINKS_TABLE, ATTRIBUTION_CREDITS_TABLE,
                           ATTRIBUTION_MODELS_TABLE, IDENTITY_MAP_TABLE, IDENTITY_EDGES_TABLE,
                           IDENTITY_REJECTIONS_TABLE, IDENTITY_LOG_TABLE,
                           FORECAST_SNAPSHOTS_TABLE}
    for name, ent in ENTITIES.items():
        expected = [(c.name, DUCKDB_TYPES[c.kind]) for c in ent.columns] + SYSTEM
        assert tables[name] == expected, name


def test_a_few_columns_by_hand(settings, path):
    with Warehouse(settings) as wh:
        wh.migrate()
    tables = {t: dict(cols) for t, cols in _describe(path).items()}
    assert tables["leads"]["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert tables["orders"]["amount"] == "DECIMAL(18,2)"
    assert tables["accounts"]["employee_count"] == "BIGINT"
    assert tables["accounts"]["is_listed"] == "BOOLEAN"
    assert tables["campaigns"]["start_date"] == "DATE"
    assert tables["targets"]["value"] == "DOUBLE"
    assert tables["ad_spend"]["keyword"] == "VARCHAR"
    assert tables[REJECTS_TABLE] == {
        "batch_id": "VARCHAR", "entity": "VARCHAR", "row_number": "BIGINT",
        "column": "VARCHAR", "value": "VARCHAR", "reason": "VARCHAR", "severity": "VARCHAR"}


def test_a_column_the_contract_gained_is_added_in_place(settings, path):
    with Warehouse(settings) as wh:
        wh.migrate()
    with duckdb.connect(path) as con:                # a warehouse from before `industry`
        con.execute("INSERT INTO leads (lead_id, created_at) VALUES ('L1', now())")
        con.execute("ALTER TABLE leads DROP COLUMN industry")
    with Warehouse(settings) as wh:
        assert wh.migrate() == []
        assert "industry" in wh.table("leads").columns
        assert wh.to_arrow(wh.table("leads").select("lead_id", "industry")).to_pylist() == [
            {"lead_id": "L1", "industry": None}]


def test_an_in_memory_warehouse_migrates_too(tmp_path):
    settings = load_settings(tmp_path / "ws", warehouse_url="duckdb://:memory:")
    with Warehouse(settings) as wh:
        assert wh.migrate() == [m.version for m in MIGRATIONS]
        assert wh.row_counts() == dict.fromkeys(ENTITIES, 0)
