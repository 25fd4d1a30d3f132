"""Web sessions on SQLite and PostgreSQL: only the token's hash is stored; a session ends when
it is idle for 8 hours, 7 days after the log-in, at log-out, and when the password changes or
the user is deactivated. The clock is set through `now`, never by sleeping."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from revlens.appdb.sessions import (
    SessionPolicy,
    end_session,
    live_sessions,
    session_user,
    start_session,
)
from revlens.config import Settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_only_the_tokens_hash_is_stored(appdb):
    appdb.create_user("li", "long-enough-1", role="sales_rep")
    token = start_session(appdb, "li", "10.0.0.7", "Firefox", now=T0)
    assert len(token) >= 43                      # 32 random bytes, URL-safe base64
    with appdb.engine.connect() as con:
        stored = con.execute(text("SELECT token_hash, ip, user_agent FROM web_sessions")).all()
    assert [tuple(r) for r in stored] == [
        (hashlib.sha256(token.encode()).hexdigest(), "10.0.0.7", "Firefox")]
    assert session_user(appdb, token, now=T0).username == "li"
    assert session_user(appdb, token + "x", now=T0) is None
    assert session_user(appdb, "", now=T0) is None


def test_idle_for_eight_hours_ends_a_session_and_each_use_restarts_the_count(appdb):
    appdb.create_user("li", "long-enough-1")
    token = start_session(appdb, "li", now=T0)
    # used at 7 h: the idle count starts again, so at 14 h (7 h idle) it still lives
    assert session_user(appdb, token, now=T0 + 7 * HOUR) is not None
    assert session_user(appdb, token, now=T0 + 14 * HOUR) is not None
    # 8 hours after the last use (14 h) it has ended
    assert session_user(appdb, token, now=T0 + 22 * HOUR) is None


def test_a_session_ends_seven_days_after_log_in_however_busy(appdb):
    appdb.create_user("li", "long-enough-1")
    token = start_session(appdb, "li", now=T0)
    for k in range(1, 28):                # used every 6 hours until 6 days 18 hours
        assert session_user(appdb, token, now=T0 + k * 6 * HOUR) is not None
    # 6 hours after the last use (not idle for 8), but 7 days after the log-in
    assert session_user(appdb, token, now=T0 + timedelta(days=7)) is None


def test_the_lifetimes_come_from_the_settings(appdb, tmp_path):
    settings = Settings(workspace=tmp_path, session_idle_minutes=30, session_max_days=1)
    policy = SessionPolicy.from_settings(settings)
    assert (policy.idle, policy.lifetime) == (timedelta(minutes=30), timedelta(days=1))
    appdb.create_user("li", "long-enough-1")
    token = start_session(appdb, "li", policy=policy, now=T0)
    assert session_user(appdb, token, policy, now=T0 + timedelta(minutes=29)) is not None
    assert session_user(appdb, token, policy, now=T0 + timedelta(minutes=60)) is None


def test_log_out_ends_only_that_session(appdb):
    appdb.create_user("li", "long-enough-1")
    laptop = start_session(appdb, "li", now=T0)
    phone = start_session(appdb, "li", now=T0)
    assert end_session(appdb, laptop, now=T0 + HOUR).username == "li"
    assert end_session(appdb, laptop, now=T0 + HOUR) is None          # already ended
    assert session_user(appdb, laptop, now=T0 + HOUR) is None
    assert session_user(appdb, phone, now=T0 + HOUR).username == "li"
    assert len(live_sessions(appdb, "li", now=T0 + HOUR)) == 1


def test_changing_the_password_ends_the_other_sessions(appdb):
    appdb.create_user("li", "long-enough-1")
    here = start_session(appdb, "li")
    elsewhere = start_session(appdb, "li")
    assert appdb.change_password("li", "long-enough-1", "even-longer-2", keep_token=here) == 1
    assert appdb.session_user(here).username == "li"
    assert appdb.session_user(elsewhere) is None
    assert appdb.verify_password("li", "even-longer-2") is not None
    assert appdb.user("li").password_changed_at is not None


def test_a_reset_by_an_admin_or_deactivation_ends_every_session(appdb):
    appdb.create_user("li", "long-enough-1")
    appdb.create_user("wang", "long-enough-1")
    first, second = start_session(appdb, "li"), start_session(appdb, "li")
    assert appdb.reset_password("li", "reset-by-admin-3", by="admin") == 2
    assert appdb.session_user(first) is None and appdb.session_user(second) is None
    token = start_session(appdb, "wang")
    appdb.update_user("wang", by="admin", is_active=False)
    assert appdb.session_user(token) is None
    appdb.update_user("wang", by="admin", is_active=True)
    assert appdb.session_user(token) is None          # ended, not merely suspended
