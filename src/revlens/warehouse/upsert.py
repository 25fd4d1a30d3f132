"""Natural-key upsert of a validated batch into an entity table.

Invariants (tested in tests/ingest/test_upsert.py):
- every staged row is counted exactly once: inserted + updated + unchanged == rows staged;
- within a batch, the last row of a key wins (by `updated_at` when given, then by file order);
  earlier rows of the key are counted unchanged and reported as superseded;
- a row equal to the stored one (null-safe, over the columns the file has) is unchanged, so
  importing the same file twice changes nothing;
- a row whose `updated_at` is older than the stored row's is not applied (stale);
- columns the file does not have keep their stored values (a partial file never blanks data).
Run it inside `Warehouse.transaction()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import pyarrow as pa
import sqlglot.expressions as sge

from revlens.contract.entities import Entity
from revlens.warehouse.connection import Warehouse

NEW, CHANGED, SAME, STALE = "new", "changed", "unchanged", "stale"


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded_rows: list[int] = field(default_factory=list)
    stale_rows: list[int] = field(default_factory=list)


def _latest_per_key(staged: ibis.Table, key: tuple[str, ...]) -> ibis.Table:
    order = [ibis.desc("_row")]
    if "updated_at" in staged.columns:
        order.insert(0, staged.updated_at.desc(nulls_first=False))
    rank = ibis.row_number().over(  # 0 = the winner
        group_by=[staged[k] for k in key], order_by=order)
    return staged.mutate(_rank=rank)


def _classify(staged: ibis.Table, target: ibis.Table, ent: Entity,
              compared: list[str]) -> ibis.Table:
    """Staged winners joined to the stored rows, with `_status` new/changed/unchanged/stale.

    Of the stored columns (`_old_<c>`) only those outside `compared` are kept: the rest only
    decide `_status`, and dropping them keeps the materialised table narrow.
    """
    stored = target.select(
        _present=ibis.literal(True),
        **{f"_old_{c}": target[c] for c in target.columns if not c.startswith("_")},
    )
    joined = staged.left_join(
        stored, [staged[k].identical_to(stored[f"_old_{k}"]) for k in ent.key]
    )
    same = ibis.and_(*[joined[c].identical_to(joined[f"_old_{c}"]) for c in compared])
    status = ibis.cases((joined._present.isnull(), NEW), (same, SAME), else_=CHANGED)
    if "updated_at" in staged.columns:
        stale = joined.updated_at < joined._old_updated_at
        status = ibis.cases((joined._present.notnull() & stale, STALE), else_=status)
    return joined.mutate(_status=status).drop(*[f"_old_{c}" for c in compared])


def _delete_changed(wh: Warehouse, table: str, changed: str, key: tuple[str, ...]) -> None:
    """DELETE FROM table USING changed WHERE the keys match (null-safe) and the row changed."""
    target, source = sge.to_table(table, quoted=True), sge.to_table(changed, quoted=True)
    conditions = [
        sge.NullSafeEQ(this=sge.column(k, table=table, quoted=True),
                       expression=sge.column(k, table=changed, quoted=True))
        for k in key
    ]
    conditions.append(sge.EQ(this=sge.column("_status", table=changed, quoted=True),
                             expression=sge.Literal.string(CHANGED)))
    wh.run_statement(sge.Delete(this=target, using=[source],
                                where=sge.Where(this=sge.and_(*conditions))))


def _default(ent: Entity, name: str) -> object:
    return next((c.default for c in ent.columns if c.name == name), None)


def upsert(wh: Warehouse, ent: Entity, rows: pa.Table, batch_id: str) -> UpsertCounts:
    """Write `rows` (contract columns present in the file, `extra`, `_row`) into `ent`'s table."""
    changed_name = f"_changed_{batch_id}".replace("-", "_")  # a plain identifier everywhere
    target = wh.table(ent.name)
    types = target.schema().to_pyarrow()
    for k in ent.key:  # an optional key column the file does not have is null in every row
        if k not in rows.column_names:
            rows = rows.append_column(types.field(k), pa.nulls(rows.num_rows, types.field(k).type))
    rows = rows.cast(pa.schema([types.field(c) for c in rows.column_names]))
    # Read in place (not copied into a temp table): only the winners are materialised, below.
    staged = ibis.memtable(rows)
    ranked = _latest_per_key(staged, ent.key)
    counts = UpsertCounts()
    losers = ranked.filter(ranked._rank > 0)._row
    counts.superseded_rows = sorted(wh.to_arrow(losers).to_pylist())
    # No row superseded: every row wins, and the window (which moves whole rows) is skipped.
    winners = ranked.filter(ranked._rank == 0).drop("_rank") if counts.superseded_rows else staged
    compared = [c for c in rows.column_names if not c.startswith("_")]
    classified = wh.create_temp(changed_name, _classify(winners, target, ent, compared))
    status_counts = classified.group_by("_status").agg(n=classified.count())
    by_status = {r["_status"]: r["n"] for r in wh.to_arrow(status_counts).to_pylist()}
    counts.inserted = by_status.get(NEW, 0)
    counts.updated = by_status.get(CHANGED, 0)
    stale = classified.filter(classified._status == STALE)._row
    counts.stale_rows = sorted(wh.to_arrow(stale).to_pylist())
    counts.unchanged = by_status.get(SAME, 0) + len(counts.stale_rows) + len(
        counts.superseded_rows)

    to_write = classified.filter(classified._status.isin([NEW, CHANGED]))
    if counts.updated:
        _delete_changed(wh, ent.name, changed_name, ent.key)
    now = ibis.now().cast(target.schema()["_loaded_at"])
    values = {}
    for name, dtype in target.schema().items():
        if name in rows.column_names:
            values[name] = to_write[name].cast(dtype)
        elif name == "_batch_id":
            values[name] = ibis.literal(batch_id)
        elif name == "_loaded_at":
            values[name] = now
        else:  # a column the file does not have: keep what is stored (default for new rows)
            kept = to_write[f"_old_{name}"].cast(dtype)
            default = _default(ent, name)
            values[name] = kept if default is None else kept.fill_null(default)
    if counts.inserted or counts.updated:
        wh.append(ent.name, to_write.select(**values))
    wh.drop_temp(changed_name)
    return counts
