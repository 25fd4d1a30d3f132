"""Customer 360: one person or one account — identities (masked without the PII permission),
attributes, tags, the timeline of everything that happened, and their opportunities, orders,
payments, tickets and NPS answers — in the viewer's scope (a customer outside it is "not
found", exactly as in the REST API)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from nicegui import ui

from revlens.app import context
from revlens.app.i18n import format_datetime, t
from revlens.app.pages.grids import records_grid
from revlens.app.pages.shell import Viewer, failure, frame, load, open_page
from revlens.cdp.profiles import Profile, ProfileNotFound, account_profile, person_profile

SECTIONS = ("timeline", "opportunities", "orders", "payments", "tickets", "nps", "leads",
            "contacts")
KIND_ICONS = {"touchpoint": "ads_click", "lead_status": "flag", "activity": "call",
              "opportunity_created": "work", "opportunity_closed": "task_alt",
              "order": "receipt_long", "payment": "payments", "ticket": "support_agent",
              "nps": "sentiment_satisfied"}


@ui.page("/customers/person/{key:path}")
async def person_page(request: Request, key: str, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    await _profile_page(viewer, "person", key)


@ui.page("/customers/account/{account_id:path}")
async def account_page(request: Request, account_id: str, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    await _profile_page(viewer, "account", account_id)


@ui.page("/customers")
def search_page(request: Request, q: str = "", lang: str | None = None):
    """Find a customer by an identifier (e-mail, phone, lead or contact id, person id) or an
    account id."""
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    with frame(viewer, viewer.t("customer_360"), "customers"):
        _search_box(viewer, q)


def _search_box(viewer: Viewer, value: str = "") -> None:
    def go(kind: str) -> None:
        if box.value.strip():
            ui.navigate.to(f"/customers/{kind}/{quote(box.value.strip(), safe='')}")

    with ui.row().classes("items-center gap-2 w-full"):
        box = ui.input(viewer.t("customer_search"), value=value).props(
            "outlined dense clearable data-testid=customer-search").classes("grow")
        box.on("keydown.enter", lambda: go("person"))
        ui.button(viewer.t("person"), on_click=lambda: go("person")).props("unelevated")
        ui.button(viewer.t("account_360"), on_click=lambda: go("account")).props("outline")


async def _profile_page(viewer: Viewer, kind: str, key: str) -> None:
    title = viewer.t("person_360" if kind == "person" else "account_360")
    with frame(viewer, f"{title} · {key}", "customers"):
        content = ui.column().classes("w-full gap-3")
        with content:
            ui.skeleton().classes("w-full h-96")

    async def fill() -> None:
        try:
            profile = await load(viewer, _profile, kind, key, viewer.user.pii)
        except ProfileNotFound:
            content.clear()
            with content:
                ui.label(viewer.t("customer_not_found")).props(
                    "data-testid=not-found").classes("text-grey-8")
                _search_box(viewer)
            return
        except Exception as exc:  # noqa: BLE001 - shown to the person, logged by failure()
            content.clear()
            with content:
                failure(viewer, exc)
            return
        if profile is None:
            return
        content.clear()
        with content:
            _summary(viewer, profile)
            _sections(viewer, profile)

    ui.timer(0, fill, once=True)

def _profile(wh, scope, kind: str, key: str, pii: bool) -> Profile:
    get = person_profile if kind == "person" else account_profile
    return get(wh, key, scope, pii=pii, timeline_limit=500)


def _summary(viewer: Viewer, profile: Profile) -> None:
    with ui.row().classes("w-full gap-3 items-stretch"):
        with ui.card().classes("grow min-w-72").props("data-testid=attributes"):
            ui.label(viewer.t("attributes")).classes("text-subtitle1 text-weight-medium")
            for a in profile.attributes:
                with ui.row().classes("gap-2 text-body2 no-wrap"):
                    ui.label(t(a.name, viewer.locale)).classes("text-grey-7 w-32")
                    ui.label("" if a.value is None else str(a.value))
            if profile.account_id and profile.kind == "person":
                ui.link(f"{viewer.t('account_360')} {profile.account_id}",
                        f"/customers/account/{quote(profile.account_id, safe='')}")
        if profile.identifiers:
            with ui.card().classes("grow min-w-72").props("data-testid=identities"):
                ui.label(viewer.t("identities")).classes("text-subtitle1 text-weight-medium")
                for i in profile.identifiers:
                    with ui.row().classes("gap-2 text-body2 no-wrap"):
                        ui.label(t(i.identifier_type, viewer.locale)).classes("text-grey-7 w-32")
                        ui.label(i.identifier_value)
        with ui.card().classes("grow min-w-60").props("data-testid=tags"):
            ui.label(viewer.t("tags")).classes("text-subtitle1 text-weight-medium")
            with ui.row().classes("gap-1"):
                for tag in profile.tags:
                    ui.chip(tag).props("dense color=indigo-1")
                if not profile.tags:
                    ui.label(viewer.t("none")).classes("text-grey-6")
            if profile.kind == "account" and profile.people:
                ui.label(viewer.t("people")).classes("text-subtitle2 q-mt-sm")
                with ui.row().classes("gap-1"):
                    for person in profile.people[:30]:
                        ui.link(person, f"/customers/person/{person}").classes("text-body2")


def _sections(viewer: Viewer, profile: Profile) -> None:
    counts = {"timeline": profile.timeline_total,
              **{s: len(getattr(profile, s)) for s in SECTIONS if s != "timeline"}}
    with ui.tabs().classes("w-full").props("dense align=left outside-arrows mobile-arrows") \
            as tabs:
        for section in SECTIONS:
            ui.tab(section, f"{viewer.t(section)} ({counts[section]})").props(
                f"data-testid=tab-{section}")
    with ui.tab_panels(tabs, value="timeline").classes("w-full"):
        with ui.tab_panel("timeline"):
            _timeline(viewer, profile)
        for section in SECTIONS[1:]:
            with ui.tab_panel(section):
                rows = getattr(profile, section)
                if not rows:
                    ui.label(viewer.t("no_records")).classes("text-grey-6")
                    continue
                columns = [c for c in rows[0] if not c.startswith("_")]
                records_grid(columns, rows, viewer.locale, height="22rem",
                             links=section not in ("leads", "contacts"), testid=section)


def _timeline(viewer: Viewer, profile: Profile) -> None:
    if not profile.timeline:
        ui.label(viewer.t("no_records")).classes("text-grey-6")
        return
    tz = context.settings().timezone
    with ui.timeline(side="right").props("dense data-testid=timeline").classes("w-full"):
        for event in profile.timeline:
            detail = ", ".join(f"{t(k, viewer.locale)}: {v}" for k, v in event.detail.items()
                               if k not in ("touchpoint_id", "lead_id", "occurred_at"))[:300]
            ui.timeline_entry(detail, title=f"{t(event.kind, viewer.locale)} · {event.title}",
                              subtitle=format_datetime(event.at, viewer.locale, tz),
                              icon=KIND_ICONS.get(event.kind, "circle"))
