"""The app database: users, import batches (and later dashboards, definitions, audit log).

SQLite in the workspace by default, PostgreSQL in production; both get their schema from the
same Alembic migrations (`AppDB.migrate()`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from pwdlib import PasswordHash
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from revlens.appdb.models import ImportBatch, User
from revlens.errors import RevLensError, UnknownBatch

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_hasher = PasswordHash.recommended()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class AppDB:
    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self) -> None:
        """Bring the schema to the newest revision. Idempotent."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # -- users -----------------------------------------------------------------------------
    def create_user(self, username: str, password: str, role: str = "analyst",
                    display_name: str = "", staff_id: str | None = None,
                    scope: str | None = None, pii: bool | None = None) -> User:
        """A new user; `pii` (may see personal data unmasked) defaults to true for admins."""
        if len(password) < 8:
            raise RevLensError("a password needs at least 8 characters")
        if scope not in (None, "own", "team", "all"):
            raise RevLensError(f"scope must be own, team or all, not {scope!r}")
        with self.session() as s:
            if s.scalar(select(User).where(User.username == username)):
                raise RevLensError(f"user {username!r} exists already")
            user = User(username=username, display_name=display_name or username,
                        password_hash=_hasher.hash(password), role=role, staff_id=staff_id,
                        scope=scope, pii=role == "admin" if pii is None else pii)
            s.add(user)
        return user

    def verify_password(self, username: str, password: str) -> User | None:
        """The active user with this name and password, else None (same cost either way)."""
        with self.session() as s:
            user = s.scalar(select(User).where(User.username == username))
        if user is None:
            _hasher.hash(password)
            return None
        return user if _hasher.verify(password, user.password_hash) and user.is_active else None

    def user(self, username: str) -> User | None:
        with self.session() as s:
            return s.scalar(select(User).where(User.username == username))

    def users(self) -> list[User]:
        with self.session() as s:
            return list(s.scalars(select(User).order_by(User.id)))

    # -- import batches --------------------------------------------------------------------
    def start_batch(self, batch_id: str, entity: str, source_name: str, source_hash: str,
                    source_format: str, user: str, options: dict | None = None) -> ImportBatch:
        batch = ImportBatch(id=batch_id, entity=entity, source_name=source_name,
                            source_hash=source_hash, source_format=source_format, user=user,
                            options=options, status="running", pid=os.getpid())
        with self.session() as s:
            s.add(batch)
        return batch

    def finish_batch(self, batch_id: str, status: str, error: str | None = None,
                     **counts: int) -> ImportBatch:
        with self.session() as s:
            batch = s.get(ImportBatch, batch_id)
            if batch is None:
                raise UnknownBatch(batch_id)
            batch.status, batch.error = status, error
            for name, value in counts.items():
                setattr(batch, name, value)
            batch.finished_at = datetime.now(UTC)
        return batch

    def batch(self, batch_id: str) -> ImportBatch:
        with self.session() as s:
            batch = s.get(ImportBatch, batch_id)
        if batch is None:
            raise UnknownBatch(batch_id)
        return batch

    def batches(self, limit: int = 50, entity: str | None = None) -> list[ImportBatch]:
        query = select(ImportBatch).order_by(ImportBatch.started_at.desc()).limit(limit)
        if entity:
            query = query.where(ImportBatch.entity == entity)
        with self.session() as s:
            return list(s.scalars(query))

    def running_batches(self) -> list[ImportBatch]:
        with self.session() as s:
            return list(s.scalars(select(ImportBatch).where(ImportBatch.status == "running")))


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
