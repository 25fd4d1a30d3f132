"""Log-in with a lock-out against password guessing.

`authenticate` checks a user name and password for the web log-in and for HTTP Basic alike.
Failed attempts are kept in `login_attempts`. A user name, or an address, is **locked** once
`max_failures` failed attempts (default 5) fall within `window` (default 15 minutes): from
the failure that reached the count, every attempt for that user name or from that address is
refused for `lockout` (default 15 minutes) — even with the right password — with
`LoginLocked.retry_after` saying how many seconds are left. A refused attempt is audited but
not counted (it cannot extend the lock). A successful log-in clears the user name's count
(the failures before it no longer count against the name); an address's failures count
whoever they were for.

Audited: `login` (web log-ins; HTTP Basic checks every request and is not logged when it
succeeds), `login_failed` and `login_locked` (both ways).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from revlens.appdb.audit import as_utc, record
from revlens.appdb.models import LoginAttempt, User
from revlens.errors import LoginFailed, LoginLocked

if TYPE_CHECKING:
    from revlens.appdb import AppDB
    from revlens.config import Settings

RECENT_LIMIT = 1_000
"""At most this many recent failures per user name or address are looked at."""


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> LockoutPolicy:
        return cls(max_failures=settings.login_max_failures,
                   window=timedelta(minutes=settings.login_window_minutes),
                   lockout=timedelta(minutes=settings.login_lockout_minutes))


def _locked_until(failures: list[datetime], policy: LockoutPolicy) -> datetime | None:
    """The end of the latest lock these failure times (ascending) cause, if any."""
    n, until = policy.max_failures, None
    for i in range(n - 1, len(failures)):
        if failures[i] - failures[i - n + 1] <= policy.window:
            until = failures[i] + policy.lockout
    return until


def _failures(s, policy: LockoutPolicy, now: datetime, *, username: str | None = None,
              ip: str | None = None) -> list[datetime]:
    since = now - policy.window - policy.lockout
    query = select(LoginAttempt.at).where(LoginAttempt.at > since, LoginAttempt.at <= now,
                                          LoginAttempt.ok.is_(False))
    if username is not None:
        query = query.where(LoginAttempt.username == username)
        last_ok = s.scalar(select(LoginAttempt.at).where(
            LoginAttempt.username == username, LoginAttempt.ok.is_(True),
            LoginAttempt.at > since, LoginAttempt.at <= now
        ).order_by(LoginAttempt.at.desc()).limit(1))
        if last_ok is not None:
            query = query.where(LoginAttempt.at > last_ok)
    else:
        query = query.where(LoginAttempt.ip == ip)
    times = s.scalars(query.order_by(LoginAttempt.at.desc()).limit(RECENT_LIMIT)).all()
    return sorted(as_utc(t) for t in times)


def lock_seconds(db: AppDB, username: str, ip: str | None = None,
                 policy: LockoutPolicy | None = None, now: datetime | None = None) -> int:
    """Seconds until a log-in as `username` from `ip` is allowed again (0: allowed now)."""
    policy = policy or LockoutPolicy()
    now = as_utc(now) if now else datetime.now(UTC)
    with db.session() as s:
        ends = [_locked_until(_failures(s, policy, now, username=username), policy)]
        if ip:
            ends.append(_locked_until(_failures(s, policy, now, ip=ip), policy))
    latest = max((e for e in ends if e is not None), default=None)
    if latest is None or latest <= now:
        return 0
    return max(1, math.ceil((latest - now).total_seconds()))


def authenticate(db: AppDB, username: str, password: str, ip: str | None = None,
                 policy: LockoutPolicy | None = None, now: datetime | None = None,
                 log_success: bool = True) -> User:
    """The active user with this name and password; raises LoginLocked while the name or
    the address is locked, LoginFailed otherwise. Every outcome is recorded (a success only
    with `log_success`)."""
    policy = policy or LockoutPolicy()
    now = as_utc(now) if now else datetime.now(UTC)
    name, where = username[:100], (ip or "")[:64]
    wait = lock_seconds(db, name, where, policy, now)
    if wait:
        with db.session() as s:
            record(s, name, "login_locked", name, {"retry_after": wait}, where, now)
        raise LoginLocked(wait, policy.max_failures,
                          round(policy.window.total_seconds() / 60))
    user = db.verify_password(name, password)
    with db.session() as s:
        if user is None:
            s.add(LoginAttempt(username=name, ip=where, ok=False, at=now))
            record(s, name, "login_failed", name, None, where, now)
        elif log_success:
            s.add(LoginAttempt(username=name, ip=where, ok=True, at=now))
            record(s, name, "login", name, None, where, now)
    if user is None:
        raise LoginFailed(name)
    return user
