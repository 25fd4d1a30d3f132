"""Web sessions: what the `revlens_session` cookie stands for.

A session token is 32 random bytes (URL-safe text); only its SHA-256 is stored, so a copy of
the app database does not let anyone log in. `session_user` gives the token's user while the
session lives. A session ends, whichever comes first:

- when it is ended (`end_session`: log-out; `end_sessions`: password change or reset, the
  user deactivated);
- when it has not been used for `SessionPolicy.idle` (default 8 hours; each use restarts the
  count, `last_seen_at` is written at most once a minute);
- at `expires_at`, `SessionPolicy.lifetime` after the log-in (default 7 days), used or not;
- when its user is deactivated (checked on every use, too).

Every function takes `now` so tests set the clock instead of sleeping.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from revlens.appdb.audit import as_utc
from revlens.appdb.models import User, WebSession
from revlens.errors import UnknownUser

if TYPE_CHECKING:
    from revlens.appdb import AppDB
    from revlens.config import Settings

TOUCH_EVERY = timedelta(minutes=1)
"""`last_seen_at` is written when it is older than this (not on every request)."""


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=8)
    lifetime: timedelta = timedelta(days=7)

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(idle=timedelta(minutes=settings.session_idle_minutes),
                   lifetime=timedelta(days=settings.session_max_days))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else datetime.now(UTC)


def start_session(db: AppDB, user: User | str, ip: str | None = None,
                  user_agent: str | None = None, policy: SessionPolicy | None = None,
                  now: datetime | None = None) -> str:
    """A new session of `user` (a User or a user name); returns its token (the only copy)."""
    policy, now = policy or SessionPolicy(), _now(now)
    token = secrets.token_urlsafe(32)
    with db.session() as s:
        name = user if isinstance(user, str) else user.username
        found = s.scalar(select(User).where(User.username == name))
        if found is None:
            raise UnknownUser(name)
        s.add(WebSession(token_hash=token_hash(token), user_id=found.id, created_at=now,
                         last_seen_at=now, expires_at=now + policy.lifetime,
                         ip=(ip or None) and ip[:64],
                         user_agent=(user_agent or None) and user_agent[:300]))
    return token


def session_user(db: AppDB, token: str | None, policy: SessionPolicy | None = None,
                 now: datetime | None = None) -> User | None:
    """The active user of a live session, else None (unknown, ended, idle too long, expired,
    or its user deactivated). Each use counts as activity."""
    if not token:
        return None
    policy, now = policy or SessionPolicy(), _now(now)
    with db.session() as s:
        found = s.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                          .where(WebSession.token_hash == token_hash(token))).first()
        if found is None:
            return None
        session, user = found
        if (session.revoked_at is not None or not user.is_active
                or now >= as_utc(session.expires_at)
                or now >= as_utc(session.last_seen_at) + policy.idle):
            return None
        if now - as_utc(session.last_seen_at) >= TOUCH_EVERY:
            session.last_seen_at = now
        return user


def end_session(db: AppDB, token: str | None, now: datetime | None = None) -> User | None:
    """End the token's session; returns its user (None when there was no live session)."""
    if not token:
        return None
    with db.session() as s:
        found = s.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                          .where(WebSession.token_hash == token_hash(token),
                                 WebSession.revoked_at.is_(None))).first()
        if found is None:
            return None
        found[0].revoked_at = _now(now)
        return found[1]


def end_sessions(db: AppDB, username: str, keep_token: str | None = None,
                 now: datetime | None = None) -> int:
    """End every session of `username` except `keep_token`'s; returns how many ended."""
    with db.session() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            raise UnknownUser(username)
        return end_sessions_of(s, user_id, keep_token, now)


def end_sessions_of(s, user_id: int, keep_token: str | None = None,
                    now: datetime | None = None) -> int:
    """`end_sessions` inside the caller's transaction `s`."""
    query = (update(WebSession).where(WebSession.user_id == user_id,
                                      WebSession.revoked_at.is_(None))
             .values(revoked_at=_now(now)))
    if keep_token:
        query = query.where(WebSession.token_hash != token_hash(keep_token))
    return s.execute(query).rowcount


def live_sessions(db: AppDB, username: str, policy: SessionPolicy | None = None,
                  now: datetime | None = None) -> list[WebSession]:
    """The user's sessions that have not ended, newest first."""
    policy, now = policy or SessionPolicy(), _now(now)
    with db.session() as s:
        rows = s.scalars(select(WebSession).join(User, User.id == WebSession.user_id)
                         .where(User.username == username, WebSession.revoked_at.is_(None))
                         .order_by(WebSession.created_at.desc(), WebSession.id.desc())).all()
    return [r for r in rows if now < as_utc(r.expires_at)
            and now < as_utc(r.last_seen_at) + policy.idle]
