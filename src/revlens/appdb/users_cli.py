"""`revlens users ...` and `revlens audit`: users, their roles and permissions, and the audit
log, from the command line (the app database only: works while `revlens serve` runs).

    revlens users add zhangsan --role sales_rep --staff-id U1 --name 张三
    revlens users set zhangsan --scope team --pii
    revlens users password zhangsan
    revlens users list
    revlens audit --action login_failed

A password is never an argument: `add` and `password` take it from REVLENS_USER_PASSWORD, or
make a random one and print it once. Changes are audited with the operating-system user who
ran the command.
"""

from __future__ import annotations

import getpass
import secrets
import sys
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from revlens.appdb.audit import audit_log
from revlens.appdb.roles import ROLES
from revlens.cli_options import Format, FormatOpt, WorkspaceOpt, app_database, emit, err, out
from revlens.errors import UnknownUser
from revlens.metrics.scope import level_for

users_app = typer.Typer(help="Users: add them, set their role, scope and permissions, reset "
                             "passwords.", no_args_is_help=True)
Username = Annotated[str, typer.Argument(help="the user's log-in name")]
PasswordEnv = Annotated[str | None, typer.Option(
    "--password", envvar="REVLENS_USER_PASSWORD", hidden=True,
    help="the password (from REVLENS_USER_PASSWORD; default: a random one, printed once)")]
DEFAULT = "default"


def operator() -> str:
    """Who runs the command, as the audit log names them."""
    try:
        return f"{getpass.getuser()} (cli)"
    except (KeyError, OSError):
        return "cli"


def _password(given: str | None) -> tuple[str, bool]:
    return (given, False) if given else (secrets.token_urlsafe(12), True)


def _show_password(username: str, password: str) -> None:
    err.print(f"password of {escape(username)} (shown once; they should change it after "
              "logging in):", highlight=False)
    sys.stdout.write(password + "\n")


@users_app.command("list")
def users_list(output: FormatOpt = Format.table, workspace: WorkspaceOpt = None) -> None:
    """Every user: role, scope, staff record, personal-data permission, active."""
    with app_database(workspace) as (settings, db):
        found = db.users()
        zone = ZoneInfo(settings.timezone)
    rows = [{"username": u.username, "display_name": u.display_name, "role": u.role,
             "scope": level_for(u.role, u.scope) + ("" if u.scope else " (role default)"),
             "staff_id": u.staff_id, "pii": u.pii, "active": u.is_active,
             "locale": u.locale, "created_at": _local(u.created_at, zone)} for u in found]
    emit(rows, output, "users")


def _local(moment, zone: ZoneInfo) -> str:
    from revlens.appdb.audit import as_utc

    return f"{as_utc(moment).astimezone(zone):%Y-%m-%d %H:%M}"


@users_app.command("add")
def users_add(
    username: Username,
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(ROLES)}")] = "analyst",
    staff_id: Annotated[str | None, typer.Option(
        help="their staff record (users.user_id in the data): whose records are theirs")] = None,
    name: Annotated[str, typer.Option(help="display name")] = "",
    scope: Annotated[str | None, typer.Option(
        help="own, team or all (default: the role's)")] = None,
    pii: Annotated[bool | None, typer.Option(
        "--pii/--no-pii", help="sees phones and e-mail addresses unmasked (default: admins)")
                   ] = None,
    locale: Annotated[str | None, typer.Option(help="UI language: zh-CN or en")] = None,
    password: PasswordEnv = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add a user."""
    chosen, generated = _password(password)
    with app_database(workspace) as (_, db):
        user = db.create_user(username, chosen, role, name, staff_id, scope, pii, locale,
                              by=operator())
    out.print(f"user {escape(user.username)} added: {user.role}, scope "
              f"{level_for(user.role, user.scope)}"
              + (f", staff {escape(user.staff_id)}" if user.staff_id else "")
              + (", sees personal data" if user.pii else ""), highlight=False)
    if generated:
        _show_password(user.username, chosen)


@users_app.command("set")
def users_set(
    username: Username,
    role: Annotated[str | None, typer.Option(help=f"one of: {', '.join(ROLES)}")] = None,
    staff_id: Annotated[str | None, typer.Option(
        help=f"their staff record ('{DEFAULT}' to unlink)")] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    scope: Annotated[str | None, typer.Option(
        help=f"own, team or all ('{DEFAULT}': the role's)")] = None,
    pii: Annotated[bool | None, typer.Option(
        "--pii/--no-pii", help="sees phones and e-mail addresses unmasked")] = None,
    active: Annotated[bool | None, typer.Option(
        "--active/--inactive", help="may log in (deactivating ends their sessions)")] = None,
    locale: Annotated[str | None, typer.Option(
        help=f"UI language: zh-CN or en ('{DEFAULT}': the workspace's)")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Change a user's role, scope, staff record, permissions, name or language."""
    changes: dict[str, object] = {}
    for field, value in (("role", role), ("display_name", name), ("pii", pii),
                         ("is_active", active)):
        if value is not None:
            changes[field] = value
    for field, value in (("staff_id", staff_id), ("scope", scope), ("locale", locale)):
        if value is not None:
            changes[field] = None if value == DEFAULT else value
    if not changes:
        err.print("nothing to change: give --role, --scope, --staff-id, --pii/--no-pii, "
                  "--active/--inactive, --name or --locale")
        raise typer.Exit(1)
    with app_database(workspace) as (_, db):
        before = db.user(username)
        if before is None:
            raise UnknownUser(username)
        user = db.update_user(username, by=operator(), **changes)
    shown = ", ".join(f"{k} {getattr(before, k)!r} → {getattr(user, k)!r}" for k in changes
                      if getattr(before, k) != getattr(user, k))
    out.print(f"user {escape(username)}: {escape(shown) or 'nothing changed'}",
              highlight=False)


@users_app.command("password")
def users_password(username: Username, password: PasswordEnv = None,
                   workspace: WorkspaceOpt = None) -> None:
    """Set a user's password (a random one unless REVLENS_USER_PASSWORD is set); ends their
    sessions."""
    chosen, generated = _password(password)
    with app_database(workspace) as (_, db):
        ended = db.reset_password(username, chosen, by=operator())
    out.print(f"password of {escape(username)} set; {ended} session(s) ended", highlight=False)
    if generated:
        _show_password(username, chosen)


def audit_command(
    limit: Annotated[int, typer.Option(help="how many entries, newest first")] = 50,
    action: Annotated[str | None, typer.Option(
        help="only this action: login, login_failed, login_locked, logout, user_created, "
             "user_updated, password_changed, password_reset, export")] = None,
    actor: Annotated[str | None, typer.Option(help="only what this user did")] = None,
    target: Annotated[str | None, typer.Option(
        help="only entries about this user or metric")] = None,
    output: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The audit log: log-ins, user and permission changes, password changes, exports."""
    with app_database(workspace) as (settings, db):
        rows = audit_log(db, limit, action, actor, target)
        zone = ZoneInfo(settings.timezone)
    if output == Format.json:
        emit([r.model_dump(mode="json") for r in rows], output, "audit log")
        return
    emit([{"at": f"{r.at.astimezone(zone):%Y-%m-%d %H:%M:%S}", "actor": r.actor,
           "action": r.action, "target": r.target, "ip": r.ip or "",
           "detail": _detail(r.detail)} for r in rows], output, "audit log")


def _detail(detail: dict | None) -> str:
    if not detail:
        return ""
    if "before" in detail and "after" in detail:
        return "; ".join(f"{k}: {detail['before'].get(k)!r} → {v!r}"
                         for k, v in detail["after"].items())
    return ", ".join(f"{k}={v}" for k, v in detail.items())
