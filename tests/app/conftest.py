"""The REST API as `revlens serve` mounts it, served by uvicorn on loopback: on each test's
workspace (`base_url`, `client`), or on a copy of the metric layer's story (`served_story`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import FastAPI

from revlens.app.server import API_ROUTERS
from revlens.config import Settings, load_settings
from tests.http_server import served
from tests.metrics.story import PASSWORD as STORY_PASSWORD


def api_app(settings: Callable[[], Settings]) -> FastAPI:
    """Every router `revlens serve` includes (`revlens.app.server.API_ROUTERS`), so a router
    added there is served, and checked, here too."""
    app = FastAPI()
    for router in API_ROUTERS:
        app.include_router(router(settings))
    return app


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route under /api/v1, however deeply routers are included."""
    try:       # FastAPI >= 0.160 keeps included routers as nodes of a tree
        from fastapi.routing import iter_route_contexts
        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = app.routes
    return {(method, route.path) for route in routes
            if (route.path or "").startswith("/api/v1") for method in route.methods or ()}


@pytest.fixture
def settings(workspace_dir, ws_overrides) -> Settings:
    return load_settings(workspace_dir, **ws_overrides)


@pytest.fixture
def base_url(settings) -> Iterator[str]:
    """The API of this test's workspace (SQLite or PostgreSQL app database)."""
    with served(api_app(lambda: settings)) as url:
        yield url


@pytest.fixture
def client(base_url) -> Iterator[Callable[[], httpx.Client]]:
    """New clients (each with its own cookie jar, like a browser) on the served API."""
    opened: list[httpx.Client] = []

    def new() -> httpx.Client:
        opened.append(httpx.Client(base_url=base_url, timeout=30))
        return opened[-1]

    yield new
    for c in opened:
        c.close()


def log_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


MANUFACTURING = {"kind": "attribute", "field": "industry", "op": "eq", "value": "制造"}


@pytest.fixture(scope="session")
def story_copy(story_dir, tmp_path_factory) -> tuple[str, dict[str, str]]:
    """A copy of the story (tests log in and write to its app database) with the tag VIP by
    hand on accounts A1, A2 and the people of leads L1, L3, and the account segment
    制造业客户 (industry 制造); returns its directory and the person ids of L1 and L3."""
    from revlens.cdp.profiles import person_of
    from revlens.cdp.segments import save_segment
    from revlens.cdp.tags import parse_condition, tag_by_hand
    from revlens.refresh import refresh
    from revlens.workspace import Workspace

    root = tmp_path_factory.mktemp("served-story") / "ws"
    shutil.copytree(story_dir, root)
    with Workspace.open(root) as ws:
        people = {lead: person_of(ws.warehouse, lead) for lead in ("L1", "L3")}
        for level, subject in (("account", "A1"), ("account", "A2"),
                               ("person", people["L1"]), ("person", people["L3"])):
            tag_by_hand(ws.appdb, "VIP", level, subject, "test")
        save_segment(ws.appdb, "制造业客户", "account", parse_condition(MANUFACTURING))
        ws.appdb.create_user("boss", STORY_PASSWORD, role="admin")
        refresh(ws)
    return str(root), people


@pytest.fixture(scope="session")
def served_story(story_copy) -> Iterator[tuple[str, dict[str, str]]]:
    """The API on the story copy: its URL and the person ids of L1 and L3. Users (password
    tests.metrics.story.PASSWORD): zhangsan (sales_rep, U1), zhao (sales_manager, M1),
    analyst, boss (admin, sees personal data)."""
    root, people = story_copy
    settings = load_settings(root)
    with served(api_app(lambda: settings)) as url:
        yield url, people
