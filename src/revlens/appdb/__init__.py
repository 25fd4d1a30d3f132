"""The app database: users, their sessions and the audit log, import batches, definitions.

SQLite in the workspace by default, PostgreSQL in production; both get their schema from the
same Alembic migrations (`AppDB.migrate()`). Users, sessions, the log-in lock-out and the audit
log live in their own modules (`accounts`, `sessions`, `logins`, `audit`); the methods here
are their short names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from revlens.appdb import accounts, audit, sessions
from revlens.appdb.accounts import hasher
from revlens.appdb.audit import AuditRow
from revlens.appdb.models import ImportBatch, User
from revlens.errors import AccountError, UnknownBatch

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


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

    # -- users (revlens.appdb.accounts) ----------------------------------------------------
    def create_user(self, username: str, password: str, role: str = "analyst",
                    display_name: str = "", staff_id: str | None = None,
                    scope: str | None = None, pii: bool | None = None,
                    locale: str | None = None, by: str = "system",
                    ip: str | None = None) -> User:
        """A new user; `pii` (may see personal data unmasked) defaults to true for admins."""
        return accounts.create_user(self, username, password, role, display_name, staff_id,
                                    scope, pii, locale, by, ip)

    def update_user(self, username: str, *, by: str, ip: str | None = None,
                    **changes: object) -> User:
        """Change fields of a user (`accounts.FIELDS`): role, scope, pii, staff_id,
        display_name, is_active, locale; audited."""
        unknown = sorted(set(changes) - set(accounts.FIELDS))
        if unknown:
            raise AccountError(f"cannot change {', '.join(unknown)}; a user's fields are: "
                               f"{', '.join(accounts.FIELDS)}")
        return accounts.update_user(self, username, by=by, ip=ip, **changes)

    def change_password(self, username: str, old: str, new: str, *, ip: str | None = None,
                        keep_token: str | None = None) -> int:
        """The user's own change (the old password must match); ends their other sessions."""
        return accounts.change_password(self, username, old, new, ip=ip, keep_token=keep_token)

    def reset_password(self, username: str, new: str, *, by: str,
                       ip: str | None = None) -> int:
        """An admin sets the password; ends all the user's sessions."""
        return accounts.reset_password(self, username, new, by=by, ip=ip)

    def verify_password(self, username: str, password: str) -> User | None:
        """The active user with this name and password, else None (same cost either way).
        No lock-out here: log-ins go through `revlens.appdb.logins.authenticate`."""
        with self.session() as s:
            user = s.scalar(select(User).where(User.username == username))
        if user is None:
            hasher.hash(password)
            return None
        return user if hasher.verify(password, user.password_hash) and user.is_active else None

    def user(self, username: str) -> User | None:
        with self.session() as s:
            return s.scalar(select(User).where(User.username == username))

    def users(self) -> list[User]:
        with self.session() as s:
            return list(s.scalars(select(User).order_by(User.id)))

    # -- sessions and the audit log ----------------------------------------------------------
    def start_session(self, user: User | str, ip: str | None = None,
                      user_agent: str | None = None) -> str:
        """A new web session (default lifetimes); returns its token."""
        return sessions.start_session(self, user, ip, user_agent)

    def session_user(self, token: str | None) -> User | None:
        """The user of a live session (default lifetimes), else None."""
        return sessions.session_user(self, token)

    def end_session(self, token: str | None) -> User | None:
        return sessions.end_session(self, token)

    def end_sessions(self, username: str, keep_token: str | None = None) -> int:
        return sessions.end_sessions(self, username, keep_token)

    def audit(self, actor: str, action: str, target: str = "", detail: dict | None = None,
              ip: str | None = None) -> AuditRow:
        return audit.audit(self, actor, action, target, detail, ip)

    def audit_log(self, limit: int = 100, action: str | None = None,
                  actor: str | None = None) -> list[AuditRow]:
        return audit.audit_log(self, limit, action, actor)

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
