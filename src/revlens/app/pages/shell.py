"""The frame every page shares: who is looking (the logged-in user, their language and scope),
the header with the navigation, and the clear message shown instead of a traceback.

A page starts with `viewer = await open_page(request, lang)`: without a valid session the
visitor is sent to /login and comes back afterwards; a `lang` in the address switches the
language and is remembered for the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from revlens.app import context
from revlens.app.auth import user_from_request
from revlens.app.i18n import LOCALES, t
from revlens.appdb.models import User
from revlens.errors import RevLensError, WorkspaceBusy
from revlens.metrics.scope import level_for, scope_of_user
from revlens.workspace import Workspace

T = TypeVar("T")
log = logging.getLogger(__name__)

OPERATIONS = ("events", "ads_web", "content", "sdr", "sales")
ADMIN_ROLES = ("admin",)


@dataclass(frozen=True)
class Viewer:
    """The logged-in user as pages need them."""

    user: User
    locale: str
    path: str = "/"
    query: tuple[tuple[str, str], ...] = ()

    def t(self, key: str) -> str:
        return t(key, self.locale)

    @property
    def is_admin(self) -> bool:
        return self.user.role in ADMIN_ROLES


def open_page(request: Request, lang: str | None) -> Viewer | RedirectResponse:
    """The viewer of this request, or the redirect to the log-in page."""
    user = user_from_request(request, context.settings())
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    if lang in LOCALES and lang != user.locale:
        context.app_db().update_user(user.username, locale=lang, by=user.username)
    locale = lang if lang in LOCALES else (user.locale or context.settings().locale)
    ui.page_title(t("app_title", locale))
    ui.query("body").classes("bg-grey-1")
    return Viewer(user=user, locale=locale if locale in LOCALES else "zh-CN",
                  path=request.url.path, query=tuple(request.query_params.multi_items()))


def in_language(viewer: Viewer, locale: str) -> str:
    """This page's address in another language (its filters kept)."""
    query = [(k, v) for k, v in viewer.query if k != "lang"] + [("lang", locale)]
    return f"{viewer.path}?{urlencode(query)}"


def _nav_items(viewer: Viewer) -> list[tuple[str, str]]:
    items = [("cockpit", "/"), *((f"dash_{d}", f"/d/{d}") for d in OPERATIONS),
             ("lead_pool", "/leads"), ("designer", "/designer"), ("my_dashboards", "/mine")]
    if level_for(viewer.user.role, viewer.user.scope) == "all":
        items.append(("workspace_data", "/workspace"))
    if viewer.is_admin:
        items += [("users", "/admin/users"), ("audit", "/admin/audit")]
    return items


@contextmanager
def frame(viewer: Viewer, title: str, active: str = "") -> Iterator[ui.column]:
    """Header with the navigation (a drawer on phones), then the page's content column."""
    other = "en" if viewer.locale == "zh-CN" else "zh-CN"
    items = _nav_items(viewer)
    with ui.left_drawer(value=False).props("overlay bordered data-testid=nav-drawer") as drawer:
        for key, href in items:
            ui.link(viewer.t(key), href).classes("block py-2 text-body1")
    with ui.header().classes("items-center gap-2 bg-indigo-9 px-3 py-1 no-wrap"):
        ui.button(icon="menu", on_click=drawer.toggle).props(
            "flat round dense color=white data-testid=nav-menu").classes("lt-md")
        ui.link(viewer.t("app_title"), "/").classes("text-h6 text-white no-underline")
        with ui.row().classes("gt-sm items-center gap-1 no-wrap"):
            for key, href in items[:8]:
                link = ui.link(viewer.t(key), href).classes(
                    "text-white no-underline px-2 py-1 rounded text-body2")
                link.props(f"data-testid=nav-{key}")
                if key == active:
                    link.classes("bg-indigo-7")
            if len(items) > 8:
                with ui.button(viewer.t("more"), icon="expand_more").props(
                        "flat dense no-caps color=white"), ui.menu():
                    for key, href in items[8:]:
                        ui.menu_item(viewer.t(key),
                                     on_click=lambda h=href: ui.navigate.to(h))
        ui.space()
        ui.link(t("language", viewer.locale), in_language(viewer, other)).classes(
            "text-white no-underline").props("data-testid=switch-language")
        name = viewer.user.display_name or viewer.user.username
        with ui.button(name, icon="person").props(
                "flat dense no-caps color=white data-testid=user-menu"), ui.menu():
            ui.menu_item(viewer.t("account"), on_click=lambda: ui.navigate.to("/account"))
            ui.menu_item(viewer.t("log_out"), on_click=lambda: ui.navigate.to("/auth/logout"))
    with ui.column().classes("w-full max-w-screen-2xl mx-auto gap-3 p-2 sm:p-4") as content:
        ui.label(title).classes("text-h5 text-weight-medium").props("data-testid=page-title")
        yield content


def failure(viewer: Viewer | str, exc: Exception) -> None:
    """The message a person sees when something fails: what happened and what to do, never a
    traceback (the log has it)."""
    locale = viewer.locale if isinstance(viewer, Viewer) else viewer
    if not isinstance(exc, RevLensError):
        log.error("a page failed", exc_info=exc)
    if isinstance(exc, WorkspaceBusy):
        text = t("busy", locale)
    elif isinstance(exc, RevLensError):
        text = f"{t('error', locale)}: {exc}"
    else:
        text = t("unexpected_error", locale)
    with ui.row().classes("items-center gap-2 text-negative").props("data-testid=error"):
        ui.icon("error_outline")
        ui.label(text)


async def load(viewer: Viewer, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """`fn(warehouse, scope, *args, **kwargs)` on a read-only workspace in a worker thread, with
    the viewer's row-level scope — the same scope the REST API and the metric layer apply."""
    return await run.io_bound(call_scoped, viewer.user, fn, args, kwargs)


async def load_into(container: ui.element, viewer: Viewer, fn: Callable[..., T],
                    *args: object) -> T | None:
    """`load`, with a failure shown in `container` (the tile, dialog or section that was
    loading) instead of raised; None when it failed or the page was closed meanwhile."""
    try:
        return await load(viewer, fn, *args)
    except Exception as exc:  # noqa: BLE001 - a message for the person; failure() logs the rest
        container.clear()
        with container:
            failure(viewer, exc)
        return None


def call_scoped(user: User, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
    """`fn(warehouse, scope, ...)` on the served workspace, read-only: the warehouse connects
    at the first query `fn` runs (none when its results are kept, `revlens.metrics.cache`)."""
    with Workspace.for_request(context.settings().workspace, context.app_db()) as ws:
        return fn(ws.warehouse, scope_of_user(ws.warehouse, user), *args, **kwargs)
