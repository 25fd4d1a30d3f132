"""REST API of customer 360, tags and segments, in the logged-in user's scope; e-mail
addresses and phones are masked for users without the personal-data permission.

    GET /api/v1/profiles/person/{person id or identifier}
    GET /api/v1/profiles/account/{account id}
    GET /api/v1/tags                    PUT /api/v1/tags/{name}     GET /api/v1/tags/{name}/members
    GET /api/v1/segments                PUT /api/v1/segments/{name}
    POST /api/v1/segments/preview       GET /api/v1/segments/{name}/compare

Tag rules and segments are changed by managers, marketers, analysts and admins (403 for reps
and SDRs); a condition that cannot be read is a 422 naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from revlens.app.auth import api_user
from revlens.app.requests import read_workspace
from revlens.appdb.models import User
from revlens.cdp.conditions import Condition, Level
from revlens.cdp.profiles import Profile, ProfileNotFound, account_profile, person_profile
from revlens.cdp.segments import (
    SegmentComparison,
    SegmentDefinition,
    compare_segment,
    save_segment,
    segment,
    segments,
)
from revlens.cdp.segments import members as segment_members
from revlens.cdp.tags import TagDefinition, TagError, define, definitions, parse_condition
from revlens.cdp.tags import members as members_of_tag
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


WRITERS = {"admin", "analyst", "marketing_manager", "marketing", "sales_manager",
           "sdr_manager", "executive"}
"""Roles that may define tag rules and segments (reps and SDRs read them)."""


class ConditionBody(BaseModel):
    level: Level = "person"
    description: str = ""
    condition: dict


def _writer(user: User) -> None:
    if user.role not in WRITERS:
        raise HTTPException(status_code=403, detail=f"a {user.role} may not change tags or "
                                                    "segments")


def _condition(body: ConditionBody) -> Condition:
    try:
        return parse_condition(body.condition)
    except TagError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def customers_router(settings: Callable[[], Settings]) -> APIRouter:
    """Tags and segments under /api/v1/tags and /api/v1/segments."""
    router = APIRouter(prefix="/api/v1", tags=["tags and segments"])
    logged_in = Depends(api_user(settings))

    @router.get("/tags", response_model=list[TagDefinition])
    def tag_rules(user: User = logged_in) -> list[TagDefinition]:
        """Every tag rule, shipped and the workspace's."""
        with read_workspace(settings) as ws:
            return definitions(ws.appdb)

    @router.put("/tags/{name}", response_model=TagDefinition)
    def put_tag(name: str, body: ConditionBody, user: User = logged_in) -> TagDefinition:
        """Save a tag rule (applied by the next refresh)."""
        _writer(user)
        rule = _condition(body)
        with read_workspace(settings) as ws:
            define(ws.appdb, name, body.level, rule, body.description, user.username)
            return next(d for d in definitions(ws.appdb) if d.name == name)

    @router.get("/tags/{name}/members")
    def tag_members(name: str, level: Level = "person", user: User = logged_in) -> list[dict]:
        """Who carries the tag (as of the last refresh), of the people or accounts you see."""
        with read_workspace(settings) as ws:
            return members_of_tag(ws.warehouse, name, level,
                                  scope_of_user(ws.warehouse, user))

    @router.get("/segments", response_model=list[SegmentDefinition])
    def segment_list(user: User = logged_in) -> list[SegmentDefinition]:
        with read_workspace(settings) as ws:
            return segments(ws.appdb)

    @router.put("/segments/{name}", response_model=SegmentDefinition)
    def put_segment(name: str, body: ConditionBody, user: User = logged_in
                    ) -> SegmentDefinition:
        """Save a segment (members are written by the next refresh)."""
        _writer(user)
        rule = _condition(body)
        with read_workspace(settings) as ws:
            save_segment(ws.appdb, name, body.level, rule, body.description, user.username)
            return segment(ws.appdb, name)

    @router.post("/segments/preview")
    def preview_segment(body: ConditionBody, user: User = logged_in) -> dict:
        """How many people (or accounts) a condition matches now, of those you see."""
        rule = _condition(body)
        with read_workspace(settings) as ws:
            scope = scope_of_user(ws.warehouse, user)
            return {"level": body.level,
                    "count": len(segment_members(ws.warehouse, body.level, rule,
                                                 scope=scope))}

    @router.get("/segments/{name}/compare", response_model=SegmentComparison)
    def compare(name: str, user: User = logged_in) -> SegmentComparison:
        """The segment against everyone else, within your scope."""
        with read_workspace(settings) as ws:
            d = segment(ws.appdb, name)
            return compare_segment(ws.warehouse, name, d.level, d.condition,
                                   scope_of_user(ws.warehouse, user))

    return router

