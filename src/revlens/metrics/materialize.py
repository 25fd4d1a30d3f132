"""Base models stored as tables by `revlens refresh`, so dashboards aggregate one table instead
of joining the entity tables on every query.

Each materialised model is written to `metric_model_<name>`; `_metric_models` records, per
model, the state of the import log (`_batches`: how many imports, the last commit) it was built
from and the model's version. A query reads the stored table only while that state is unchanged
and the model's version is the one stored — after any import, or once an upgrade changed the
model's columns, it builds the model from the entity tables again (same rows, slower) until the
next refresh. The
columns that depend on the query's moment or parameters are added at query time either way.

A stored model is written in the order of its time column: the rows of a period then sit in a
few of the table's row groups, and the warehouse skips the others by their minimum and maximum
(a dashboard's queries mostly ask for one period); a model whose queries nearly all filter on
another column too (the conversion type of touched conversions) is ordered by it first.
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from revlens.metrics.models import ModelContext, all_models
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import BATCHES_TABLE

STATE_TABLE = "_metric_models"


def _import_state(wh: Warehouse) -> tuple[int, str]:
    batches = wh.table(BATCHES_TABLE)
    row = wh.to_arrow(batches.aggregate(n=batches.count(),
                                        last=batches.committed_at.max())).to_pylist()[0]
    return int(row["n"]), str(row["last"])


def fresh_models(wh: Warehouse) -> set[str]:
    """The models whose stored table was built from the imports there are now. A read-only
    connection sees no writes while it is open, so it checks once."""
    if wh.read_only:
        return wh.memo("fresh_metric_models", lambda: _fresh(wh))
    return _fresh(wh)


def _fresh(wh: Warehouse) -> set[str]:
    if STATE_TABLE not in wh.tables():
        return set()
    count, last = _import_state(wh)
    state = wh.table(STATE_TABLE)
    if "version" not in state.columns:      # written before models had versions
        return set()
    rows = wh.to_arrow(state.filter((state.batches == count) & (state.last_commit == last))
                       .select("model", "version")).to_pylist()
    models = all_models()
    return {r["model"] for r in rows
            if r["model"] in models and models[r["model"]].version == r["version"]}


@refresh_step("metric_models")
def materialise_models(wh: Warehouse) -> None:
    ctx = ModelContext(wh, live=True)
    built = []
    for model in all_models().values():
        if model.materialise:
            # built, then sorted: two plans, each small enough to spill under a low limit
            wh.con.create_table(model.table_name, model.build(ctx), overwrite=True)
            rows = wh.table(model.table_name)
            order = [rows[c] for c in (*model.clustered, model.time)]
            wh.con.create_table(model.table_name, rows.order_by(order), overwrite=True)
            built.append(model)
    count, last = _import_state(wh)
    state = pa.table({"model": [m.name for m in built], "batches": [count] * len(built),
                      "last_commit": [last] * len(built),
                      "version": pa.array([m.version for m in built], pa.int64())})
    wh.con.create_table(STATE_TABLE, ibis.memtable(state), overwrite=True)
