"""Who is calling the REST API: HTTP Basic with a RevLens user's name and password (401 with a
`WWW-Authenticate` challenge otherwise). Routers depend on `api_user` and get the user, whose
role, staff id and scope decide what they may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from revlens.appdb import AppDB
from revlens.appdb.models import User
from revlens.config import Settings

Credentials = Annotated[HTTPBasicCredentials | None,
                        Depends(HTTPBasic(realm="RevLens", auto_error=False))]


def api_user(settings: Callable[[], Settings]) -> Callable[..., User]:
    """A FastAPI dependency: the logged-in user of the served workspace's app database."""
    app_dbs: dict[str, AppDB] = {}   # one engine (connection pool) per app database

    def app_db() -> AppDB:
        url = settings().app_db_url
        if url not in app_dbs:
            app_dbs[url] = AppDB(url)
        return app_dbs[url]

    def user(credentials: Credentials) -> User:
        challenge = {"WWW-Authenticate": 'Basic realm="RevLens"'}
        if credentials is None:
            raise HTTPException(status_code=401, detail="log in with a RevLens user",
                                headers=challenge)
        found = app_db().verify_password(credentials.username, credentials.password)
        if found is None:
            raise HTTPException(status_code=401, detail="wrong user name or password",
                                headers=challenge)
        return found

    return user
