"""Customer 360: everything known of one person or one account, in one call.

A person is a OneID person (`identity_map`), found by its person id or by any identifier
(`email:a@b.cn`, a phone, a lead id ...). Its records are the leads, contacts and touchpoints
that carry one of its identifiers; its account is the one its CRM records name most often.
An account's people are the persons whose account it is.

A profile holds:
- identifiers (type, value, first seen) and attributes: for each (name, e-mail, phone,
  company, title ...) the latest non-empty value among the person's leads and contacts (the
  record's `updated_at`, else its creation), with the record it came from;
- tags (`person_tags` / `account_tags` after refresh) and score placeholders;
- the opportunities, orders, payments, tickets and NPS responses of the account;
- a timeline, newest first: touchpoints, lead status changes, follow-ups, opportunities created
  and closed, orders, payments, tickets and NPS responses.

Row-level scope: a restricted user sees a profile only when they own one of its leads, its
account or one of its opportunities (otherwise it is reported as not found), and sees only the
opportunities, orders and payments of owners in their scope. Without the PII permission e-mail
addresses, phones and WeChat ids are masked.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import ibis
from pydantic import BaseModel

from revlens.cdp.privacy import mask, masked_record
from revlens.errors import RevLensError
from revlens.identity.accounts import person_accounts
from revlens.identity.explain import parse_identifier
from revlens.metrics.drill import json_value
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import IDENTITY_MAP_TABLE

ATTRIBUTES = ("name", "email", "phone", "wechat_unionid", "company", "title", "department",
              "province", "city", "industry")
SCORES = ("lead_score", "fit_score", "engagement_score")
TOUCH_COLUMNS = ("touchpoint_id", "occurred_at", "type", "channel", "campaign_id", "content_id",
                 "url", "email", "phone", "anonymous_id")


class ProfileNotFound(RevLensError):
    def __init__(self, kind: str, key: str):
        self.kind, self.key = kind, key
        hint = (" (run `revlens identity run` or `revlens refresh` first if no person is known)"
                if kind == "person" else "")
        super().__init__(f"no {kind} {key!r} that you may see{hint}")


class Identifier(BaseModel):
    identifier_type: str
    identifier_value: str
    first_seen: datetime | None = None


class Attribute(BaseModel):
    name: str
    value: Any
    source: str
    at: datetime | None = None


class Event(BaseModel):
    at: datetime
    kind: str
    title: str
    record_id: str
    detail: dict[str, Any]


class Profile(BaseModel):
    kind: Literal["person", "account"]
    id: str
    identifiers: list[Identifier]
    attributes: list[Attribute]
    tags: list[str]
    scores: dict[str, float | None]
    account_id: str | None
    people: list[str]
    leads: list[dict]
    contacts: list[dict]
    opportunities: list[dict]
    orders: list[dict]
    payments: list[dict]
    tickets: list[dict]
    nps: list[dict]
    timeline: list[Event]
    timeline_total: int


def _rows(wh: Warehouse, expr: ibis.Table) -> list[dict]:
    return [{k: json_value(v) if isinstance(v, Decimal) else v for k, v in r.items()}
            for r in wh.to_arrow(expr).to_pylist()]


def person_of(wh: Warehouse, key: str) -> str:
    if IDENTITY_MAP_TABLE not in wh.tables():
        raise ProfileNotFound("person", key)
    ids = wh.table(IDENTITY_MAP_TABLE)
    if key.startswith("P") and key[1:].isdigit():
        return key
    for kind, value in parse_identifier(key):
        hit = wh.to_arrow(ids.filter((ids.identifier_type == kind)
                                     & (ids.identifier_value == value)).select("person_id")
                          ).to_pylist()
        if hit:
            return hit[0]["person_id"]
    raise ProfileNotFound("person", key)


def person_profile(wh: Warehouse, key: str, scope: Scope | None = None, pii: bool = True,
                   timeline_limit: int = 200) -> Profile:
    scope = scope or Scope.everything()
    person = person_of(wh, key)
    ids = wh.table(IDENTITY_MAP_TABLE)
    identifiers = _rows(wh, ids.filter(ids.person_id == person).select(
        "identifier_type", "identifier_value", "first_seen").order_by(
        ["identifier_type", "identifier_value"]))
    if not identifiers:
        raise ProfileNotFound("person", key)
    by_type: dict[str, list[str]] = {}
    for i in identifiers:
        by_type.setdefault(i["identifier_type"], []).append(i["identifier_value"])
    accounts = person_accounts(wh)
    mine = _rows(wh, accounts.filter(accounts.person_id == person))
    account = mine[0]["account_id"] if mine else None
    leads = _rows(wh, _isin(wh.table("leads"), "lead_id", by_type.get("lead_id")))
    contacts = _rows(wh, _isin(wh.table("contacts"), "contact_id", by_type.get("contact_id")))
    touches = touches_of(wh, by_type)
    profile = _assemble(wh, "person", person, account, leads, contacts, touches, scope, pii,
                        timeline_limit)
    profile.identifiers = [Identifier(
        identifier_type=i["identifier_type"], first_seen=i["first_seen"],
        identifier_value=i["identifier_value"] if pii else mask(i["identifier_type"],
                                                                i["identifier_value"]))
        for i in identifiers]
    profile.people = [person]
    return profile


def account_profile(wh: Warehouse, account_id: str, scope: Scope | None = None,
                    pii: bool = True, timeline_limit: int = 200) -> Profile:
    scope = scope or Scope.everything()
    found = _rows(wh, wh.table("accounts").filter(wh.table("accounts").account_id == account_id))
    if not found:
        raise ProfileNotFound("account", account_id)
    leads = _rows(wh, wh.table("leads").filter(wh.table("leads").account_id == account_id))
    contacts = _rows(wh, wh.table("contacts").filter(
        wh.table("contacts").account_id == account_id))
    people: list[str] = []
    by_type: dict[str, list[str]] = {
        "lead_id": [r["lead_id"] for r in leads],
        "contact_id": [r["contact_id"] for r in contacts]}
    if IDENTITY_MAP_TABLE in wh.tables():
        accounts = person_accounts(wh)
        people = [r["person_id"] for r in _rows(wh, accounts.filter(
            accounts.account_id == account_id).order_by("person_id"))]
        ids = wh.table(IDENTITY_MAP_TABLE)
        for r in _rows(wh, ids.filter(ids.person_id.isin(people))):
            by_type.setdefault(r["identifier_type"], []).append(r["identifier_value"])
    t = wh.table("touchpoints")
    touches = touches_of(wh, by_type, extra=t.account_id == account_id)
    profile = _assemble(wh, "account", account_id, account_id, leads, contacts, touches, scope,
                        pii, timeline_limit, account_row=found[0])
    profile.people = people
    return profile


def _isin(t: ibis.Table, column: str, values: list[str] | None) -> ibis.Table:
    return t.filter(t[column].isin(values or []) if values else ibis.literal(False))


def touches_of(wh: Warehouse, by_type: dict[str, list[str]],
                extra: ibis.BooleanValue | None = None) -> list[dict]:
    t = wh.table("touchpoints")
    condition = extra
    for column in ("anonymous_id", "email", "phone", "wechat_openid", "wechat_unionid",
                   "contact_id", "lead_id"):
        values = by_type.get(column)
        if values:
            value = t[column].lower() if column == "email" else t[column]
            match = value.isin(values)
            condition = match if condition is None else condition | match
    if condition is None:
        return []
    return _rows(wh, t.filter(condition).select(*TOUCH_COLUMNS))


def _attributes(leads: list[dict], contacts: list[dict], account_row: dict | None
                ) -> list[Attribute]:
    candidates: dict[str, tuple] = {}
    records = [("leads", r["lead_id"], r) for r in leads] + \
        [("contacts", r["contact_id"], r) for r in contacts]
    if account_row:
        records.append(("accounts", account_row["account_id"], {
            **account_row, "company": account_row.get("name"), "name": None}))
    for entity, key, r in records:
        at = r.get("updated_at") or r.get("created_at")
        for name in ATTRIBUTES:
            value = r.get(name)
            if value in (None, ""):
                continue
            best = candidates.get(name)
            if best is None or (at is not None and (best[1] is None or at > best[1])):
                candidates[name] = (value, at, f"{entity}:{key}")
    return [Attribute(name=n, value=v, at=at, source=s)
            for n in ATTRIBUTES if n in candidates for v, at, s in [candidates[n]]]


def _assemble(wh: Warehouse, kind: str, key: str, account: str | None, leads: list[dict],
              contacts: list[dict], touches: list[dict], scope: Scope, pii: bool, limit: int,
              account_row: dict | None = None) -> Profile:
    if account_row is None and account:
        rows = _rows(wh, wh.table("accounts").filter(wh.table("accounts").account_id == account))
        account_row = rows[0] if rows else None
    opps = _rows(wh, wh.table("opportunities").filter(
        wh.table("opportunities").account_id == account)) if account else []
    lead_opps = {r["opportunity_id"] for r in leads if r.get("opportunity_id")}
    if lead_opps - {o["opportunity_id"] for o in opps}:
        o = wh.table("opportunities")
        opps += _rows(wh, o.filter(o.opportunity_id.isin(sorted(lead_opps))
                                   & (o.account_id != (account or ""))))
    owners = {r.get("owner_id") for r in leads} | {o.get("owner_id") for o in opps}
    if account_row:
        owners.add(account_row.get("owner_id"))
    if scope.restricted and not (owners & scope.owner_ids):
        raise ProfileNotFound(kind, key)
    if scope.restricted:
        opps = [o for o in opps if o.get("owner_id") in scope.owner_ids]
    orders, payments, tickets, nps = [], [], [], []
    if account:
        o = wh.table("orders")
        orders = _rows(wh, o.filter(o.account_id == account))
        if scope.restricted:
            visible = {x["opportunity_id"] for x in opps}
            account_mine = account_row and account_row.get("owner_id") in scope.owner_ids
            orders = [x for x in orders if x.get("opportunity_id") in visible
                      or (not x.get("opportunity_id") and account_mine)]
        p = wh.table("payments")
        payments = _rows(wh, p.filter(p.order_id.isin([x["order_id"] for x in orders]))) \
            if orders else []
        k = wh.table("tickets")
        tickets = _rows(wh, k.filter(k.account_id == account))
        n = wh.table("nps_responses")
        nps = _rows(wh, n.filter(n.account_id == account))
    activities = _activities(wh, leads, contacts, account)
    events = _timeline(wh, leads, touches, activities, opps, orders, payments, tickets, nps)
    events.sort(key=lambda e: (e.at, e.kind, e.record_id), reverse=True)
    tags = _tags(wh, kind, key)

    def hide(rows: list[dict]) -> list[dict]:
        return [masked_record(r, pii) for r in rows]

    attributes = [Attribute(**{**a.model_dump(), "value": masked_record(
        {a.name: a.value}, pii)[a.name]}) for a in _attributes(leads, contacts, account_row)]
    return Profile(
        kind=kind, id=key, identifiers=[], attributes=attributes, tags=tags,
        scores={s: None for s in SCORES}, account_id=account, people=[],
        leads=hide(leads), contacts=hide(contacts), opportunities=opps, orders=orders,
        payments=payments, tickets=tickets, nps=nps,
        timeline=[Event(**{**e.model_dump(), "detail": masked_record(e.detail, pii)})
                  for e in events[:limit]],
        timeline_total=len(events))


def _activities(wh: Warehouse, leads: list[dict], contacts: list[dict],
                account: str | None) -> list[dict]:
    a = wh.table("activities")
    condition = a.lead_id.isin([r["lead_id"] for r in leads] or [""]) | a.contact_id.isin(
        [r["contact_id"] for r in contacts] or [""])
    if account:
        condition = condition | (a.account_id == account)
    return _rows(wh, a.filter(condition))


def _lead_events(wh: Warehouse, leads: list[dict]) -> list[dict]:
    from revlens.analytics.lead_events import TABLE, lead_status_events

    ids = [r["lead_id"] for r in leads]
    if not ids:
        return []
    events = wh.table(TABLE) if TABLE in wh.tables() else lead_status_events(wh)
    return _rows(wh, events.filter(events.lead_id.isin(ids)))


def _timeline(wh: Warehouse, leads, touches, activities, opps, orders, payments, tickets,
              nps) -> list[Event]:
    out: list[Event] = []

    def add(at, kind, title, record_id, detail):
        if at is not None:
            out.append(Event(at=at, kind=kind, title=title, record_id=str(record_id),
                             detail={k: json_value(v) for k, v in detail.items()
                                     if v is not None}))

    for t in touches:
        add(t["occurred_at"], "touchpoint", t["type"], t["touchpoint_id"], t)
    for e in _lead_events(wh, leads):
        add(e["changed_at"], "lead_status", e["status"], e["lead_id"], e)
    for a in activities:
        add(a["occurred_at"], "activity", a["type"], a["activity_id"],
            {k: a.get(k) for k in ("user_id", "type", "notes", "duration_minutes")})
    for o in opps:
        brief = {k: o.get(k) for k in ("name", "amount", "stage", "owner_id")}
        add(o["created_at"], "opportunity_created", o.get("name") or o["opportunity_id"],
            o["opportunity_id"], brief)
        if o.get("closed_at"):
            add(o["closed_at"], "opportunity_closed", o["stage"], o["opportunity_id"], brief)
    for o in orders:
        add(o["signed_at"], "order", o.get("type") or "order", o["order_id"],
            {k: o.get(k) for k in ("amount", "type", "opportunity_id")})
    for p in payments:
        add(p["paid_at"], "payment", "payment", p["payment_id"],
            {k: p.get(k) for k in ("amount", "order_id")})
    for k in tickets:
        add(k["created_at"], "ticket", k.get("category") or "ticket", k["ticket_id"],
            {x: k.get(x) for x in ("status", "priority", "csat")})
    for n in nps:
        add(n["responded_at"], "nps", str(n["score"]), n["response_id"],
            {x: n.get(x) for x in ("score", "comment")})
    return out


def _tags(wh: Warehouse, kind: str, key: str) -> list[str]:
    table = f"{kind}_tags"
    if table not in wh.tables():
        return []
    t = wh.table(table)
    column = "person_id" if kind == "person" else "account_id"
    return sorted({r["tag"] for r in _rows(wh, t.filter(t[column] == key).select("tag"))})
