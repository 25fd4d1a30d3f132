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

`person_source(wh)` picks the identity map when the table exists. Both are equi-joins unioned,
never an OR-join, so they stay fast on millions of touches.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

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


class PersonSource(ABC):
    """Maps leads and contacts to the touchpoints of their person."""

    name: str

    @abstractmethod
    def lead_touches(self, wh: Warehouse) -> ibis.Table:
        """(lead_id, touchpoint_id), distinct."""

    @abstractmethod
    def contact_touches(self, wh: Warehouse) -> ibis.Table:
        """(contact_id, touchpoint_id), distinct."""

    @abstractmethod
    def touch_person(self, wh: Warehouse) -> ibis.Table:
        """(touchpoint_id, person_key): a key per person for touches linked to no lead
        (the non-converting journeys of lead_created)."""


class FallbackPersons(PersonSource):
    """Touches joined to a lead or contact by a shared id, e-mail or phone."""

    name = "fallback"

    def _touches_of(self, wh: Warehouse, entity: str, key: str) -> ibis.Table:
        people, touches = wh.table(entity), wh.table("touchpoints")
        parts = []
        for column in (key, "email", "phone"):
            left = people.select(owner=people[key], value=_normalised(people, column))
            right = touches.select("touchpoint_id", value=_normalised(touches, column))
            left = left.filter(left.value.notnull())
            parts.append(left.join(right, "value").select(
                **{key: left.owner, "touchpoint_id": right.touchpoint_id}))
        return ibis.union(*parts, distinct=True)

    def lead_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "leads", "lead_id")

    def contact_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "contacts", "contact_id")

    def touch_person(self, wh: Warehouse) -> ibis.Table:
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
                 identifiers: tuple[str, ...]) -> ibis.Table:
        ids, table = wh.table(IDENTITY_MAP), wh.table(entity)
        parts = []
        for column in identifiers:
            rows = table.select(owner=table[key], value=_normalised(table, column))
            rows = rows.filter(rows.value.notnull())
            known = ids.filter(ids.identifier_type == self.types.get(column, column))
            parts.append(rows.join(known, rows.value == known.identifier_value).select(
                owner=rows.owner, person_id=known.person_id))
        return ibis.union(*parts, distinct=True)

    def _touches_of(self, wh: Warehouse, entity: str, key: str,
                    identifiers: tuple[str, ...]) -> ibis.Table:
        owners = self._persons(wh, entity, key, identifiers)
        touches = self._persons(wh, "touchpoints", "touchpoint_id", TOUCH_IDENTIFIERS)
        touches = touches.rename(touchpoint_id="owner")
        return owners.join(touches, "person_id").select(
            key=owners.owner, touchpoint_id=touches.touchpoint_id).distinct()

    def lead_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "leads", "lead_id", LEAD_IDENTIFIERS).rename(
            lead_id="key")

    def contact_touches(self, wh: Warehouse) -> ibis.Table:
        return self._touches_of(wh, "contacts", "contact_id", CONTACT_IDENTIFIERS).rename(
            contact_id="key")

    def touch_person(self, wh: Warehouse) -> ibis.Table:
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
