"""REST API of customer 360 under /api/v1/profiles, in the logged-in user's scope; e-mail
addresses and phones are masked for users without the personal-data permission.

    GET /api/v1/profiles/person/{person id or identifier}
    GET /api/v1/profiles/account/{account id}
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException

from revlens.app.auth import api_user
from revlens.app.requests import read_workspace
from revlens.appdb.models import User
from revlens.cdp.profiles import Profile, ProfileNotFound, account_profile, person_profile
from revlens.config import Settings
from revlens.metrics.scope import scope_of_user


def profiles_router(settings: Callable[[], Settings]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/profiles", tags=["profiles"])
    logged_in = Depends(api_user(settings))

    def profile(get, key: str, user: User, timeline: int) -> Profile:
        with read_workspace(settings) as ws:
            try:
                return get(ws.warehouse, key, scope_of_user(ws.warehouse, user), pii=user.pii,
                           timeline_limit=timeline)
            except ProfileNotFound as exc:
                raise HTTPException(status_code=404, detail=str(exc)) from None

    @router.get("/person/{key}", response_model=Profile)
    def person(key: str, timeline: int = 200, user: User = logged_in) -> Profile:
        """A person by id or identifier: identifiers, attributes, tags, deals, timeline."""
        return profile(person_profile, key, user, timeline)

    @router.get("/account/{account_id}", response_model=Profile)
    def account(account_id: str, timeline: int = 200, user: User = logged_in) -> Profile:
        """An account: its people, attributes, tags, deals, orders, service, timeline."""
        return profile(account_profile, account_id, user, timeline)

    return router
