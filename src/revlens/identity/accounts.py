"""The account of each person: the account its CRM records name.

A person's account is the account_id its contacts and leads carry, or, for a lead naming none,
the account its company name or e-mail domain matches (`revlens.identity.companies`); when
they name several, the one named most often wins (ties: the smallest account_id). Persons
known only from web visits have none until a record ties them to one.
"""

from __future__ import annotations

import ibis

from revlens.identity.companies import MATCHES_TABLE
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import IDENTITY_MAP_TABLE


def person_accounts(wh: Warehouse) -> ibis.Table:
    """(person_id, account_id), one row per person with an account."""
    ids = wh.table(IDENTITY_MAP_TABLE)
    parts = []
    for entity, key in (("contacts", "contact_id"), ("leads", "lead_id")):
        records = wh.table(entity)
        records = records.filter(records.account_id.notnull())
        mine = ids.filter(ids.identifier_type == key)
        parts.append(mine.join(records, mine.identifier_value == records[key]).select(
            person_id=mine.person_id, account_id=records.account_id))
    if MATCHES_TABLE in wh.tables():        # leads naming no account, matched by company
        matches = wh.table(MATCHES_TABLE)
        matches = matches.filter(matches.status.isin(["certain", "confirmed"]))
        mine = ids.filter(ids.identifier_type == "lead_id")
        parts.append(mine.join(matches, mine.identifier_value == matches.lead_id).select(
            person_id=mine.person_id, account_id=matches.account_id))
    named = ibis.union(*parts, distinct=False)
    counted = named.group_by(["person_id", "account_id"]).aggregate(n=named.count())
    ranked = counted.mutate(rank=ibis.row_number().over(ibis.window(
        group_by="person_id", order_by=[ibis.desc("n"), "account_id"])))
    return ranked.filter(ranked["rank"] == 0).select("person_id", "account_id")


def identifier_accounts(wh: Warehouse) -> list[dict]:
    """Every identifier with its person and the person's account (None when unknown)."""
    if IDENTITY_MAP_TABLE not in wh.tables():
        return []
    ids = wh.table(IDENTITY_MAP_TABLE)
    accounts = person_accounts(wh)
    joined = ids.left_join(accounts, "person_id").select(
        "identifier_type", "identifier_value", ids.person_id, "account_id")
    return wh.to_arrow(joined.order_by(["person_id", "identifier_type", "identifier_value"])
                       ).to_pylist()
