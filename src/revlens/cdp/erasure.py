"""Privacy requests (PIPL, GDPR): erase a person, record consent.

`erase_person` removes a person from the warehouse in one transaction:
- their touchpoints are deleted;
- their leads and contacts lose name, e-mail, phone and WeChat id (the records stay, so lead
  counts, deals and revenue — the aggregates — stay correct);
- their identifiers leave OneID (`identity_map`, `identity_edges`, `identity_links`,
  `identity_rejections`), their tags and segment memberships go;
- the metric models stored by refresh (which copy lead fields) are dropped, so queries read the
  entity tables until the next refresh.
Attribution credits keep the erased touches' shares (no personal data in them), so reports
already computed do not change. The app database records the request with a SHA-256 of the
person id, never the person's data. The source systems (CRM, forms) must erase the person too,
or the next import brings them back.

Consent: `record_consent` keeps each grant or withdrawal per person and channel; `consent_of`
gives the latest status per channel.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Literal

import sqlglot.expressions as sge
from pydantic import BaseModel
from sqlalchemy import select

from revlens.appdb import AppDB
from revlens.appdb.models import Consent, PrivacyRequest
from revlens.cdp.profiles import person_of, touches_of
from revlens.cdp.segments import MEMBERS_TABLE
from revlens.cdp.tags import TABLES as TAG_TABLES
from revlens.metrics.materialize import STATE_TABLE
from revlens.metrics.models import all_models
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import (
    IDENTITY_EDGES_TABLE,
    IDENTITY_LINKS_TABLE,
    IDENTITY_MAP_TABLE,
    IDENTITY_REJECTIONS_TABLE,
)

PERSONAL = ("name", "email", "phone", "wechat_unionid")
Channel = Literal["email", "sms", "phone", "wechat", "all"]
Status = Literal["granted", "withdrawn", "unsubscribed"]


class ErasureResult(BaseModel):
    person_id: str
    identifiers: int
    touchpoints_deleted: int
    leads_anonymised: int
    contacts_anonymised: int


def _in(column: str, values: list[str]) -> sge.Expression:
    return sge.In(this=sge.column(column, quoted=True),
                  expressions=[sge.Literal.string(v) for v in values])


def _delete(wh: Warehouse, table: str, condition: sge.Expression) -> None:
    if table in wh.tables():
        wh.run_statement(sge.Delete(this=sge.table_(table, quoted=True),
                                    where=sge.Where(this=condition)))


def _blank(wh: Warehouse, table: str, key: str, ids: list[str]) -> int:
    if not ids:
        return 0
    wh.run_statement(sge.Update(
        this=sge.table_(table, quoted=True),
        expressions=[sge.EQ(this=sge.column(c, quoted=True), expression=sge.Null())
                     for c in PERSONAL if c in wh.table(table).columns],
        where=sge.Where(this=_in(key, ids))))
    return len(ids)


def erase_person(wh: Warehouse, appdb: AppDB, key: str, user: str = "") -> ErasureResult:
    """Erase the person `key` (a person id or any identifier); see the module's docstring."""
    person = person_of(wh, key)
    ids = wh.table(IDENTITY_MAP_TABLE)
    identifiers = wh.to_arrow(ids.filter(ids.person_id == person)).to_pylist()
    by_type: dict[str, list[str]] = {}
    for i in identifiers:
        by_type.setdefault(i["identifier_type"], []).append(i["identifier_value"])
    values = sorted({i["identifier_value"] for i in identifiers})
    touches = [t["touchpoint_id"] for t in touches_of(wh, by_type)]
    leads, contacts = by_type.get("lead_id", []), by_type.get("contact_id", [])
    with wh.transaction():
        if touches:
            _delete(wh, "touchpoints", _in("touchpoint_id", touches))
        result = ErasureResult(
            person_id=person, identifiers=len(identifiers), touchpoints_deleted=len(touches),
            leads_anonymised=_blank(wh, "leads", "lead_id", leads),
            contacts_anonymised=_blank(wh, "contacts", "contact_id", contacts))
        _delete(wh, IDENTITY_MAP_TABLE, sge.EQ(this=sge.column("person_id", quoted=True),
                                               expression=sge.Literal.string(person)))
        if values:
            for table, columns in ((IDENTITY_EDGES_TABLE, ("a_value", "b_value")),
                                   (IDENTITY_LINKS_TABLE, ("from_value", "to_value")),
                                   (IDENTITY_REJECTIONS_TABLE,
                                    ("identifier_value", "other_value"))):
                _delete(wh, table, sge.Or(this=_in(columns[0], values),
                                          expression=_in(columns[1], values)))
        table, column = TAG_TABLES["person"]
        _delete(wh, table, sge.EQ(this=sge.column(column, quoted=True),
                                  expression=sge.Literal.string(person)))
        _delete(wh, MEMBERS_TABLE, sge.EQ(this=sge.column("subject", quoted=True),
                                          expression=sge.Literal.string(person)))
        for model in all_models().values():
            if model.table_name in wh.tables():
                wh.con.drop_table(model.table_name, force=True)
        if STATE_TABLE in wh.tables():
            wh.con.drop_table(STATE_TABLE, force=True)
    with appdb.session() as s:
        s.add(PrivacyRequest(kind="erase",
                             subject_hash=hashlib.sha256(person.encode()).hexdigest(),
                             counts=result.model_dump(exclude={"person_id"}),
                             requested_by=user))
    return result


class ConsentState(BaseModel):
    channel: str
    status: str
    source: str
    recorded_at: datetime


def record_consent(wh: Warehouse, appdb: AppDB, key: str, channel: Channel, status: Status,
                   source: str = "", user: str = "") -> str:
    """Record a grant or withdrawal for the person `key`; returns the person id."""
    person = person_of(wh, key)
    with appdb.session() as s:
        s.add(Consent(person_id=person, channel=channel, status=status, source=source,
                      recorded_by=user, recorded_at=datetime.now(UTC)))
    return person


def consent_of(appdb: AppDB, person_id: str) -> list[ConsentState]:
    """The latest status per channel (`all` covers every channel without a later own one)."""
    with appdb.session() as s:
        rows = list(s.scalars(select(Consent).where(Consent.person_id == person_id)
                              .order_by(Consent.recorded_at, Consent.id)))
    latest: dict[str, Consent] = {}
    for row in rows:
        latest[row.channel] = row
    return [ConsentState(channel=c.channel, status=c.status, source=c.source,
                         recorded_at=c.recorded_at) for c in latest.values()]
