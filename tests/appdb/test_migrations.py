"""Alembic migrations build the same app schema on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, inspect, text

from revlens.appdb import AppDB

BATCH_COLUMNS = ["id", "entity", "source_name", "source_hash", "source_format", "status",
                 "rows_read", "inserted", "updated", "unchanged", "rejected", "warnings",
                 "error", "options", "user", "pid", "started_at", "finished_at"]


def _schema(url: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        return {t: [c["name"] for c in found.get_columns(t)] for t in found.get_table_names()}
    finally:
        engine.dispose()


def _revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return con.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def test_migrate_creates_the_tables(empty_db_url):
    assert _schema(empty_db_url) == {}
    db = AppDB(empty_db_url)
    try:
        db.migrate()
    finally:
        db.close()
    schema = _schema(empty_db_url)
    assert set(schema) == {"alembic_version", "users", "import_batches"}
    assert schema["users"] == ["id", "username", "display_name", "password_hash", "role",
                               "is_active", "created_at"]
    assert schema["import_batches"] == BATCH_COLUMNS
    assert _revision(empty_db_url) == "0001"


def test_migrate_again_changes_nothing(appdb, empty_db_url):
    appdb.create_user("ana", "long-enough-1")
    before = _schema(empty_db_url)
    appdb.migrate()
    assert _schema(empty_db_url) == before
    assert _revision(empty_db_url) == "0001"
    assert [u.username for u in appdb.users()] == ["ana"]


def test_batch_times_are_utc_on_both_backends(appdb):
    """started_at is written in UTC (SQLite hands it back without its zone)."""
    appdb.start_batch("b1", "leads", "leads.csv", "abc", "csv", "cli")
    started = appdb.batch("b1").started_at
    as_utc = started if started.tzinfo else started.replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - as_utc) < timedelta(minutes=5)
