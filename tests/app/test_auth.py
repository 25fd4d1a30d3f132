"""Logging in to the served app, on SQLite and PostgreSQL app databases: the session cookie,
log-out, idle sessions, the log-in form's redirects, the lock-out over HTTP (JSON, form and
HTTP Basic) and changing your own password and language. Time passes by moving stored
timestamps back."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from revlens.appdb import AppDB
from revlens.appdb.audit import as_utc
from revlens.appdb.models import LoginAttempt, WebSession
from tests.app.conftest import log_in
from tests.conftest import ADMIN_PASSWORD

PASSWORD = "long-enough-1"


@pytest.fixture
def appdb(settings):
    db = AppDB(settings.app_db_url)
    db.create_user("li", PASSWORD, role="sales_rep", staff_id="U1", display_name="李娜")
    yield db
    db.close()


def move_back(db: AppDB, model, column: str, delta: timedelta) -> None:
    """Every stored `column` of `model` moved `delta` into the past."""
    with db.session() as s:
        for row in s.scalars(select(model)):
            setattr(row, column, as_utc(getattr(row, column)) - delta)


def test_log_in_sets_an_http_only_cookie_and_the_api_knows_you(client, appdb):
    c = client()
    got = log_in(c, "li", PASSWORD)
    assert got.status_code == 200, got.text
    assert got.json() == {"username": "li", "display_name": "李娜", "role": "sales_rep",
                          "locale": None}
    cookie = got.headers["set-cookie"]
    assert cookie.startswith("revlens_session=")
    for flag in ("HttpOnly", "SameSite=lax", "Path=/", "Max-Age=604800"):
        assert flag in cookie
    assert "Secure" not in cookie                      # session_cookie_secure is off
    me = c.get("/api/v1/auth/me")
    assert me.json() == {"username": "li", "display_name": "李娜", "role": "sales_rep",
                         "locale": None, "scope": "own", "staff_id": "U1", "pii": False}
    [entry] = appdb.audit_log(action="login")
    assert (entry.actor, entry.ip) == ("li", "127.0.0.1")


def test_without_a_login_the_api_answers_401(client, appdb):
    c = client()
    anonymous = c.get("/api/v1/auth/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Basic realm="RevLens"'
    wrong = c.get("/api/v1/auth/me", auth=("li", "not-the-password"))
    assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong user name or password"
    c.cookies.set("revlens_session", "made-up-token")
    stale = c.get("/api/v1/auth/me")
    # a browser whose session ended gets no password dialog: no challenge
    assert stale.status_code == 401 and "www-authenticate" not in stale.headers
    assert stale.json()["detail"] == "your session has ended; log in again"


def test_http_basic_works_and_is_not_logged_as_a_log_in(client, appdb):
    me = client().get("/api/v1/auth/me", auth=("admin", ADMIN_PASSWORD))
    assert me.status_code == 200 and me.json()["role"] == "admin"
    assert appdb.audit_log(action="login") == []


def test_log_out_ends_the_session_and_clears_the_cookie(client, appdb):
    c = client()
    log_in(c, "li", PASSWORD)
    token = c.cookies["revlens_session"]
    out = c.get("/auth/logout")
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert 'revlens_session=""' in out.headers["set-cookie"]
    assert "revlens_session" not in c.cookies
    again = client()
    again.cookies.set("revlens_session", token)           # the old token, kept by a thief
    assert again.get("/api/v1/auth/me").status_code == 401
    [entry] = appdb.audit_log(action="logout")
    assert (entry.actor, entry.target) == ("li", "li")
    assert c.post("/auth/logout").status_code == 303      # POST too, and twice is harmless


def test_a_session_idle_for_eight_hours_has_ended(client, appdb):
    c = client()
    log_in(c, "li", PASSWORD)
    move_back(appdb, WebSession, "last_seen_at", timedelta(hours=7, minutes=59))
    assert c.get("/api/v1/auth/me").status_code == 200       # and that use restarts the count
    move_back(appdb, WebSession, "last_seen_at", timedelta(hours=8))
    assert c.get("/api/v1/auth/me").status_code == 401


def test_the_form_log_in_goes_back_only_to_this_site(client, appdb):
    c = client()
    form = {"username": "li", "password": PASSWORD}
    ok = c.post("/auth/login", data={**form, "next": "/d/sales?period=2026-03"})
    assert (ok.status_code, ok.headers["location"]) == (303, "/d/sales?period=2026-03")
    assert c.get("/api/v1/auth/me").status_code == 200
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example", ""):
        got = client().post("/auth/login", data={**form, "next": elsewhere})
        assert got.headers["location"] == "/", elsewhere
    wrong = client().post("/auth/login", data={"username": "li", "password": "nope-nope",
                                               "next": "/leads"})
    target = urlsplit(wrong.headers["location"])
    assert (wrong.status_code, target.path) == (303, "/login")
    assert parse_qs(target.query) == {"error": ["login_failed"], "next": ["/leads"]}
    assert "set-cookie" not in wrong.headers


def test_five_failures_lock_the_user_out_of_every_way_in(client, appdb):
    c = client()
    for _ in range(5):
        assert log_in(c, "li", "not-the-password").status_code == 401
    refused = log_in(c, "li", PASSWORD)                     # the right password
    assert refused.status_code == 429
    assert 895 <= int(refused.headers["retry-after"]) <= 900
    assert "too many failed log-ins (5 within 15 minutes)" in refused.json()["detail"]
    basic = client().get("/api/v1/auth/me", auth=("li", PASSWORD))
    assert basic.status_code == 429 and "retry-after" in basic.headers
    form = client().post("/auth/login", data={"username": "li", "password": PASSWORD,
                                              "next": "/"})
    query = parse_qs(urlsplit(form.headers["location"]).query)
    assert query["error"] == ["login_locked"] and 895 <= int(query["retry_after"][0]) <= 900
    assert len(appdb.audit_log(action="login_locked")) == 3
    move_back(appdb, LoginAttempt, "at", timedelta(minutes=15))
    assert log_in(c, "li", PASSWORD).status_code == 200


def test_http_basic_failures_count_towards_the_lock_out(client, appdb):
    c = client()
    for _ in range(5):
        assert c.get("/api/v1/auth/me", auth=("li", "guess-guess")).status_code == 401
    assert log_in(c, "li", PASSWORD).status_code == 429


def test_changing_your_password_ends_your_other_sessions(client, appdb):
    here, there = client(), client()
    log_in(here, "li", PASSWORD)
    log_in(there, "li", PASSWORD)
    wrong = here.post("/api/v1/auth/password", json={"old_password": "nope-nope-nope",
                                                     "new_password": "even-longer-2"})
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    short = here.post("/api/v1/auth/password", json={"old_password": PASSWORD,
                                                     "new_password": "short"})
    assert short.status_code == 400 and "at least 8 characters" in short.text
    done = here.post("/api/v1/auth/password", json={"old_password": PASSWORD,
                                                    "new_password": "even-longer-2"})
    assert done.json() == {"username": "li", "sessions_ended": 1}
    assert here.get("/api/v1/auth/me").status_code == 200
    assert there.get("/api/v1/auth/me").status_code == 401
    assert log_in(client(), "li", "even-longer-2").status_code == 200
    [entry] = appdb.audit_log(action="password_changed")
    assert (entry.actor, entry.detail) == ("li", {"sessions_ended": 1})


def test_you_choose_your_language(client, appdb):
    c = client()
    log_in(c, "li", PASSWORD)
    assert c.patch("/api/v1/auth/me", json={"locale": "en"}).json()["locale"] == "en"
    assert c.patch("/api/v1/auth/me", json={"locale": "fr"}).status_code == 422
    assert log_in(client(), "li", PASSWORD).json()["locale"] == "en"
    assert c.patch("/api/v1/auth/me", json={"locale": None}).json()["locale"] is None


def test_a_deactivated_users_session_ends_at_once(client, appdb):
    c = client()
    log_in(c, "li", PASSWORD)
    appdb.update_user("li", by="admin", is_active=False)
    assert c.get("/api/v1/auth/me").status_code == 401
    assert log_in(client(), "li", PASSWORD).status_code == 401


def test_the_secure_flag_follows_the_setting(settings, appdb):
    from tests.app.conftest import api_app
    from tests.http_server import served

    secure = settings.model_copy(update={"session_cookie_secure": True})
    with served(api_app(lambda: secure)) as url, httpx.Client(base_url=url) as c:
        assert "Secure" in log_in(c, "li", PASSWORD).headers["set-cookie"]
