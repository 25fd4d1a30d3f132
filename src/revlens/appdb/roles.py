"""Roles, scope levels and UI languages a user can have, and the checks every create and update
goes through.

A role says what a person does; it decides their default row-level scope
(`revlens.metrics.scope.DEFAULT_LEVEL`, which has exactly these keys), which pages they see
first and whether they may change shared definitions. Only `admin` manages users and reads the
audit log. What a user may see can be narrowed or widened per user with `scope` (own, team,
all) and `pii` (personal data unmasked).
"""

from __future__ import annotations

from revlens.errors import AccountError, UnknownRole

ROLES = ("executive", "marketing_manager", "marketing", "sdr_manager", "sdr", "sales_manager",
         "sales_rep", "analyst", "admin")
ROLE_LABELS = {
    "executive": ("Executive", "管理层"),
    "marketing_manager": ("Marketing manager", "市场经理"),
    "marketing": ("Marketer", "市场专员"),
    "sdr_manager": ("SDR manager", "SDR 经理"),
    "sdr": ("SDR", "SDR"),
    "sales_manager": ("Sales manager", "销售经理"),
    "sales_rep": ("Sales rep", "销售代表"),
    "analyst": ("Data analyst", "数据分析师"),
    "admin": ("Administrator", "管理员"),
}
"""role -> (English label, Chinese label)."""
SCOPES = ("own", "team", "all")
LOCALES = ("zh-CN", "en")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UnknownRole(role, ROLES)
    return role


def check_scope(scope: str | None) -> str | None:
    """None (the role's default) or one of SCOPES."""
    if scope not in (None, *SCOPES):
        raise AccountError(f"scope must be own, team or all (or empty for the role's "
                           f"default), not {scope!r}")
    return scope


def check_locale(locale: str | None) -> str | None:
    """None (the workspace's default language) or one of LOCALES."""
    if locale not in (None, *LOCALES):
        raise AccountError(f"language must be zh-CN or en, not {locale!r}")
    return locale


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"a password may have at most {MAX_PASSWORD} characters")
    return password


def check_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 100 or any(c.isspace() or not c.isprintable() for c in name):
        raise AccountError(f"a user name needs 1 to 100 characters without spaces, not "
                           f"{username!r}")
    return name
