"""Log-ins for trying the demo in each role: one app user per role, linked to a staff member of
the demo company, so that each sees what that person would (the executive everything, the
sales manager their team, the rep their own deals)."""

from __future__ import annotations

import secrets

from pydantic import BaseModel

from revlens.workspace import Workspace

DEMO_LOGINS = (("ceo", "executive"), ("marketing", "marketing_manager"),
               ("sdr_lead", "sdr_manager"), ("sales_lead", "sales_manager"),
               ("rep", "sales_rep"), ("sdr", "sdr"))
"""(user name, role): the staff member is the demo company's first of that role (the rep: the
one who owns the most opportunities)."""


class DemoLogin(BaseModel):
    username: str
    role: str
    staff_id: str
    staff_name: str


def create_demo_logins(ws: Workspace, password: str | None = None
                       ) -> tuple[list[DemoLogin], str]:
    """The demo's log-ins (created when missing) and their shared password (new: generated;
    users that exist keep theirs)."""
    password = password or secrets.token_urlsafe(9)
    wh = ws.warehouse
    staff = wh.to_arrow(wh.table("users").select("user_id", "name", "role", "manager_id")
                        .order_by("user_id")).to_pylist()
    opps = wh.table("opportunities")
    owners = {r["owner_id"]: r["n"] for r in wh.to_arrow(
        opps.group_by("owner_id").aggregate(n=opps.count())).to_pylist()}
    made = []
    for username, role in DEMO_LOGINS:
        people = [s for s in staff if s["role"] == role]
        if role == "sales_rep":
            people.sort(key=lambda s: (-owners.get(s["user_id"], 0), s["user_id"]))
        if not people:
            continue
        person = people[0]
        if ws.appdb.user(username) is None:
            ws.appdb.create_user(username, password, role=role, display_name=person["name"],
                                 staff_id=person["user_id"], by="demo")
        made.append(DemoLogin(username=username, role=role, staff_id=person["user_id"],
                              staff_name=person["name"]))
    return made, password
