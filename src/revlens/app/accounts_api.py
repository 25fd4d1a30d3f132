"""Log-in, log-out, your own account, and (admins only) users and the audit log.

    POST /api/v1/auth/login            {username, password} -> session cookie + who you are
    POST /auth/login                   the log-in page's form (username, password, next):
                                       cookie and 303 to `next`, or 303 back to /login?error=
    GET|POST /auth/logout              ends the session, clears the cookie, 303 to /login
    GET   /api/v1/auth/me              who you are, your role, scope and language
    PATCH /api/v1/auth/me              {locale}: your UI language
    POST  /api/v1/auth/password        {old_password, new_password}: ends your other sessions
    GET   /api/v1/users                admin: every user
    POST  /api/v1/users                admin: a new user
    PATCH /api/v1/users/{username}     admin: role, scope, pii, staff_id, name, active, locale
    POST  /api/v1/users/{username}/password   admin: set a password; ends the user's sessions
    GET   /api/v1/audit                admin: the audit log, newest first

The form log-in answers with redirects only: `error=login_failed` (wrong user name or
password) or `error=login_locked&retry_after=SECONDS`, with `next` kept. `next` is followed
only when it is a path on this site ("/..." but not "//..."); otherwise to "/".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from revlens.app.auth import (
    SESSION_COOKIE,
    api_user,
    app_db,
    clear_session_cookie,
    client_ip,
    locked,
    require_role,
    set_session_cookie,
)
from revlens.appdb import accounts
from revlens.appdb.audit import AuditRow, as_utc, audit, audit_log
from revlens.appdb.logins import LockoutPolicy, authenticate
from revlens.appdb.models import User
from revlens.appdb.sessions import SessionPolicy, end_session, start_session
from revlens.config import Settings
from revlens.errors import AccountError, LoginFailed, LoginLocked, UnknownRole, UnknownUser
from revlens.metrics.scope import level_for

Locale = Literal["zh-CN", "en"]
Scope = Literal["own", "team", "all"]


class LoginRequest(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1024)


class LoginResponse(BaseModel):
    username: str
    display_name: str
    role: str
    locale: str | None


class Me(LoginResponse):
    scope: Scope = Field(description="the rows you see: own, team or all (your role's "
                                     "default unless an admin chose another)")
    staff_id: str | None
    pii: bool = Field(description="you see phones and e-mail addresses unmasked")


class MeChange(BaseModel):
    locale: Locale | None = Field(None, description="UI language; null: the workspace's")


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class PasswordSet(BaseModel):
    password: str = Field(max_length=1024)


class SessionsEnded(BaseModel):
    username: str
    sessions_ended: int


class UserInfo(BaseModel):
    username: str
    display_name: str
    role: str
    scope: Scope | None = Field(description="chosen scope; null: the role's default")
    effective_scope: Scope
    staff_id: str | None
    pii: bool
    is_active: bool
    locale: str | None
    created_at: datetime
    password_changed_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(username=user.username, display_name=user.display_name, role=user.role,
                   scope=user.scope, effective_scope=level_for(user.role, user.scope),
                   staff_id=user.staff_id, pii=user.pii, is_active=user.is_active,
                   locale=user.locale, created_at=as_utc(user.created_at),
                   password_changed_at=user.password_changed_at
                   and as_utc(user.password_changed_at))


class NewUser(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1024)
    role: str = "analyst"
    display_name: str = ""
    staff_id: str | None = None
    scope: Scope | None = None
    pii: bool | None = Field(None, description="default: true for admins only")
    locale: Locale | None = None


class UserChange(BaseModel):
    """Only the fields given are changed; null clears scope, staff_id and locale."""

    display_name: str | None = None
    role: str | None = None
    scope: Scope | None = None
    pii: bool | None = None
    staff_id: str | None = None
    is_active: bool | None = None
    locale: Locale | None = None


@contextmanager
def account_errors() -> Iterator[None]:
    """RevLens account errors as HTTP: 404 unknown user, 400 a change to correct."""
    try:
        yield
    except UnknownUser as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except (AccountError, UnknownRole) as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site, else "/"."""
    if (not target or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 32 for c in target)):
        return "/"
    return target


def auth_router(settings: Callable[[], Settings]) -> APIRouter:
    """Log-in and log-out (JSON and form), and the logged-in user's own account."""
    router = APIRouter(tags=["auth"])
    logged_in = Depends(api_user(settings))

    def log_in(request: Request, username: str, password: str) -> tuple[User, str]:
        """Check the password (lock-out applies), end the request's old session, start one."""
        current = settings()
        db = app_db(current)
        user = authenticate(db, username, password, client_ip(request),
                            LockoutPolicy.from_settings(current))
        end_session(db, request.cookies.get(SESSION_COOKIE))
        token = start_session(db, user, client_ip(request), request.headers.get("user-agent"),
                              SessionPolicy.from_settings(current))
        return user, token

    @router.post("/api/v1/auth/login", response_model=LoginResponse)
    def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
        """Log in: sets the HttpOnly session cookie `revlens_session`."""
        try:
            user, token = log_in(request, body.username, body.password)
        except LoginLocked as exc:
            raise locked(exc) from None
        except LoginFailed as exc:
            raise HTTPException(status_code=401, detail=str(exc)) from None
        set_session_cookie(response, token, settings())
        return LoginResponse(username=user.username, display_name=user.display_name,
                             role=user.role, locale=user.locale)

    @router.post("/auth/login", include_in_schema=False)
    def login_form(request: Request, username: Annotated[str, Form(max_length=100)] = "",
                   password: Annotated[str, Form(max_length=1024)] = "",
                   next: Annotated[str, Form(max_length=2000)] = "/") -> RedirectResponse:
        target = safe_next(next)
        try:
            _, token = log_in(request, username, password)
        except LoginLocked as exc:
            query = {"error": "login_locked", "retry_after": exc.retry_after, "next": target}
            return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)
        except LoginFailed:
            query = {"error": "login_failed", "next": target}
            return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)
        response = RedirectResponse(target, status_code=303)
        set_session_cookie(response, token, settings())
        return response

    @router.api_route("/auth/logout", methods=["GET", "POST"], include_in_schema=False)
    def logout(request: Request) -> RedirectResponse:
        """End the session and clear the cookie."""
        current = settings()
        db = app_db(current)
        user = end_session(db, request.cookies.get(SESSION_COOKIE))
        if user is not None:
            audit(db, user.username, "logout", user.username, None, client_ip(request))
        response = RedirectResponse("/login", status_code=303)
        clear_session_cookie(response, current)
        return response

    def me_of(user: User) -> Me:
        return Me(username=user.username, display_name=user.display_name, role=user.role,
                  locale=user.locale, scope=level_for(user.role, user.scope),
                  staff_id=user.staff_id, pii=user.pii)

    @router.get("/api/v1/auth/me", response_model=Me)
    def me(user: User = logged_in) -> Me:
        """Who you are: role, scope, whether you see personal data, language."""
        return me_of(user)

    @router.patch("/api/v1/auth/me", response_model=Me)
    def change_me(body: MeChange, request: Request, user: User = logged_in) -> Me:
        """Your UI language (null: the workspace's default)."""
        if "locale" not in body.model_fields_set:
            return me_of(user)
        with account_errors():
            changed = accounts.update_user(app_db(settings()), user.username,
                                           by=user.username, ip=client_ip(request),
                                           locale=body.locale)
        return me_of(changed)

    @router.post("/api/v1/auth/password", response_model=SessionsEnded)
    def change_password(body: PasswordChange, request: Request,
                        user: User = logged_in) -> SessionsEnded:
        """Change your password (give the current one); your other sessions end."""
        current = settings()
        with account_errors():
            try:
                ended = accounts.change_password(
                    app_db(current), user.username, body.old_password, body.new_password,
                    ip=client_ip(request), keep_token=request.cookies.get(SESSION_COOKIE),
                    policy=LockoutPolicy.from_settings(current))
            except LoginLocked as exc:
                raise locked(exc) from None
        return SessionsEnded(username=user.username, sessions_ended=ended)

    return router


def users_router(settings: Callable[[], Settings]) -> APIRouter:
    """Users and the audit log, for admins (403 for every other role)."""
    router = APIRouter(prefix="/api/v1", tags=["users"],
                       dependencies=[Depends(api_user(settings)),
                                     Depends(require_role("admin"))])

    def actor(request: Request) -> str:
        return request.state.user.username

    @router.get("/users", response_model=list[UserInfo])
    def users() -> list[UserInfo]:
        return [UserInfo.of(u) for u in app_db(settings()).users()]

    @router.post("/users", response_model=UserInfo, status_code=201)
    def add_user(body: NewUser, request: Request) -> UserInfo:
        with account_errors():
            user = accounts.create_user(
                app_db(settings()), body.username, body.password, body.role, body.display_name,
                body.staff_id, body.scope, body.pii, body.locale, by=actor(request),
                ip=client_ip(request))
        return UserInfo.of(user)

    @router.patch("/users/{username}", response_model=UserInfo)
    def change_user(username: str, body: UserChange, request: Request) -> UserInfo:
        """Change the fields given; deactivating ends the user's sessions."""
        changes = body.model_dump(exclude_unset=True)
        for name in ("display_name", "role", "pii", "is_active"):
            if name in changes and changes[name] is None:
                raise HTTPException(status_code=400, detail=f"{name} cannot be null")
        with account_errors():
            user = accounts.update_user(app_db(settings()), username, by=actor(request),
                                        ip=client_ip(request), **changes)
        return UserInfo.of(user)

    @router.post("/users/{username}/password", response_model=SessionsEnded)
    def set_password(username: str, body: PasswordSet, request: Request) -> SessionsEnded:
        """Set a user's password (they should change it); ends their sessions."""
        with account_errors():
            ended = accounts.reset_password(app_db(settings()), username, body.password,
                                            by=actor(request), ip=client_ip(request))
        return SessionsEnded(username=username, sessions_ended=ended)

    @router.get("/audit", response_model=list[AuditRow])
    def audit_entries(limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                      action: str | None = None, actor: str | None = None,
                      target: str | None = None,
                      since: datetime | None = None) -> list[AuditRow]:
        """The audit log, newest first."""
        return audit_log(app_db(settings()), limit, action, actor, target, since)

    return router
