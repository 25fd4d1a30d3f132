"""The log-in page: a plain HTML form posted to /auth/login, which sets the session cookie and
sends the person back to where they were going."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import ui

from revlens.app import context
from revlens.app.accounts_api import safe_next
from revlens.app.i18n import LOCALES, t


@ui.page("/login")
def login_page(next: str = "/", error: str = "", retry_after: int = 0,
               lang: str | None = None) -> None:
    locale = lang if lang in LOCALES else context.settings().locale
    other = "en" if locale == "zh-CN" else "zh-CN"
    ui.page_title(f"{t('log_in', locale)} · {t('app_title', locale)}")
    ui.query("body").classes("bg-indigo-1")
    back = safe_next(next)
    if lang in LOCALES and "lang=" not in back:    # the language chosen here is kept
        back += ("&" if "?" in back else "?") + f"lang={lang}"
    with ui.column().classes("absolute-center items-center gap-4 w-full max-w-sm p-4"):
        ui.label(t("app_title", locale)).classes("text-h5 text-indigo-9")
        card = ui.card().classes("w-full p-6")
        with card:
            form = ui.element("form").props('method="post" action="/auth/login"')
        with form.classes("column gap-3 w-full"):
            ui.input(t("username", locale)).props(
                "name=username autocomplete=username autofocus outlined "
                "data-testid=login-username").classes("w-full")
            ui.input(t("password", locale), password=True).props(
                "name=password autocomplete=current-password outlined "
                "data-testid=login-password").classes("w-full")
            hidden = ui.element("input").props("type=hidden name=next")
            hidden.props["value"] = back     # set as data: no quoting of the address
            if error in ("login_failed", "login_locked"):
                ui.label(t(error, locale).format(seconds=retry_after)).classes(
                    "text-negative").props("data-testid=login-error")
            ui.button(t("log_in", locale)).props(
                "type=submit color=indigo-9 unelevated data-testid=login-submit"
            ).classes("w-full")
        ui.link(t("language", locale),
                f"/login?lang={other}&next={quote(back, safe='')}").classes("text-indigo-9")
