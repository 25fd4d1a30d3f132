"""Users and the audit log (admins), and each person's own account page: language and
password. Every change goes through `revlens.appdb` (validated and audited there)."""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from revlens.app import context
from revlens.app.auth import SESSION_COOKIE
from revlens.app.i18n import LOCALES, format_datetime
from revlens.app.pages.shell import Viewer, frame, open_page
from revlens.appdb.roles import ROLE_LABELS, ROLES, SCOPES
from revlens.errors import RevLensError


def _role_options(locale: str) -> dict[str, str]:
    return {r: ROLE_LABELS[r][1 if locale == "zh-CN" else 0] for r in ROLES}


def _guard(viewer: Viewer) -> bool:
    if viewer.is_admin:
        return True
    ui.label(viewer.t("forbidden")).classes("text-grey-8").props("data-testid=forbidden")
    return False


@ui.page("/admin/users")
def users_page(request: Request, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    with frame(viewer, viewer.t("users"), "users"):
        if not _guard(viewer):
            return None
        ip = request.client.host if request.client else None
        table = ui.column().classes("w-full")
        _user_table(viewer, table, ip)
        ui.button(viewer.t("add_user"), icon="person_add",
                  on_click=lambda: _user_dialog(viewer, None, table, ip)).props(
            "unelevated color=indigo-9 data-testid=add-user")
    return None


def _user_table(viewer: Viewer, container: ui.column, ip: str | None) -> None:
    container.clear()
    roles = _role_options(viewer.locale)
    with container:
        for user in context.app_db().users():
            with ui.row().classes("w-full items-center gap-3 q-py-xs border-b").props(
                    f"data-testid=user-{user.username}"):
                ui.label(user.username).classes("w-32 text-weight-medium")
                ui.label(user.display_name).classes("w-40")
                ui.label(roles.get(user.role, user.role)).classes("w-32")
                ui.label(user.scope or viewer.t("scope_default")).classes("w-24")
                ui.label(user.staff_id or "—").classes("w-24")
                ui.icon("visibility" if user.pii else "visibility_off").tooltip(
                    viewer.t("pii_permission"))
                ui.label(viewer.t("active" if user.is_active else "inactive")).classes("w-20")
                ui.button(icon="edit", on_click=lambda u=user.username: _user_dialog(
                    viewer, u, container, ip)).props(f"flat dense data-testid=edit-{user.username}")


def _user_dialog(viewer: Viewer, username: str | None, table: ui.column,
                 ip: str | None) -> None:
    db = context.app_db()
    user = db.user(username) if username else None
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-lg").props(
            "data-testid=user-dialog"):
        ui.label(viewer.t("edit_user" if user else "add_user")).classes("text-h6")
        name = ui.input(viewer.t("username"), value=user.username if user else "").props(
            "outlined dense data-testid=user-name")
        if user:
            name.disable()
        display = ui.input(viewer.t("display_name"),
                           value=user.display_name if user else "").props("outlined dense")
        role = ui.select(_role_options(viewer.locale), value=user.role if user else "analyst",
                         label=viewer.t("role")).props("outlined dense data-testid=user-role")
        scope = ui.select({"": viewer.t("scope_default"), **{s: viewer.t(f"scope_{s}")
                                                              for s in SCOPES}},
                          value=(user.scope or "") if user else "",
                          label=viewer.t("scope")).props("outlined dense")
        staff = ui.input(viewer.t("staff_id"), value=(user.staff_id or "") if user else "").props(
            "outlined dense")
        pii = ui.checkbox(viewer.t("pii_permission"), value=bool(user and user.pii))
        active = ui.checkbox(viewer.t("active"), value=user.is_active if user else True)
        password = ui.input(viewer.t("new_password" if user else "password"),
                            password=True).props("outlined dense data-testid=user-password")

        def save() -> None:
            fields = {"display_name": display.value or name.value, "role": role.value,
                      "scope": scope.value or None, "staff_id": staff.value or None,
                      "pii": pii.value}
            try:
                if user is None:
                    db.create_user(name.value.strip(), password.value, by=viewer.user.username,
                                   ip=ip, **fields)
                else:
                    db.update_user(user.username, by=viewer.user.username, ip=ip,
                                   is_active=active.value, **fields)
                    if password.value:
                        db.reset_password(user.username, password.value,
                                          by=viewer.user.username, ip=ip)
            except RevLensError as exc:
                ui.notify(str(exc), type="negative")
                return
            dialog.close()
            ui.notify(viewer.t("saved"), type="positive")
            _user_table(viewer, table, ip)

        with ui.row().classes("w-full justify-end"):
            ui.button(viewer.t("cancel"), on_click=dialog.close).props("flat")
            ui.button(viewer.t("save"), on_click=save).props(
                "unelevated color=indigo-9 data-testid=user-save")
    dialog.open()


@ui.page("/admin/audit")
def audit_page(request: Request, lang: str | None = None, action: str = ""):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    with frame(viewer, viewer.t("audit"), "audit"):
        if not _guard(viewer):
            return None
        tz = context.settings().timezone
        rows = [{"at": format_datetime(e.at, viewer.locale, tz), "actor": e.actor,
                 "action": e.action, "target": e.target,
                 "detail": "" if e.detail is None else str(e.detail), "ip": e.ip or ""}
                for e in context.app_db().audit_log(limit=1000, action=action or None)]
        columns = [{"field": f, "headerName": viewer.t(f"audit_{f}"), "sortable": True,
                    "filter": True} for f in ("at", "actor", "action", "target", "detail", "ip")]
        ui.aggrid({"columnDefs": columns, "rowData": rows, "pagination": True,
                   "paginationPageSize": 50}).classes("w-full").style("height: 70vh").props(
            "data-testid=audit-table")
    return None


@ui.page("/account")
def account_page(request: Request, lang: str | None = None):
    viewer = open_page(request, lang)
    if not isinstance(viewer, Viewer):
        return viewer
    user = viewer.user
    ip = request.client.host if request.client else None
    token = request.cookies.get(SESSION_COOKIE)
    with frame(viewer, viewer.t("account"), "account"):
        with ui.card().classes("w-full max-w-lg"):
            roles = _role_options(viewer.locale)
            for key, value in (("username", user.username), ("display_name", user.display_name),
                               ("role", roles.get(user.role, user.role)),
                               ("scope", user.scope or viewer.t("scope_default")),
                               ("staff_id", user.staff_id or "—")):
                with ui.row().classes("gap-2"):
                    ui.label(viewer.t(key)).classes("w-32 text-grey-7")
                    ui.label(value)
            ui.select({loc: "中文" if loc == "zh-CN" else "English" for loc in LOCALES},
                      value=viewer.locale, label=viewer.t("ui_language"),
                      on_change=lambda e: ui.navigate.to(f"/account?lang={e.value}")).props(
                "outlined dense data-testid=account-language")
        with ui.card().classes("w-full max-w-lg"):
            ui.label(viewer.t("change_password")).classes("text-subtitle1")
            old = ui.input(viewer.t("current_password"), password=True).props(
                "outlined dense data-testid=old-password")
            new = ui.input(viewer.t("new_password"), password=True).props(
                "outlined dense data-testid=new-password")

            def change() -> None:
                try:
                    ended = context.app_db().change_password(user.username, old.value, new.value,
                                                             ip=ip, keep_token=token)
                except RevLensError as exc:
                    ui.notify(str(exc), type="negative")
                    return
                old.value = new.value = ""
                ui.notify(viewer.t("password_changed").format(sessions=ended), type="positive")

            ui.button(viewer.t("change_password"), on_click=change).props(
                "unelevated color=indigo-9 data-testid=change-password")
    return None
