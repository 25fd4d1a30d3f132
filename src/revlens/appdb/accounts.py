"""Users: create them, change their role, scope and permissions, their passwords.

Invariants:
- roles, scopes and languages are checked on create and on every update (`roles`); a
  password has at least 8 characters and is stored as an argon2 hash only;
- every change is audited in the same transaction, with the values before and after (a
  change of the UI language alone is a preference and is not audited);
- a password change ends the user's other sessions (the one it was made in stays); a reset
  by an admin and a deactivation end all of them;
- there is always an active admin: the last one cannot be demoted or deactivated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pwdlib import PasswordHash
from sqlalchemy import func, select

from revlens.appdb.audit import record
from revlens.appdb.models import User
from revlens.appdb.roles import (
    check_locale,
    check_password,
    check_role,
    check_scope,
    check_username,
)
from revlens.appdb.sessions import end_sessions_of
from revlens.errors import AccountError, LoginFailed, UnknownUser

if TYPE_CHECKING:
    from revlens.appdb import AppDB
    from revlens.appdb.logins import LockoutPolicy

hasher = PasswordHash.recommended()
FIELDS = ("display_name", "role", "scope", "pii", "staff_id", "is_active", "locale")
"""What `update_user` can change."""


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()
"""The default of `update_user`'s fields: leave the value as it is (None means empty)."""


def create_user(db: AppDB, username: str, password: str, role: str = "analyst",
                display_name: str = "", staff_id: str | None = None,
                scope: str | None = None, pii: bool | None = None,
                locale: str | None = None, by: str = "system", ip: str | None = None) -> User:
    """A new active user; `pii` (may see personal data unmasked) defaults to true for admins."""
    username = check_username(username)
    check_password(password)
    check_role(role)
    check_scope(scope)
    check_locale(locale)
    with db.session() as s:
        if s.scalar(select(User).where(User.username == username)):
            raise AccountError(f"user {username!r} exists already")
        user = User(username=username, display_name=display_name or username,
                    password_hash=hasher.hash(password), role=role, staff_id=staff_id or None,
                    scope=scope, pii=role == "admin" if pii is None else pii, locale=locale,
                    is_active=True)
        s.add(user)
        record(s, by, "user_created", username,
               {"role": role, "scope": scope, "staff_id": staff_id or None, "pii": user.pii,
                "display_name": user.display_name}, ip)
    return user


def _checked(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise AccountError(f"cannot change {', '.join(sorted(unknown))}; a user's fields are: "
                           f"{', '.join(FIELDS)}")
    if "role" in changes:
        check_role(changes["role"])
    if "scope" in changes:
        changes["scope"] = check_scope(changes["scope"] or None)
    if "locale" in changes:
        changes["locale"] = check_locale(changes["locale"] or None)
    if "staff_id" in changes:
        changes["staff_id"] = changes["staff_id"] or None
    for flag in ("pii", "is_active"):
        if flag in changes and not isinstance(changes[flag], bool):
            raise AccountError(f"{flag} must be true or false, not {changes[flag]!r}")
    if "display_name" in changes and not (changes["display_name"] or "").strip():
        raise AccountError("a display name cannot be empty")
    return changes


def _keep_an_admin(s, user: User, after: dict[str, Any]) -> None:
    if user.role != "admin" or not user.is_active:
        return
    if after.get("role", "admin") == "admin" and after.get("is_active", True):
        return
    others = s.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.is_active.is_(True), User.id != user.id))
    if not others:
        raise AccountError(f"{user.username} is the last active admin; make another user "
                           "admin first")


def update_user(db: AppDB, username: str, *, by: str, ip: str | None = None,
                display_name: str = KEEP, role: str = KEEP, scope: str | None = KEEP,
                pii: bool = KEEP, staff_id: str | None = KEEP, is_active: bool = KEEP,
                locale: str | None = KEEP) -> User:
    """Change the given fields of a user (the others are kept); `by` is who changes them."""
    given = {"display_name": display_name, "role": role, "scope": scope, "pii": pii,
             "staff_id": staff_id, "is_active": is_active, "locale": locale}
    changes = _checked({k: v for k, v in given.items() if v is not KEEP})
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise UnknownUser(username)
        changed = {k: v for k, v in changes.items() if getattr(user, k) != v}
        if not changed:
            return user
        _keep_an_admin(s, user, changed)
        before = {k: getattr(user, k) for k in changed}
        for name, value in changed.items():
            setattr(user, name, value)
        detail: dict[str, Any] = {"before": before, "after": changed}
        if changed.get("is_active") is False:
            detail["sessions_ended"] = end_sessions_of(s, user.id)
        if set(changed) != {"locale"}:
            record(s, by, "user_updated", username, detail, ip)
    return user


def change_password(db: AppDB, username: str, old: str, new: str, *, ip: str | None = None,
                    keep_token: str | None = None, policy: LockoutPolicy | None = None,
                    now: datetime | None = None) -> int:
    """A user changes their own password; the current one must be given (a wrong one counts
    as a failed log-in). Ends the user's sessions except `keep_token`'s; returns how many."""
    from revlens.appdb.logins import authenticate

    check_password(new)
    try:
        authenticate(db, username, old, ip, policy, now, log_success=False)
    except LoginFailed:
        raise AccountError("the current password is not right; nothing was changed") from None
    return _set_password(db, username, new, username, "password_changed", ip, keep_token, now)


def reset_password(db: AppDB, username: str, new: str, *, by: str,
                   ip: str | None = None) -> int:
    """An admin sets a user's password; ends all the user's sessions; returns how many."""
    check_password(new)
    return _set_password(db, username, new, by, "password_reset", ip, None, None)


def _set_password(db: AppDB, username: str, new: str, by: str, action: str, ip: str | None,
                  keep_token: str | None, now: datetime | None) -> int:
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise UnknownUser(username)
        user.password_hash = hasher.hash(new)
        user.password_changed_at = now or datetime.now(UTC)
        ended = end_sessions_of(s, user.id, keep_token, now)
        record(s, by, action, username, {"sessions_ended": ended}, ip, now)
    return ended
