"""Users: the admin made by `init`, argon2 password hashes, password checks."""

from __future__ import annotations

import pytest

from revlens.errors import RevLensError
from revlens.workspace import Workspace


def test_init_creates_an_admin_with_an_argon2_hash(empty_db_url, tmp_path):
    overrides = {} if empty_db_url.startswith("sqlite") else {"app_db_url": empty_db_url}
    result = Workspace.init(tmp_path / "ws", admin_password="correct-horse-42", **overrides)
    assert result.created and result.admin_password is None     # given, so not echoed
    with Workspace.open(tmp_path / "ws", **overrides) as ws:
        [admin] = ws.appdb.users()
        assert (admin.username, admin.role, admin.is_active) == ("admin", "admin", True)
        assert admin.password_hash.startswith("$argon2")
        assert "correct-horse-42" not in admin.password_hash
        assert ws.appdb.verify_password("admin", "correct-horse-42").username == "admin"
        assert ws.appdb.verify_password("admin", "correct-horse-43") is None
        assert ws.appdb.verify_password("nobody", "correct-horse-42") is None


def test_init_again_keeps_the_admin_and_its_password(tmp_path):
    first = Workspace.init(tmp_path / "ws")                     # password generated
    assert first.admin_password and len(first.admin_password) >= 12
    second = Workspace.init(tmp_path / "ws", admin_password="another-password")
    assert (second.created, second.admin_password) == (False, None)
    with Workspace.open(tmp_path / "ws") as ws:
        assert len(ws.appdb.users()) == 1
        assert ws.appdb.verify_password("admin", first.admin_password) is not None
        assert ws.appdb.verify_password("admin", "another-password") is None


def test_create_user_refuses_short_passwords_and_duplicates(appdb):
    user = appdb.create_user("li.na", "long-enough-1", display_name="李娜")
    assert (user.role, user.display_name) == ("analyst", "李娜")
    assert user.password_hash.startswith("$argon2id$")
    with pytest.raises(RevLensError, match="at least 8 characters"):
        appdb.create_user("wang", "short")
    with pytest.raises(RevLensError, match="'li.na' exists already"):
        appdb.create_user("li.na", "another-one-2")
    assert [u.username for u in appdb.users()] == ["li.na"]


def test_an_inactive_user_cannot_log_in(appdb):
    appdb.create_user("zhao", "long-enough-1")
    with appdb.session() as session:
        from revlens.appdb.models import User
        session.query(User).filter_by(username="zhao").one().is_active = False
    assert appdb.verify_password("zhao", "long-enough-1") is None
