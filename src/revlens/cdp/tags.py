"""Tags: rule-defined (a condition, recomputed by every refresh) and manual (put on one person
or account by hand).

Rules come from `revlens/cdp/definitions/tags.yaml` (the shipped ones) and the app database
(`tag_rules`: a workspace's own, replacing a shipped rule of the same name, or switching it off).
The refresh step writes `person_tags(person_id, tag, source)` and
`account_tags(account_id, tag, source)`, `source` being `rule` or `manual`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import ibis
import pandas as pd
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import delete, select

from revlens.appdb import AppDB
from revlens.appdb.models import ManualTag, TagRule
from revlens.cdp.conditions import Condition, Evaluator, Level
from revlens.cdp.visibility import only_visible
from revlens.errors import RevLensError
from revlens.metrics.scope import Scope
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import IDENTITY_MAP_TABLE

SHIPPED = Path(__file__).parent / "definitions" / "tags.yaml"
TABLES = {"person": ("person_tags", "person_id"), "account": ("account_tags", "account_id")}
CONDITION = TypeAdapter(Condition)


class TagError(RevLensError):
    pass


class TagDefinition(BaseModel):
    name: str
    level: Level = "person"
    description: str = ""
    condition: Condition
    active: bool = True
    source: Literal["revlens", "workspace"] = "revlens"


def parse_condition(data: object) -> Condition:
    """A condition from parsed JSON/YAML, or TagError naming what is wrong."""
    try:
        return CONDITION.validate_python(data)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                            for e in exc.errors()[:5])
        raise TagError(f"not a valid condition: {reasons}") from None


def definitions(appdb: AppDB | None) -> list[TagDefinition]:
    """Every tag rule: the shipped ones, replaced or switched off by the workspace's."""
    rules = {d["name"]: TagDefinition.model_validate(d)
             for d in yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))["tags"]}
    if appdb is not None:
        with appdb.session() as s:
            for r in s.scalars(select(TagRule).order_by(TagRule.name)):
                rules[r.name] = TagDefinition(name=r.name, level=r.level,
                                              description=r.description,
                                              condition=parse_condition(r.condition),
                                              active=r.active, source="workspace")
    return list(rules.values())


def save_definition(appdb: AppDB, table: type, name: str, level: Level, condition: Condition,
                    description: str = "", user: str = "", **fields: object) -> None:
    """Save (or replace) a named condition of `table` (TagRule, Segment) in the app database."""
    now = datetime.now(UTC)
    with appdb.session() as s:
        row = s.scalar(select(table).where(table.name == name))
        if row is None:
            row = table(name=name, created_by=user, created_at=now)
            s.add(row)
        row.level, row.description, row.updated_at = level, description, now
        row.condition = condition.model_dump(mode="json", exclude_none=True)
        for field, value in fields.items():
            setattr(row, field, value)


def define(appdb: AppDB, name: str, level: Level, condition: Condition, description: str = "",
           user: str = "") -> None:
    """Save (or replace) a workspace tag rule, active."""
    save_definition(appdb, TagRule, name, level, condition, description, user, active=True)


def set_active(appdb: AppDB, name: str, active: bool, user: str = "") -> None:
    """Switch a rule on or off (a shipped rule is copied into the workspace to do so)."""
    found = {d.name: d for d in definitions(appdb)}
    if name not in found:
        raise TagError(f"no tag rule {name!r}; rules: {', '.join(sorted(found))}")
    d = found[name]
    define(appdb, name, d.level, d.condition, d.description, user)
    with appdb.session() as s:
        s.scalar(select(TagRule).where(TagRule.name == name)).active = active


def tag_by_hand(appdb: AppDB, tag: str, level: Level, subject_id: str, user: str = "") -> None:
    with appdb.session() as s:
        exists = s.scalar(select(ManualTag).where(
            ManualTag.tag == tag, ManualTag.level == level, ManualTag.subject_id == subject_id))
        if exists is None:
            s.add(ManualTag(tag=tag, level=level, subject_id=subject_id, added_by=user))


def untag(appdb: AppDB, tag: str, level: Level, subject_id: str) -> int:
    with appdb.session() as s:
        return s.execute(delete(ManualTag).where(
            ManualTag.tag == tag, ManualTag.level == level,
            ManualTag.subject_id == subject_id)).rowcount


def manual_tags(appdb: AppDB, level: Level) -> list[tuple[str, str]]:
    with appdb.session() as s:
        return [(m.subject_id, m.tag) for m in s.scalars(
            select(ManualTag).where(ManualTag.level == level))]


def preview(wh: Warehouse, level: Level, condition: Condition,
            as_of: datetime | None = None) -> int:
    """How many people (or accounts) satisfy `condition` now."""
    with wh.scratch_scope():
        return int(wh.execute(Evaluator(wh, level, as_of).compile(condition).count()))


def compute_tags(wh: Warehouse, appdb: AppDB | None, as_of: datetime | None = None
                 ) -> dict[str, pd.DataFrame]:
    """(subject, tag, source) per level: every active rule evaluated, plus manual tags."""
    out = {}
    rules = [d for d in definitions(appdb) if d.active]
    with wh.scratch_scope():
        for level in ("person", "account"):
            parts = []
            if level == "account" or IDENTITY_MAP_TABLE in wh.tables():
                evaluator = Evaluator(wh, level, as_of)
                for d in (d for d in rules if d.level == level):
                    members = evaluator.compile(d.condition)
                    parts.append(members.select("subject", tag=ibis.literal(d.name),
                                                source=ibis.literal("rule")))
            frame = wh.execute(ibis.union(*parts, distinct=True)) if parts else \
                pd.DataFrame({"subject": [], "tag": [], "source": []})
            manual = pd.DataFrame(manual_tags(appdb, level) if appdb else [],
                                  columns=["subject", "tag"]).assign(source="manual")
            out[level] = pd.concat([frame, manual], ignore_index=True).astype(str)
    return out


@refresh_step("tags")
def refresh_tags(wh: Warehouse) -> None:
    appdb = AppDB(wh.settings.app_db_url)
    try:
        computed = compute_tags(wh, appdb)
    finally:
        appdb.close()
    for level, frame in computed.items():
        table, column = TABLES[level]
        wh.con.create_table(table, ibis.memtable(frame.rename(columns={"subject": column}),
                                                 schema={column: "string", "tag": "string",
                                                         "source": "string"}),
                            overwrite=True)


def members(wh: Warehouse, tag: str, level: Level, scope: Scope | None = None) -> list[dict]:
    """Who carries `tag` (as of the last refresh), and whether by rule or by hand; a
    restricted scope sees only the people and accounts it works with (`cdp.visibility`)."""
    table, column = TABLES[level]
    if table not in wh.tables():
        raise TagError("no tags computed yet; run `revlens refresh` first")
    t = wh.table(table)
    t = only_visible(wh, t.filter(t.tag == tag), column, level, scope)
    return wh.to_arrow(t.order_by(column)).to_pylist()


def read_condition(text: str) -> Condition:
    """A condition from a YAML/JSON file path or from inline YAML/JSON text."""
    path = Path(text)
    source = path.read_text(encoding="utf-8") if path.suffix in (".yaml", ".yml", ".json") \
        and path.exists() else text
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise TagError(f"the condition is not YAML or JSON: {exc}") from None
    return parse_condition(data)
