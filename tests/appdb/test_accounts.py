"""Users: roles, scopes and languages are checked; every change is audited with the values
before and after; the last active admin stays."""

from __future__ import annotations

import pytest

from revlens.appdb.roles import ROLES
from revlens.errors import AccountError, UnknownRole, UnknownUser
from revlens.metrics.scope import DEFAULT_LEVEL


def test_every_role_has_a_default_scope_and_nothing_else_does():
    assert set(DEFAULT_LEVEL) == set(ROLES)
    assert DEFAULT_LEVEL["sales_rep"] == "own" and DEFAULT_LEVEL["sdr"] == "own"
    assert DEFAULT_LEVEL["sales_manager"] == "team" and DEFAULT_LEVEL["sdr_manager"] == "team"


def test_an_unknown_role_is_refused_with_the_valid_ones(appdb):
    with pytest.raises(UnknownRole) as refused:
        appdb.create_user("li", "long-enough-1", role="salesrep")
    assert str(refused.value) == (
        "unknown role 'salesrep'; choose one of: executive, marketing_manager, marketing, "
        "sdr_manager, sdr, sales_manager, sales_rep, analyst, admin")
    appdb.create_user("li", "long-enough-1", role="sales_rep")
    with pytest.raises(UnknownRole, match="choose one of"):
        appdb.update_user("li", by="admin", role="boss")
    with pytest.raises(AccountError, match="scope must be own, team or all"):
        appdb.update_user("li", by="admin", scope="region")
    with pytest.raises(AccountError, match="language must be zh-CN or en"):
        appdb.create_user("wang", "long-enough-1", locale="fr")
    with pytest.raises(AccountError, match="cannot change password_hash"):
        appdb.update_user("li", by="admin", password_hash="x")
    with pytest.raises(UnknownUser, match="`revlens users list`"):
        appdb.update_user("nobody", by="admin", role="analyst")
    assert appdb.user("li").role == "sales_rep"


def test_a_change_is_audited_with_before_and_after(appdb):
    appdb.create_user("li", "long-enough-1", role="sales_rep", staff_id="U1", by="admin",
                      ip="10.0.0.1")
    appdb.update_user("li", by="admin", ip="10.0.0.1", role="sales_manager", scope="team",
                      pii=True)
    appdb.update_user("li", by="admin", role="sales_manager")           # no change: no entry
    appdb.update_user("li", by="li", locale="en")                       # a preference only
    created, updated = reversed(appdb.audit_log(actor="admin"))
    assert (created.action, created.target, created.ip) == ("user_created", "li", "10.0.0.1")
    assert created.detail == {"role": "sales_rep", "scope": None, "staff_id": "U1",
                              "pii": False, "display_name": "li"}
    assert (updated.action, updated.target) == ("user_updated", "li")
    assert updated.detail == {"before": {"role": "sales_rep", "scope": None, "pii": False},
                              "after": {"role": "sales_manager", "scope": "team", "pii": True}}
    assert appdb.audit_log(actor="li") == []
    user = appdb.user("li")
    assert (user.role, user.scope, user.pii, user.locale) == ("sales_manager", "team", True,
                                                              "en")


def test_deactivating_is_audited_with_the_sessions_it_ended(appdb):
    appdb.create_user("li", "long-enough-1")
    appdb.start_session("li")
    appdb.start_session("li")
    appdb.update_user("li", by="admin", is_active=False)
    [entry] = appdb.audit_log(action="user_updated")
    assert entry.detail == {"before": {"is_active": True}, "after": {"is_active": False},
                            "sessions_ended": 2}
    assert appdb.verify_password("li", "long-enough-1") is None


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(appdb):
    appdb.create_user("root", "long-enough-1", role="admin")
    with pytest.raises(AccountError, match="root is the last active admin"):
        appdb.update_user("root", by="root", role="analyst")
    with pytest.raises(AccountError, match="make another user admin first"):
        appdb.update_user("root", by="root", is_active=False)
    appdb.create_user("boss", "long-enough-1", role="admin")
    appdb.update_user("root", by="boss", role="analyst")
    assert appdb.user("root").role == "analyst"


def test_password_changes_and_resets_are_audited(appdb):
    appdb.create_user("li", "long-enough-1")
    with pytest.raises(AccountError, match="current password is not right"):
        appdb.change_password("li", "wrong-password", "even-longer-2")
    with pytest.raises(AccountError, match="at least 8 characters"):
        appdb.change_password("li", "long-enough-1", "short")
    appdb.change_password("li", "long-enough-1", "even-longer-2", ip="10.0.0.1")
    appdb.reset_password("li", "reset-by-admin-3", by="admin", ip="10.0.0.2")
    actions = [(e.actor, e.action, e.target, e.ip) for e in appdb.audit_log()[:3]]
    assert actions == [("admin", "password_reset", "li", "10.0.0.2"),
                       ("li", "password_changed", "li", "10.0.0.1"),
                       ("li", "login_failed", "li", None)]     # the wrong current password
    assert appdb.verify_password("li", "reset-by-admin-3") is not None
