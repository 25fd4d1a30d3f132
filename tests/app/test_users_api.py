"""Users and the audit log over the REST API, on SQLite and PostgreSQL: admins only (403 for
every other role), each change audited with who made it and from where."""

from __future__ import annotations

import pytest

from revlens.appdb import AppDB
from revlens.appdb.roles import ROLES
from tests.app.conftest import log_in
from tests.conftest import ADMIN_PASSWORD

PASSWORD = "long-enough-1"
ADMIN_ROUTES = [("GET", "/api/v1/users", None),
                ("POST", "/api/v1/users", {"username": "x", "password": "long-enough-1"}),
                ("PATCH", "/api/v1/users/li", {"role": "admin"}),
                ("POST", "/api/v1/users/li/password", {"password": "taken-over-1"}),
                ("GET", "/api/v1/audit", None)]


@pytest.fixture
def appdb(settings):
    db = AppDB(settings.app_db_url)
    yield db
    db.close()


@pytest.fixture
def admin(client):
    c = client()
    assert log_in(c, "admin", ADMIN_PASSWORD).status_code == 200
    return c


def test_every_role_but_admin_gets_403(client, appdb):
    for role in ROLES[:-1]:
        appdb.create_user(role, PASSWORD, role=role)
    appdb.create_user("li", PASSWORD, role="sales_rep")
    for role in [r for r in ROLES if r != "admin"]:
        c = client()
        log_in(c, role, PASSWORD)
        for method, path, body in ADMIN_ROUTES:
            got = c.request(method, path, json=body)
            assert got.status_code == 403, (role, method, path, got.text)
            assert got.json()["detail"] == f"only admin users may do this; you are {role}"
    assert appdb.user("li").role == "sales_rep" and appdb.user("x") is None
    assert appdb.verify_password("li", PASSWORD) is not None
    anonymous = client().get("/api/v1/users")
    assert anonymous.status_code == 401


def test_an_admin_adds_a_user_who_can_then_log_in(admin, client, appdb):
    got = admin.post("/api/v1/users", json={
        "username": "zhangsan", "password": PASSWORD, "role": "sales_rep", "staff_id": "U1",
        "display_name": "张三", "locale": "zh-CN"})
    assert got.status_code == 201, got.text
    body = got.json()
    assert {k: body[k] for k in ("username", "role", "scope", "effective_scope", "staff_id",
                                 "pii", "is_active", "locale")} == {
        "username": "zhangsan", "role": "sales_rep", "scope": None, "effective_scope": "own",
        "staff_id": "U1", "pii": False, "is_active": True, "locale": "zh-CN"}
    assert log_in(client(), "zhangsan", PASSWORD).status_code == 200
    listed = admin.get("/api/v1/users").json()
    assert [u["username"] for u in listed] == ["admin", "zhangsan"]
    [entry] = appdb.audit_log(action="user_created", actor="admin")
    assert (entry.target, entry.ip) == ("zhangsan", "127.0.0.1")


def test_bad_users_are_refused_with_what_to_change(admin):
    unknown_role = admin.post("/api/v1/users", json={"username": "a", "password": PASSWORD,
                                                     "role": "ceo"})
    assert unknown_role.status_code == 400
    assert "unknown role 'ceo'; choose one of: executive" in unknown_role.json()["detail"]
    short = admin.post("/api/v1/users", json={"username": "a", "password": "short"})
    assert short.status_code == 400 and "at least 8 characters" in short.text
    twice = admin.post("/api/v1/users", json={"username": "admin", "password": PASSWORD})
    assert twice.status_code == 400 and "'admin' exists already" in twice.text
    scope = admin.post("/api/v1/users", json={"username": "a", "password": PASSWORD,
                                              "scope": "region"})
    assert scope.status_code == 422
    missing = admin.patch("/api/v1/users/nobody", json={"role": "analyst"})
    assert missing.status_code == 404 and "no RevLens user 'nobody'" in missing.text
    null_role = admin.patch("/api/v1/users/admin", json={"role": None})
    assert null_role.status_code == 400


def test_an_admin_changes_role_scope_and_pii_and_each_change_is_audited(admin, appdb):
    appdb.create_user("li", PASSWORD, role="sales_rep", staff_id="U1")
    got = admin.patch("/api/v1/users/li", json={"role": "sales_manager", "scope": "team",
                                                "pii": True})
    assert got.status_code == 200, got.text
    assert (got.json()["role"], got.json()["effective_scope"], got.json()["pii"]) == (
        "sales_manager", "team", True)
    cleared = admin.patch("/api/v1/users/li", json={"scope": None, "staff_id": None})
    assert (cleared.json()["scope"], cleared.json()["effective_scope"],
            cleared.json()["staff_id"]) == (None, "team", None)
    audit = admin.get("/api/v1/audit", params={"action": "user_updated"}).json()
    assert [(e["actor"], e["target"], e["detail"]) for e in audit] == [
        ("admin", "li", {"before": {"scope": "team", "staff_id": "U1"},
                         "after": {"scope": None, "staff_id": None}}),
        ("admin", "li", {"before": {"role": "sales_rep", "scope": None, "pii": False},
                         "after": {"role": "sales_manager", "scope": "team", "pii": True}})]
    last_admin = admin.patch("/api/v1/users/admin", json={"is_active": False})
    assert last_admin.status_code == 400 and "last active admin" in last_admin.text


def test_deactivating_or_resetting_ends_the_users_sessions(admin, client, appdb):
    appdb.create_user("li", PASSWORD)
    appdb.create_user("wang", PASSWORD)
    li, wang = client(), client()
    log_in(li, "li", PASSWORD)
    log_in(wang, "wang", PASSWORD)
    reset = admin.post("/api/v1/users/li/password", json={"password": "set-by-admin-1"})
    assert reset.json() == {"username": "li", "sessions_ended": 1}
    assert li.get("/api/v1/auth/me").status_code == 401
    assert log_in(client(), "li", "set-by-admin-1").status_code == 200
    off = admin.patch("/api/v1/users/wang", json={"is_active": False})
    assert off.json()["is_active"] is False
    assert wang.get("/api/v1/auth/me").status_code == 401
    actions = [e["action"] for e in admin.get("/api/v1/audit",
                                              params={"actor": "admin", "limit": 2}).json()]
    assert actions == ["user_updated", "password_reset"]


def test_the_audit_log_filters_by_action_actor_and_target(admin, client, appdb):
    appdb.create_user("li", PASSWORD)
    log_in(client(), "li", "wrong-password")
    log_in(client(), "li", PASSWORD)
    failed = admin.get("/api/v1/audit", params={"action": "login_failed"}).json()
    assert [(e["actor"], e["target"], e["ip"]) for e in failed] == [("li", "li", "127.0.0.1")]
    about_li = admin.get("/api/v1/audit", params={"target": "li"}).json()
    assert [e["action"] for e in about_li] == ["login", "login_failed", "user_created"]
    assert len(admin.get("/api/v1/audit", params={"limit": 1}).json()) == 1
    assert admin.get("/api/v1/audit", params={"limit": 0}).status_code == 422
