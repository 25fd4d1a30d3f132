"""Whose touches are whose: the person source of journeys.

A `PersonSource` answers two questions as Ibis tables: which touchpoints belong to the person
of each lead (`lead_touches`: lead_id, touchpoint_id) and of each contact (`contact_touches`:
contact_id, touchpoint_id). Two sources exist:

* `IdentityMapPersons` — OneID: the warehouse table `identity_map(identifier_type,
  identifier_value, person_id)` (built by the identity refresh step) resolves every identifier
  of a touch and of a lead/contact to a person; a lead's touches are all touches of its person.
  `identifier_type` is the name of the column the identifier came from (`email`, `phone`,
  `anonymous_id`, ...); `IdentityMapPersons(types=...)` maps other names.
* `FallbackPersons` — used while `identity_map` does not exist: a touch belongs to a lead when it
  shares the lead's lead_id, e-mail (lower-cased) or phone (E.164); to a contact likewise with
  contact_id, e-mail or phone.

`person_source(wh)` picks the identity map when the table exists. Both match identifiers with
one equi-join on (identifier_type, value) (`identifiers`), never an OR-join, so they stay fast
on millions of touches. Every source also gives the touches of each account
(`account_touches`), the basis of account-based journeys.

Inside `with source.computed(wh):` each of those tables, and the intermediates they share (the
persons of the touches), is computed once into a temporary table and read from there after:
the attribution refresh reads the same links for every conversion type, converting and not.
Inlined, they would be computed again in every query that reads them, and a query that reads
them several times (account-based journeys read the lead links twice and the contact links
once) becomes one plan whose hash tables DuckDB must hold in memory all at once — more than a
small memory limit allows.
"""

from __future__ import annotations

import contextlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import final

import ibis

from revlens.warehouse import Warehouse

IDENTITY_MAP = "identity_map"

TOUCH_IDENTIFIERS = ("anonymous_id", "email", "phone", "wechat_openid", "wechat_unionid",
                     "contact_id", "lead_id")
"""Touchpoint columns that identify a person; each is an `identifier_type` of identity_map."""
LEAD_IDENTIFIERS = ("lead_id", "email", "phone", "wechat_unionid")
CONTACT_IDENTIFIERS = ("contact_id", "email", "phone", "wechat_unionid")


def _normalised(table: ibis.Table, column: str) -> ibis.StringValue:
    value = table[column]
    return value.lower() if column == "email" else value


def identifiers(table: ibis.Table, key: str, columns: tuple[str, ...],
                types: dict[str, str] | None = None) -> ibis.Table:
    """(owner, identifier_type, value): the non-null identifiers in `columns` of each row of
    `table`, owned by its `key`; identifier_type is the column's name, or `types[column]`.
    Stacked into one table, every identifier is matched by one equi-join on (identifier_type,
    value) instead of one join per column — each join holds a hash table in memory, and DuckDB
    keeps those of one query all at once."""
    types = types or {}
    parts = []
    for column in columns:
        rows = table.select(owner=table[key],
                            identifier_type=ibis.literal(types.get(column, column)),
                            value=_normalised(table, column))
        parts.append(rows.filter(rows.value.notnull()))
    return ibis.union(*parts)


class PersonSource(ABC):
    """Maps leads and contacts to the touchpoints of their person. Subclasses build the
    expressions (`_lead_touches`, ...); the public methods return them, or, inside
    `computed()`, the tables they were computed into."""

    name: str
    _kept: dict[str, tuple[str, ibis.Table]] | None = None
    """inside `computed()`: what -> (temporary table, its Ibis table). Not `Warehouse.scratch`
    tables: one first used inside a nested `scratch_scope` must outlive that scope."""

    def lead_touches(self, wh: Warehouse) -> ibis.Table:
        """(lead_id, touchpoint_id), distinct."""
        return self._shared(wh, "lead_touches", self._lead_touches)

    def contact_touches(self, wh: Warehouse) -> ibis.Table:
        """(contact_id, touchpoint_id), distinct."""
        return self._shared(wh, "contact_touches", self._contact_touches)

    def touch_person(self, wh: Warehouse) -> ibis.Table:
        """(touchpoint_id, person_key): a key per person for touches linked to no lead
        (the non-converting journeys of lead_created)."""
        return self._shared(wh, "touch_person", self._touch_person)

    def account_touches(self, wh: Warehouse) -> ibis.Table:
        """(account_id, touchpoint_id), distinct: the touches carrying an account's id and
        the touches of its contacts and leads."""
        return self._shared(wh, "account_touches", self._account_touches)

    @abstractmethod
    def _lead_touches(self, wh: Warehouse) -> ibis.Table: ...

    @abstractmethod
    def _contact_touches(self, wh: Warehouse) -> ibis.Table: ...

    @abstractmethod
    def _touch_person(self, wh: Warehouse) -> ibis.Table: ...

    def _account_touches(self, wh: Warehouse) -> ibis.Table:
        touches, contacts, leads = (wh.table("touchpoints"), wh.table("contacts"),
                                    wh.table("leads"))
        direct = touches.filter(touches.account_id.notnull()).select(
            "account_id", "touchpoint_id")
        by_contact = contacts.filter(contacts.account_id.notnull()).join(
            self.contact_touches(wh), "contact_id").select("account_id", "touchpoint_id")
        by_lead = leads.filter(leads.account_id.notnull()).join(
            self.lead_touches(wh), "lead_id").select("account_id", "touchpoint_id")
        return ibis.union(direct, by_contact, by_lead).distinct()

    @final
    def _shared(self, wh: Warehouse, what: str,
                build: Callable[[Warehouse], ibis.Table]) -> ibis.Table:
        """`build(wh)`; inside `computed()`, the temporary table it was computed into at its
        first use. Subclasses pass the intermediates their tables share through it too."""
        if self._kept is None:
            return build(wh)
        if what not in self._kept:
            name = f"_persons_{what}_{uuid.uuid4().hex[:12]}"
            self._kept[what] = (name, wh.create_temp(name, build(wh)))
        return self._kept[what][1]

    @final
    @contextmanager
    def computed(self, wh: Warehouse) -> Iterator[PersonSource]:
        """Inside the block, each table of this source is computed once, at its first use,
        into a temporary table of `wh`, and read from there after (see the module docstring
        for why); the tables are dropped when the block ends, so whatever reads them must
        have run by then, and they do not follow writes made inside the block. A block
        inside another changes nothing."""
        if self._kept is not None:
            yield self
            return
        self._kept = {}
        try:
            yield self
        finally:
            kept, self._kept = self._kept, None
            for name, _ in kept.values():
                with contextlib.suppress(Exception):   # as `Warehouse.scratch_scope`
                    wh.drop_temp(name)


class FallbackPersons(PersonSource):
    """Touches joined to a lead or contact by a shared id, e-mail or phone."""

    name = "fallback"

    def _touches_of(self, wh: Warehouse, entity: str, key: str) -> ibis.Table:
        columns = (key, "email", "phone")
        people = identifiers(wh.table(entity), key, columns)
        touches = identifiers(wh.table("touchpoints"), "touchpoint_id", columns)
        joined = people.join(touches, ["identifier_type", "value"])
        return joined.select(**{key: people.owner, "touchpoint_id": touches.owner}).distinct()

    def _lead_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "leads", "lead_id")

    def _contact_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "contacts", "contact_id")

    def _touch_person(self, wh: Warehouse) -> ibis.Table:
        t = wh.table("touchpoints")
        key = ibis.coalesce(*[_normalised(t, c) for c in TOUCH_IDENTIFIERS])
        return t.select("touchpoint_id", person_key=key)


class IdentityMapPersons(PersonSource):
    """Touches joined to leads and contacts through OneID's `identity_map`."""

    name = "identity_map"

    def __init__(self, types: dict[str, str] | None = None):
        self.types = types or {}
        """column name -> identifier_type in identity_map, where they differ"""

    def _persons(self, wh: Warehouse, entity: str, key: str,
                 columns: tuple[str, ...]) -> ibis.Table:
        """(owner, person_id), distinct: the persons of the rows of `entity`."""

        def build(wh: Warehouse) -> ibis.Table:
            ids = wh.table(IDENTITY_MAP)
            rows = identifiers(wh.table(entity), key, columns, self.types)
            joined = rows.join(ids, [rows.identifier_type == ids.identifier_type,
                                     rows.value == ids.identifier_value])
            return joined.select(owner=rows.owner, person_id=ids.person_id).distinct()

        return self._shared(wh, f"{entity}_persons", build)

    def _touches_of(self, wh: Warehouse, entity: str, key: str,
                    columns: tuple[str, ...]) -> ibis.Table:
        owners = self._persons(wh, entity, key, columns)
        touches = self._persons(wh, "touchpoints", "touchpoint_id", TOUCH_IDENTIFIERS)
        touches = touches.rename(touchpoint_id="owner")
        return owners.join(touches, "person_id").select(
            **{key: owners.owner, "touchpoint_id": touches.touchpoint_id}).distinct()

    def _lead_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "leads", "lead_id", LEAD_IDENTIFIERS)

    def _contact_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "contacts", "contact_id", CONTACT_IDENTIFIERS)

    def _touch_person(self, wh: Warehouse) -> ibis.Table:
        touches = self._persons(wh, "touchpoints", "touchpoint_id", TOUCH_IDENTIFIERS)
        return touches.group_by(touchpoint_id=touches.owner).aggregate(
            person_key=touches.person_id.min())


def person_source(wh: Warehouse) -> PersonSource:
    """OneID's identity map when the warehouse has one built (the table exists and has rows:
    OneID's refresh step creates and fills it), else the id/e-mail/phone
    fallback."""
    if IDENTITY_MAP in wh.tables() and wh.execute(wh.table(IDENTITY_MAP).count()) > 0:
        return IdentityMapPersons()
    return FallbackPersons()
