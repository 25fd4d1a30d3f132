"""Row-level scope: which owners' records a person may see.

A scope is `all` (no restriction) or a set of staff ids (`users.user_id` in the warehouse). It is
applied by the metric compiler to every base model through the model's `owner_id` column, so
every metric, drill-down and export sees the same rows; no caller can forget it.

Levels, from the person's staff id:
- `own`: their own records;
- `team`: the records of everyone in their team (`users.team`) and of everyone who reports to
  them through `users.manager_id`, at any depth;
- `all`: everything.

The default level follows the role: reps and SDRs `own`, managers `team`, everyone else `all`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from revlens.warehouse import Warehouse

Level = Literal["own", "team", "all"]
DEFAULT_LEVEL: dict[str, Level] = {"sales_rep": "own", "sdr": "own", "sales_manager": "team",
                                   "sdr_manager": "team", "marketing_manager": "all",
                                   "marketing": "all", "executive": "all", "analyst": "all",
                                   "admin": "all"}


class Scope(BaseModel, frozen=True):
    """`owner_ids=None` sees everything; otherwise only records owned by these staff ids."""

    level: Level = "all"
    staff_id: str | None = None
    owner_ids: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @property
    def restricted(self) -> bool:
        return self.owner_ids is not None

    def describe(self) -> str:
        if not self.restricted:
            return "all records"
        return f"{self.level} records of {self.staff_id} ({len(self.owner_ids)} owners)"


def level_for(role: str, chosen: str | None = None) -> Level:
    if chosen in ("own", "team", "all"):
        return chosen  # type: ignore[return-value]
    return DEFAULT_LEVEL.get(role, "own")


def resolve_scope(wh: Warehouse, staff_id: str | None, level: Level) -> Scope:
    """The scope of staff member `staff_id` at `level`. A restricted level without a staff id
    sees nothing (an app user not linked to a staff record)."""
    if level == "all":
        return Scope.everything()
    if not staff_id:
        return Scope(level=level, staff_id=None, owner_ids=frozenset())
    if level == "own":
        return Scope(level=level, staff_id=staff_id, owner_ids=frozenset({staff_id}))
    users = wh.table("users")
    rows = wh.to_arrow(users.select("user_id", "team", "manager_id")).to_pylist()
    team = next((r["team"] for r in rows if r["user_id"] == staff_id), None)
    members = {staff_id} | {r["user_id"] for r in rows if team and r["team"] == team}
    reports: dict[str, list[str]] = {}
    for r in rows:
        if r["manager_id"]:
            reports.setdefault(r["manager_id"], []).append(r["user_id"])
    seen, stack = {staff_id}, [staff_id]
    while stack:
        for report in reports.get(stack.pop(), []):
            if report not in seen:
                seen.add(report)
                stack.append(report)
    members |= seen
    return Scope(level=level, staff_id=staff_id, owner_ids=frozenset(members))


def scope_of_user(wh: Warehouse, user: object) -> Scope:
    """The scope of an app user (`revlens.appdb.models.User`): their staff record at their
    chosen level, else their role's default level."""
    level = level_for(getattr(user, "role", ""), getattr(user, "scope", None))
    staff_id = getattr(user, "staff_id", None)
    if level == "team" and staff_id:       # read from the staff records: kept like results
        from revlens.metrics.cache import cached

        return cached(wh, "metrics.scope", (staff_id, level),
                      lambda: resolve_scope(wh, staff_id, level))
    return resolve_scope(wh, staff_id, level)
