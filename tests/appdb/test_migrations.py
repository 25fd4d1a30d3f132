"""Alembic migrations build the same app schema on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, inspect, text

from revlens.appdb import AppDB

BATCH_COLUMNS = ["id", "entity", "source_name", "source_hash", "source_format", "status",
                 "rows_read", "inserted", "updated", "unchanged", "rejected", "warnings",
                 "error", "options", "user", "pid", "started_at", "finished_at"]

SOURCE_COLUMNS = ["id", "name", "kind", "key_prefix", "key_hash", "mapping", "options",
                  "rate_limit", "burst", "created_by", "created_at", "revoked_at"]


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from revlens.appdb import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


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
    # later migrations add their own tables; these are the ones 0001-0003 create
    assert {"alembic_version", "users", "import_batches", "sources"} <= set(schema)
    assert schema["users"] == ["id", "username", "display_name", "password_hash", "role",
                               "is_active", "created_at", "staff_id", "scope", "pii", "locale",
                               "password_changed_at"]
    assert schema["import_batches"] == BATCH_COLUMNS
    assert schema["sources"] == SOURCE_COLUMNS
    assert _revision(empty_db_url) == _head()


def test_migrate_again_changes_nothing(appdb, empty_db_url):
    appdb.create_user("ana", "long-enough-1")
    before = _schema(empty_db_url)
    appdb.migrate()
    assert _schema(empty_db_url) == before
    assert _revision(empty_db_url) == _head()
    assert [u.username for u in appdb.users()] == ["ana"]


def test_batch_times_are_utc_on_both_backends(appdb):
    """started_at is written in UTC (SQLite hands it back without its zone)."""
    appdb.start_batch("b1", "leads", "leads.csv", "abc", "csv", "cli")
    started = appdb.batch("b1").started_at
    as_utc = started if started.tzinfo else started.replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - as_utc) < timedelta(minutes=5)


def test_sources_keep_only_the_key_hash_on_both_backends(appdb):
    """A source created on SQLite or PostgreSQL is found by its key, never stores it, and a
    revoked key is refused."""
    from revlens.tracking.sources import create_source, revoke_source, source_by_key

    source, key = create_source(appdb, "website", rate_limit=50, burst=100)
    assert source_by_key(appdb, key).name == "website"
    with appdb.engine.connect() as con:
        stored = con.execute(text("SELECT key_prefix, key_hash, rate_limit FROM sources")).all()
    assert [tuple(r) for r in stored] == [
        (key[:12], hashlib.sha256(key.encode()).hexdigest(), 50)]
    revoke_source(appdb, "website")
    assert source_by_key(appdb, key) is None


def test_downgrade_to_0001_drops_sources(empty_db_url):
    from alembic import command
    from alembic.config import Config

    from revlens.appdb import MIGRATIONS_DIR

    db = AppDB(empty_db_url)
    try:
        db.migrate()
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
    finally:
        db.close()
    assert "sources" not in _schema(empty_db_url)
    assert _revision(empty_db_url) == "0001"
