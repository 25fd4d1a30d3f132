"""Which people and accounts a row-level scope sees (`revlens.metrics.scope.Scope`).

- an account: when its owner is in the scope;
- a person (OneID): when one of their leads has an owner in the scope, or their account
  (`revlens.identity.accounts.person_accounts`) does.

Tag members, segment previews and segment comparisons count and list only these for a
restricted user, so a sales rep learns nothing about people they do not work with.
"""

from __future__ import annotations

import ibis

from revlens.cdp.conditions import Level
from revlens.identity.accounts import person_accounts
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import IDENTITY_MAP_TABLE


def visible_subjects(wh: Warehouse, level: Level, scope: Scope | None) -> ibis.Table | None:
    """(subject) of every person or account `scope` sees; None when it sees everything."""
    if scope is None or not scope.restricted:
        return None
    owners = sorted(scope.owner_ids) or [""]
    accounts = wh.table("accounts")
    owned = accounts.filter(accounts.owner_id.isin(owners))
    if level == "account":
        return owned.select(subject=owned.account_id)
    if IDENTITY_MAP_TABLE not in wh.tables():
        return ibis.memtable({"subject": []}, schema={"subject": "string"})
    ids, leads = wh.table(IDENTITY_MAP_TABLE), wh.table("leads")
    mine = leads.filter(leads.owner_id.isin(owners))
    by_lead = ids.filter(ids.identifier_type == "lead_id").join(
        mine, ids.identifier_value == mine.lead_id).select(subject=ids.person_id)
    people = person_accounts(wh)
    by_account = people.join(owned, people.account_id == owned.account_id).select(
        subject=people.person_id)
    return ibis.union(by_lead, by_account, distinct=True)


def only_visible(wh: Warehouse, t: ibis.Table, column: str, level: Level,
                 scope: Scope | None) -> ibis.Table:
    """The rows of `t` whose `column` is a person or account `scope` sees."""
    visible = visible_subjects(wh, level, scope)
    if visible is None:
        return t
    return t.semi_join(visible, t[column] == visible.subject)


def visible_count(wh: Warehouse, level: Level, scope: Scope) -> int | None:
    """How many people or accounts `scope` sees (None: everyone, count them yourself)."""
    visible = visible_subjects(wh, level, scope)
    return None if visible is None else int(wh.execute(visible.count()))
