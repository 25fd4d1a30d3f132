"""Who is calling: the web session cookie, or HTTP Basic for scripts.

- Pages call `user_from_request(request, settings)`: the user of the request's live
  `revlens_session` cookie, or None (send them to /login).
- REST routers depend on `api_user(settings)`: the session cookie's user, else the user of
  valid HTTP Basic credentials; 401 otherwise (with a `WWW-Authenticate: Basic` challenge
  unless the request carried a session cookie, so a browser whose session ended gets no
  password dialog); 429 with `Retry-After` while the user name or address is locked out
  (`revlens.appdb.logins`). The user's role, staff id and scope decide what they may see.
- `require_role(*roles)` after `api_user`: 403 for everyone else.

The cookie is HttpOnly (scripts cannot read it) and SameSite=Lax (other sites cannot send it
with their forms or scripts' POSTs); `session_cookie_secure` adds Secure behind HTTPS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from revlens.appdb import AppDB
from revlens.appdb.logins import LockoutPolicy, authenticate
from revlens.appdb.models import User
from revlens.appdb.roles import check_role
from revlens.appdb.sessions import SessionPolicy, session_user
from revlens.config import Settings
from revlens.errors import LoginFailed, LoginLocked

SESSION_COOKIE = "revlens_session"
CHALLENGE = {"WWW-Authenticate": 'Basic realm="RevLens"'}
Credentials = Annotated[HTTPBasicCredentials | None,
                        Depends(HTTPBasic(realm="RevLens", auto_error=False))]
_app_dbs: dict[str, AppDB] = {}


def app_db(settings: Settings) -> AppDB:
    """The app database of these settings: one engine (connection pool) per URL for the life
    of the process."""
    if settings.app_db_url not in _app_dbs:
        _app_dbs[settings.app_db_url] = AppDB(settings.app_db_url)
    return _app_dbs[settings.app_db_url]


def client_ip(request: Request) -> str | None:
    """The address the request came from (the proxy's, behind a reverse proxy)."""
    return request.client.host if request.client else None


def user_from_request(request: Request, settings: Settings) -> User | None:
    """The active user of the request's session cookie, or None. Counts as activity."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return session_user(app_db(settings), token, SessionPolicy.from_settings(settings))


def locked(exc: LoginLocked) -> HTTPException:
    return HTTPException(status_code=429, detail=str(exc),
                         headers={"Retry-After": str(exc.retry_after)})


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=settings.session_cookie_secure,
                        max_age=int(SessionPolicy.from_settings(settings).lifetime
                                    .total_seconds()))


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=settings.session_cookie_secure)


def api_user(settings: Callable[[], Settings]) -> Callable[..., User]:
    """A FastAPI dependency: the logged-in user (see the module docstring). The user is also
    left on `request.state.user` for `require_role`."""

    def user(request: Request, credentials: Credentials) -> User:
        current = settings()
        found = user_from_request(request, current)
        if found is None and credentials is not None:
            try:
                found = authenticate(app_db(current), credentials.username,
                                     credentials.password, client_ip(request),
                                     LockoutPolicy.from_settings(current), log_success=False)
            except LoginLocked as exc:
                raise locked(exc) from None
            except LoginFailed as exc:
                raise HTTPException(status_code=401, detail=str(exc),
                                    headers=CHALLENGE) from None
        if found is None:
            stale = SESSION_COOKIE in request.cookies
            raise HTTPException(
                status_code=401,
                detail="your session has ended; log in again" if stale
                else "log in with a RevLens user",
                headers=None if stale else CHALLENGE)
        request.state.user = found
        return found

    return user


def require_role(*roles: str) -> Callable[..., User]:
    """A FastAPI dependency listed after `api_user(...)` (in the router's dependencies or
    before it in the route's): the user if their role is one of `roles`, else 403."""
    for role in roles:
        check_role(role)

    def allowed(request: Request) -> User:
        user = getattr(request.state, "user", None)
        if user is None:       # api_user did not run first: refuse rather than guess
            raise HTTPException(status_code=401, detail="log in with a RevLens user")
        if user.role not in roles:
            raise HTTPException(status_code=403, detail=f"only {' or '.join(roles)} users may "
                                                        f"do this; you are {user.role}")
        return user

    return allowed
