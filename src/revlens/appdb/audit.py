"""The audit log: who did what to whom, when and from where.

Written for every log-in (ok, failed, refused while locked), log-out, user created, change of
a user's role, scope, personal-data permission, staff record, name or active flag (with the
values before and after), password change or reset, and export of records. A change and its
audit row are written in one transaction (`record`), so neither exists without the other.
Entries are never updated or deleted by RevLens.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from revlens.appdb.models import AuditEntry

if TYPE_CHECKING:
    from revlens.appdb import AppDB

ACTIONS = ("login", "login_failed", "login_locked", "logout", "user_created", "user_updated",
           "password_changed", "password_reset", "export")
"""What the audit log records (the `action` column)."""


class AuditRow(BaseModel):
    """An audit entry as the API, the CLI and the admin page show it (`at` in UTC)."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict | None = None
    ip: str | None = None

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditRow:
        return cls(id=entry.id, at=as_utc(entry.at), actor=entry.actor, action=entry.action,
                   target=entry.target, detail=entry.detail, ip=entry.ip)


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite hands it back without its zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record(session: Session, actor: str, action: str, target: str = "",
           detail: dict | None = None, ip: str | None = None,
           at: datetime | None = None) -> AuditEntry:
    """Add an entry to the caller's transaction (it is written when that commits)."""
    entry = AuditEntry(at=as_utc(at or datetime.now(UTC)), actor=actor[:100], action=action,
                       target=target[:200], detail=detail, ip=(ip or None) and ip[:64])
    session.add(entry)
    return entry


def audit(db: AppDB, actor: str, action: str, target: str = "", detail: dict | None = None,
          ip: str | None = None, at: datetime | None = None) -> AuditRow:
    """Write one entry now, in its own transaction."""
    with db.session() as s:
        entry = record(s, actor, action, target, detail, ip, at)
        s.flush()
        return AuditRow.of(entry)


def audit_log(db: AppDB, limit: int = 100, action: str | None = None, actor: str | None = None,
              target: str | None = None, since: datetime | None = None) -> list[AuditRow]:
    """The latest `limit` entries, newest first, optionally only one action, actor or target,
    or those at or after `since`."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if target:
        query = query.where(AuditEntry.target == target)
    if since is not None:
        query = query.where(AuditEntry.at >= as_utc(since))
    with db.session() as s:
        return [AuditRow.of(e) for e in s.scalars(query.limit(max(1, min(limit, 10_000))))]
