"""The high-water marks of `revlens sync`: one row per (source, entity) in `_sync_state`.

Invariant: the mark (and the keys read at it) is written inside the transaction that writes
the rows it covers (see `runner`), so after a crash the mark and the data agree: both moved,
or neither did.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import sqlglot.expressions as sge

from revlens.connectors.sync.exceptions import SyncStateMissing
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import SYNC_STATE_SCHEMA, SYNC_STATE_TABLE


@dataclass
class SyncState:
    source: str
    entity: str
    high_water_mark: str | None   # ISO text (or an integer's digits); None: nothing read yet
    last_batch_id: str | None     # the last batch that wrote rows
    last_run_at: datetime
    rows: int                     # rows the last run read
    keys_at_mark: str | None = None  # JSON list of the keys read at the mark; None: unknown

    def seen_at_mark(self) -> set[str] | None:
        return None if self.keys_at_mark is None else set(json.loads(self.keys_at_mark))

    @staticmethod
    def keys_text(keys: set[str] | None) -> str | None:
        return None if keys is None else json.dumps(sorted(keys), ensure_ascii=False)


def require_table(wh: Warehouse) -> None:
    if SYNC_STATE_TABLE not in wh.tables():
        raise SyncStateMissing(wh.settings.workspace)


def states(wh: Warehouse) -> dict[tuple[str, str], SyncState]:
    """Every stored state, by (source, entity)."""
    if SYNC_STATE_TABLE not in wh.tables():
        return {}
    rows = wh.to_arrow(wh.table(SYNC_STATE_TABLE)).to_pylist()
    return {(r["source"], r["entity"]): SyncState(**r) for r in rows}


def state(wh: Warehouse, source: str, entity: str) -> SyncState | None:
    table = wh.table(SYNC_STATE_TABLE)
    rows = wh.to_arrow(table.filter((table.source == source) & (table.entity == entity))
                       ).to_pylist()
    return SyncState(**rows[0]) if rows else None


def save(wh: Warehouse, new: SyncState) -> None:
    """Replace the state of (source, entity). Call it inside `wh.transaction()`."""
    table = sge.to_table(SYNC_STATE_TABLE, quoted=True)
    where = sge.and_(
        sge.EQ(this=sge.column("source", quoted=True), expression=sge.Literal.string(new.source)),
        sge.EQ(this=sge.column("entity", quoted=True), expression=sge.Literal.string(new.entity)),
    )
    wh.run_statement(sge.Delete(this=table, where=sge.Where(this=where)))
    wh.append(SYNC_STATE_TABLE, pa.Table.from_pylist([{
        "source": new.source, "entity": new.entity, "high_water_mark": new.high_water_mark,
        "last_batch_id": new.last_batch_id, "last_run_at": new.last_run_at.astimezone(UTC),
        "rows": new.rows, "keys_at_mark": new.keys_at_mark,
    }], schema=SYNC_STATE_SCHEMA.to_pyarrow()))


def now() -> datetime:
    return datetime.now(UTC)
