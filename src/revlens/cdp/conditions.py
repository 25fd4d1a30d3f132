"""Conditions on people and accounts, as data: the language tags and segments are written in.

A condition is a tree of small pieces, each a pydantic model that round-trips to JSON/YAML:

- `attribute`: a field of the subject (`industry`, `province`, `title`, `source_channel`,
  `lead_status`, `account_tier`, `specialized` ...) compared with a value;
- `behaviour`: at least `min_count` touchpoints of the subject matching `touch_type`,
  `url_contains`, `channel`, `campaign_id` and `content_id`, within the last `within_days`
  days (counted back from the moment of evaluation);
- `tag`: the subject carries a tag;
- `all` / `any` / `not`: AND, OR and NOT of other conditions.

`compile_condition` turns a tree into an Ibis table of the subject ids that satisfy it — sets
combined with intersect, union and difference over the subjects (every person of OneID, or
every account), never row-by-row Python. A person's touchpoints are the touchpoints of its
identifiers; an account's are those of its people plus those carrying its account id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import ibis
from pydantic import BaseModel, Field

from revlens.attribution.persons import IdentityMapPersons
from revlens.errors import RevLensError
from revlens.identity.accounts import person_accounts
from revlens.metrics.models import account_tier
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import IDENTITY_MAP_TABLE

Level = Literal["person", "account"]


class Attribute(BaseModel):
    kind: Literal["attribute"] = "attribute"
    field: str
    op: Literal["eq", "ne", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "is_null",
                "not_null"] = "eq"
    value: Any = None


class Behaviour(BaseModel):
    kind: Literal["behaviour"] = "behaviour"
    touch_type: str | list[str] | None = None
    url_contains: str | None = None
    channel: str | None = None
    campaign_id: str | None = None
    content_id: str | None = None
    min_count: int = Field(1, ge=1)
    within_days: int | None = Field(None, ge=1)


class HasTag(BaseModel):
    kind: Literal["tag"] = "tag"
    tag: str


class All(BaseModel):
    kind: Literal["all"] = "all"
    conditions: list[Condition] = Field(min_length=1)


class AnyOf(BaseModel):
    kind: Literal["any"] = "any"
    conditions: list[Condition] = Field(min_length=1)


class Not(BaseModel):
    kind: Literal["not"] = "not"
    condition: Condition


Condition = Annotated[Attribute | Behaviour | HasTag | All | AnyOf | Not,
                      Field(discriminator="kind")]
for _model in (All, AnyOf, Not):
    _model.model_rebuild()


class UnknownField(RevLensError):
    def __init__(self, field: str, level: str, known: list[str]):
        self.field, self.level, self.known = field, level, known
        super().__init__(f"no {level} attribute {field!r}; attributes: {', '.join(known)}")


def person_attributes(wh: Warehouse) -> ibis.Table:
    """One row per OneID person: `subject` (person id), the fields of its latest lead, its
    contact's title, and its account's facts."""
    ids = wh.table(IDENTITY_MAP_TABLE)
    leads = wh.table("leads")
    lead_ids = ids.filter(ids.identifier_type == "lead_id")
    mine = lead_ids.join(leads, lead_ids.identifier_value == leads.lead_id)
    latest = ibis.row_number().over(group_by=mine.person_id,
                                    order_by=ibis.desc(mine.created_at))
    mine = mine.mutate(n=latest)
    last = mine.filter(mine.n == 0).select(
        p_id=mine.person_id, title=mine.title, company=mine.company,
        lead_province=mine.province, lead_city=mine.city, lead_industry=mine.industry,
        source_channel=mine.source_channel, lead_status=mine.status)
    persons = ids.select(subject=ids.person_id).distinct()
    t = persons.left_join(last, persons.subject == last.p_id).drop("p_id")
    accounts = person_accounts(wh).rename(a_person="person_id")
    t = t.left_join(accounts, t.subject == accounts.a_person).drop("a_person")
    facts = _account_facts(wh).rename(f_id="subject")
    t = t.left_join(facts, t.account_id == facts.f_id).drop("f_id")
    return t.mutate(industry=ibis.coalesce(t.account_industry, t.lead_industry),
                    province=ibis.coalesce(t.account_province, t.lead_province),
                    city=ibis.coalesce(t.account_city, t.lead_city))


def _account_facts(wh: Warehouse) -> ibis.Table:
    a = wh.table("accounts")
    return a.select(subject=a.account_id, account_name=a.name, account_industry=a.industry,
                    account_province=a.province, account_city=a.city,
                    employee_count=a.employee_count, account_tier=account_tier(a.employee_count),
                    specialized=a.is_specialized.fill_null(False),
                    listed=a.is_listed.fill_null(False), target=a.is_target.fill_null(False),
                    owner_id=a.owner_id)


def account_attributes(wh: Warehouse) -> ibis.Table:
    t = _account_facts(wh)
    return t.mutate(industry=t.account_industry, province=t.account_province,
                    city=t.account_city)


def subject_touches(wh: Warehouse, level: Level) -> ibis.Table:
    """(subject, touchpoint_id, occurred_at, type, url, channel, campaign_id, content_id)."""
    t = wh.table("touchpoints")
    owners = IdentityMapPersons().touch_person(wh)
    touches = t.join(owners, "touchpoint_id").select(
        subject=owners.person_key, touchpoint_id=t.touchpoint_id, occurred_at=t.occurred_at,
        type=t.type, url=t.url, channel=t.channel, campaign_id=t.campaign_id,
        content_id=t.content_id)
    if level == "person":
        return touches
    accounts = person_accounts(wh)
    via_people = touches.join(accounts, touches.subject == accounts.person_id).select(
        subject=accounts.account_id, **{c: touches[c] for c in touches.columns
                                        if c != "subject"})
    direct = t.filter(t.account_id.notnull()).select(
        subject=t.account_id, touchpoint_id=t.touchpoint_id, occurred_at=t.occurred_at,
        type=t.type, url=t.url, channel=t.channel, campaign_id=t.campaign_id,
        content_id=t.content_id)
    return ibis.union(via_people, direct, distinct=True)


class Evaluator:
    """Compiles conditions for one warehouse, level and moment (tables built once)."""

    def __init__(self, wh: Warehouse, level: Level, as_of: datetime | None = None):
        self.wh, self.level = wh, level
        self.as_of = as_of or datetime.now(UTC)
        self._attributes: ibis.Table | None = None
        self._touches: ibis.Table | None = None

    @property
    def attributes(self) -> ibis.Table:
        if self._attributes is None:
            self._attributes = person_attributes(self.wh) if self.level == "person" \
                else account_attributes(self.wh)
        return self._attributes

    @property
    def touches(self) -> ibis.Table:
        if self._touches is None:
            self._touches = self.wh.scratch(subject_touches(self.wh, self.level))
        return self._touches

    def subjects(self) -> ibis.Table:
        return self.attributes.select("subject")

    def compile(self, condition: Condition) -> ibis.Table:
        """The distinct `subject`s satisfying `condition`."""
        kind = condition.kind
        if kind == "all":
            parts = [self.compile(c) for c in condition.conditions]
            return ibis.intersect(*parts) if len(parts) > 1 else parts[0]
        if kind == "any":
            parts = [self.compile(c) for c in condition.conditions]
            return ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0]
        if kind == "not":
            return ibis.difference(self.subjects(), self.compile(condition.condition))
        if kind == "attribute":
            return self._attribute(condition)
        if kind == "tag":
            return self._tagged(condition.tag)
        return self._behaviour(condition)

    def _attribute(self, c: Attribute) -> ibis.Table:
        t = self.attributes
        if c.field not in t.columns or c.field == "subject":
            raise UnknownField(c.field, self.level, [x for x in t.columns if x != "subject"])
        column = t[c.field]
        value = c.value
        test = {"eq": lambda: column == value, "ne": lambda: column != value,
                "in": lambda: column.isin(list(value)), "not_in": lambda: ~column.isin(
                    list(value)), "contains": lambda: column.cast("string").contains(
                    str(value)), "gt": lambda: column > value, "gte": lambda: column >= value,
                "lt": lambda: column < value, "lte": lambda: column <= value,
                "is_null": lambda: column.isnull(), "not_null": lambda: column.notnull()}
        return t.filter(test[c.op]().fill_null(False)).select("subject").distinct()

    def _behaviour(self, c: Behaviour) -> ibis.Table:
        t = self.touches
        parts = []
        if c.touch_type is not None:
            types = [c.touch_type] if isinstance(c.touch_type, str) else c.touch_type
            parts.append(t.type.isin(types))
        if c.url_contains:
            parts.append(t.url.contains(c.url_contains))
        for name in ("channel", "campaign_id", "content_id"):
            if getattr(c, name) is not None:
                parts.append(t[name] == getattr(c, name))
        if c.within_days is not None:
            parts.append(t.occurred_at >= ibis.literal(self.as_of
                                                        - timedelta(days=c.within_days)))
        parts.append(t.occurred_at < ibis.literal(self.as_of))
        for part in parts:
            t = t.filter(part.fill_null(False))
        counted = t.group_by("subject").aggregate(n=t.touchpoint_id.nunique())
        return counted.filter(counted.n >= c.min_count).select("subject")

    def _tagged(self, tag: str) -> ibis.Table:
        table = f"{self.level}_tags"
        column = "person_id" if self.level == "person" else "account_id"
        if table not in self.wh.tables():
            return self.subjects().filter(ibis.literal(False))
        t = self.wh.table(table)
        return t.filter(t.tag == tag).select(subject=t[column]).distinct()
