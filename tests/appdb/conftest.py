"""An empty app database per test: a SQLite file, or a new PostgreSQL database (dropped after)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from revlens.appdb import AppDB
from tests.conftest import create_pg_database, drop_pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture
def appdb(empty_db_url) -> Iterator[AppDB]:
    """A migrated app database."""
    db = AppDB(empty_db_url)
    db.migrate()
    yield db
    db.close()
