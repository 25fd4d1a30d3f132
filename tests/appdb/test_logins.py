"""The log-in lock-out on SQLite and PostgreSQL: 5 failures for one user name, or from one
address, within 15 minutes refuse every attempt for 15 minutes — even with the right password
— and say how many seconds are left; each outcome is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from revlens.appdb.logins import LockoutPolicy, authenticate, lock_seconds
from revlens.config import Settings
from revlens.errors import LoginFailed, LoginLocked

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
RIGHT = "long-enough-1"


def _fail(appdb, username: str, ip: str, at: datetime) -> None:
    with pytest.raises(LoginFailed, match="wrong user name or password"):
        authenticate(appdb, username, "not-the-password", ip, now=at)


def test_five_failures_for_a_user_lock_them_out_for_fifteen_minutes(appdb):
    appdb.create_user("li", RIGHT)
    for i in range(5):                                  # 09:00, 09:02, ... 09:08
        _fail(appdb, "li", f"10.0.0.{i}", T0 + 2 * i * MINUTE)
    with pytest.raises(LoginLocked) as locked:          # right password, other address
        authenticate(appdb, "li", RIGHT, "10.9.9.9", now=T0 + 10 * MINUTE)
    # locked from the 5th failure (09:08) until 09:23: 13 minutes left at 09:10
    assert locked.value.retry_after == 13 * 60
    assert "try again in 780 seconds" in str(locked.value)
    assert lock_seconds(appdb, "li", now=T0 + 23 * MINUTE - timedelta(seconds=1)) == 1
    assert authenticate(appdb, "li", RIGHT, "10.9.9.9", now=T0 + 23 * MINUTE).username == "li"


def test_failures_spread_wider_than_the_window_do_not_lock(appdb):
    appdb.create_user("li", RIGHT)
    for i in range(5):                                  # every 4 minutes: 16 minutes apart
        _fail(appdb, "li", "10.0.0.1", T0 + 4 * i * MINUTE)
    assert lock_seconds(appdb, "li", "10.0.0.1", now=T0 + 16 * MINUTE) == 0
    _fail(appdb, "li", "10.0.0.1", T0 + 17 * MINUTE)    # 4, 8, 12, 16, 17: five in 13 min
    assert lock_seconds(appdb, "li", now=T0 + 17 * MINUTE) == 15 * 60


def test_five_failures_from_one_address_lock_that_address_for_every_user(appdb):
    appdb.create_user("li", RIGHT)
    for i, name in enumerate(["a", "b", "c", "d", "e"]):   # guessing user names
        _fail(appdb, name, "203.0.113.5", T0 + i * MINUTE)
    with pytest.raises(LoginLocked):
        authenticate(appdb, "li", RIGHT, "203.0.113.5", now=T0 + 5 * MINUTE)
    # li from her own address is not locked: her name has no failures
    assert authenticate(appdb, "li", RIGHT, "10.0.0.7", now=T0 + 5 * MINUTE).username == "li"


def test_a_successful_log_in_clears_the_names_count(appdb):
    appdb.create_user("li", RIGHT)
    for i in range(4):
        _fail(appdb, "li", f"10.0.0.{i}", T0 + i * MINUTE)
    authenticate(appdb, "li", RIGHT, "10.0.0.9", now=T0 + 5 * MINUTE)
    _fail(appdb, "li", "10.0.0.8", T0 + 6 * MINUTE)     # 5 failures in 6 minutes, but 4 before
    assert lock_seconds(appdb, "li", now=T0 + 6 * MINUTE) == 0


def test_refused_attempts_do_not_extend_the_lock(appdb):
    appdb.create_user("li", RIGHT)
    for i in range(5):
        _fail(appdb, "li", "10.0.0.1", T0 + i * MINUTE)   # locked 09:04 - 09:19
    for i in range(5, 19):
        with pytest.raises(LoginLocked):
            authenticate(appdb, "li", "not-the-password", "10.0.0.1", now=T0 + i * MINUTE)
    assert authenticate(appdb, "li", RIGHT, "10.0.0.1", now=T0 + 19 * MINUTE)


def test_the_policy_comes_from_the_settings(appdb, tmp_path):
    settings = Settings(workspace=tmp_path, login_max_failures=2, login_window_minutes=1,
                        login_lockout_minutes=60)
    policy = LockoutPolicy.from_settings(settings)
    appdb.create_user("li", RIGHT)
    for at in (T0, T0 + MINUTE / 2):                    # two failures 30 seconds apart
        with pytest.raises(LoginFailed):
            authenticate(appdb, "li", "nope-nope", "10.0.0.1", policy, at)
    # locked for 60 minutes from 09:00:30: 59 minutes 30 seconds left at 09:01
    assert lock_seconds(appdb, "li", None, policy, now=T0 + MINUTE) == 59 * 60 + 30


def test_each_outcome_is_audited(appdb):
    appdb.create_user("li", RIGHT)
    authenticate(appdb, "li", RIGHT, "10.0.0.1", now=T0)
    for i in range(5):
        _fail(appdb, "li", "10.0.0.2", T0 + (i + 1) * MINUTE)
    with pytest.raises(LoginLocked):
        authenticate(appdb, "li", RIGHT, "10.0.0.3", now=T0 + 7 * MINUTE)
    log = appdb.audit_log(actor="li")               # (user_created is by "system")
    assert [(e.action, e.target, e.ip) for e in log] == [
        ("login_locked", "li", "10.0.0.3"), *[("login_failed", "li", "10.0.0.2")] * 5,
        ("login", "li", "10.0.0.1")]
    assert log[0].detail == {"retry_after": 13 * 60}
    assert len(appdb.audit_log(action="login_failed")) == 5
