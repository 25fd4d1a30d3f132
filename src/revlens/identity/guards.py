"""What keeps the identity graph from over-merging: normalised values, blocked values and
per-person limits, each configurable per identifier type (`IdentityConfig`).

* **Blocked values** never join anything: placeholder phones (`13800000000`, all one digit,
  `12345678901`-style runs), test and role mailboxes (`test@test.com`, `info@...`, `sales@...`),
  and any value the workspace lists. A blocked identifier is recorded in `identity_rejections`
  with its reason.
* **Limits**: a person holds at most `limits[type]` distinct values of a type (5 e-mails, 5
  phones by default); an edge that would break a limit is dropped and recorded with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from revlens.contract.values import _PHONE_RULES, _PHONE_SEPARATORS

IDENTIFIER_TYPES = ("anonymous_id", "email", "phone", "wechat_openid", "wechat_unionid",
                    "contact_id", "lead_id")
"""Every identifier type of a person, in anchor priority: a record's edges go from its first."""

ROLE_MAILBOXES = ("info", "sales", "admin", "support", "service", "contact", "hr", "marketing",
                  "noreply", "no-reply", "webmaster", "office", "test", "kefu", "postmaster")
"""Local parts of shared mailboxes: a person is never identified by one."""

BLOCKED_VALUES = {
    "email": ("test@test.com", "test@example.com", "a@a.com", "xxx@xxx.com", "123@qq.com",
              "none@none.com", "null@null.com"),
    "phone": ("+8613800000000", "+8613888888888", "+8613900000000", "+8612345678901",
              "+8613800138000", "+8610000000000"),
}
"""Well-known placeholder values, normalised."""


@dataclass(frozen=True)
class IdentityConfig:
    """Guards per identifier type; `blocked` adds to BLOCKED_VALUES, `limits` to LIMITS."""

    blocked: dict[str, tuple[str, ...]] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=lambda: {"email": 5, "phone": 5})
    block_role_mailboxes: bool = True

    def blocked_values(self, kind: str) -> set[str]:
        extra = {normalise(kind, v) for v in self.blocked.get(kind, ())}
        return {*BLOCKED_VALUES.get(kind, ()), *extra}


_REPEATED = re.compile(r"^\+?[0-9]*(?:" + "|".join(f"{d}{{8}}" for d in "0123456789") + ")$")
"""Eight or more of one digit at the end. Written without a back-reference, in ASCII digits,
so that DuckDB's (RE2) and Spark's (Java) regular expressions read it as Python does."""
_RUN = re.compile(r"(?:0123456789|123456789|987654321)")


def normalise(kind: str, value: str) -> str:
    """The value as the identity graph compares it: e-mails lower-cased, phones in E.164 (as
    the import stores them; a configured `13800000000` means `+8613800000000`), all trimmed."""
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone" and not value.startswith("+"):
        return e164(value) or value
    return value


def e164(value: str) -> str | None:
    """A phone number in E.164 by the import's own rules (None: not a phone number)."""
    arr = pa.array([value])
    compact = pc.replace_substring_regex(arr, _PHONE_SEPARATORS, "")
    for pattern, rewrite in _PHONE_RULES:
        if pc.match_substring_regex(compact, pattern)[0].as_py():
            return pc.replace_substring_regex(compact, pattern, rewrite)[0].as_py()
    return None


def blocked_reason(kind: str, value: str, config: IdentityConfig) -> str | None:
    """Why `value` (normalised) must not join persons, or None."""
    if not value:
        return "empty"
    if value in config.blocked_values(kind):
        return f"blocked {kind} (a placeholder value)"
    if kind == "phone":
        digits = value.lstrip("+")
        if _REPEATED.match(value) or _RUN.search(digits):
            return "blocked phone (repeated or sequential digits)"
    if kind == "email" and config.block_role_mailboxes:
        local = value.split("@", 1)[0]
        if local in ROLE_MAILBOXES:
            return f"blocked e-mail (the shared mailbox {local}@)"
    return None


def blocked_reason_expr(kind: ibis.StringValue, value: ibis.StringValue,
                        config: IdentityConfig) -> ibis.StringValue:
    """`blocked_reason` as an expression over a column of kinds and one of normalised values
    (for the graph built in the warehouse): the same checks in the same order, the same
    reasons; null where the value may join persons."""
    listed = ibis.literal(False)
    for k in sorted({*BLOCKED_VALUES, *config.blocked}):
        if values := sorted(config.blocked_values(k)):
            listed |= (kind == k) & value.isin(values)
    local = value.re_extract(r"^([^@]*)", 1)
    cases = [
        (value == "", ibis.literal("empty")),
        (listed, "blocked " + kind + " (a placeholder value)"),
        ((kind == "phone") & (value.re_search(_REPEATED.pattern)
                              | value.re_search(_RUN.pattern)),
         ibis.literal("blocked phone (repeated or sequential digits)")),
    ]
    if config.block_role_mailboxes:
        cases.append(((kind == "email") & local.isin(ROLE_MAILBOXES),
                      "blocked e-mail (the shared mailbox " + local + "@)"))
    return ibis.cases(*cases, else_=ibis.null("string"))


def blocked_reasons(kinds, values, config: IdentityConfig):
    """`blocked_reason` for many identifiers at once (parallel arrays of kinds and values);
    returns an object array, None where not blocked. The cheap tests run in Arrow over every
    value; only the values they catch are checked one by one, for the reason's text."""
    import numpy as np

    kinds = pa.array(kinds, pa.string()) if not isinstance(kinds, pa.Array) else kinds
    values = pa.array(values, pa.string()) if not isinstance(values, pa.Array) else values
    values = pc.fill_null(values, "")
    candidate = np.asarray(pc.equal(values, ""))
    for kind in ("email", "phone"):
        listed = pc.is_in(values, value_set=pa.array(sorted(config.blocked_values(kind)),
                                                     pa.string()))
        candidate |= np.asarray(pc.and_(pc.equal(kinds, kind), listed))
    phone = np.flatnonzero(np.asarray(pc.equal(kinds, "phone")))
    if len(phone):
        phones = values.take(pa.array(phone))
        hits = pc.or_(pc.match_substring_regex(phones, _REPEATED.pattern),
                      pc.match_substring_regex(phones, _RUN.pattern))
        candidate[phone[np.asarray(hits)]] = True
    email = np.flatnonzero(np.asarray(pc.equal(kinds, "email")))
    if len(email) and config.block_role_mailboxes:
        local = pc.list_element(pc.split_pattern(values.take(pa.array(email)), "@",
                                                 max_splits=1), 0)
        role = pc.is_in(local, value_set=pa.array(ROLE_MAILBOXES, pa.string()))
        candidate[email[np.asarray(role)]] = True
    out = np.full(len(kinds), None, dtype=object)
    for i in np.flatnonzero(candidate):
        out[i] = blocked_reason(kinds[i].as_py(), values[i].as_py(), config)
    return out
