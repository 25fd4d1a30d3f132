"""The person identity graph built inside the warehouse: the steps of `revlens.identity.graph`
as Ibis queries, each computed into a scratch table, so that no observation, identifier or edge
comes to this process — what a Spark warehouse needs (the workspace setting `identity_engine`).
The tables written are the in-memory path's, row for row: tests/identity runs each story
through both.

1. **Identifiers**: the distinct (type, value) pairs of the observations, each with
   `guards.blocked_reason_expr`; the others numbered in (type, value) order — the in-memory
   path's node numbers, so the least node of a person is its smallest identifier.
2. **Edges**: per record, from its anchor — the least (type priority, node), one minimum of the
   two packed in an int64 — to each of its other observations.
3. **Persons**: `components.connected_components`; a component's label is its least node.
4. **Limits**: the few components holding more values of a type than its limit are rebuilt
   edge by edge in time order by the in-memory path's own `_rebuild_with_limits`: only their
   nodes and edges come to this process, and their new labels and dropped edges go back.
5. **Stable ids**: `graph.assign_ids` as queries — each previous id stays with the part
   holding most of its identifiers (ties: the part with the smallest identifier); a part
   keeping several is a merge, the oldest surviving; the others are splits; parts with no id
   get new ones, numbered on from the largest id ever given, in the order of their smallest
   identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from revlens.identity.components import MAX_ROUNDS, connected_components
from revlens.identity.graph import (
    PRIORITY,
    IdentityRun,
    _rebuild_with_limits,
    dropped_rejections,
    observation_table,
    rejection_table,
    write_tables,
)
from revlens.identity.guards import IdentityConfig, blocked_reason_expr
from revlens.warehouse import Warehouse
from revlens.warehouse.schema import IDENTITY_MAP_TABLE

TS = dt.Timestamp(timezone="UTC", scale=6)
NODE_SPAN = 2**56
"""More than any count of identifiers: `priority * NODE_SPAN + node` orders a record's
identifiers by type priority, then node, as one int64."""
OBSERVATION_SCHEMA = ibis.schema({"source": "string", "record_id": "string", "observed_at": TS,
                                  "kind": "string", "value": "string"})


@dataclass
class _Graph:
    """The scratch tables of one run."""

    seen: ibis.Table      # source, record_id, observed_at, node: non-blocked observations
    nodes: ibis.Table     # kind, value, node
    labelled: ibis.Table  # node, kind, value, label (the least node of its person)
    edges: ibis.Table     # a, b, source, record_id, observed_at: the edges kept
    rounds: int


def resolve_in_warehouse(wh: Warehouse, config: IdentityConfig, run_at: datetime,
                         max_rounds: int = MAX_ROUNDS) -> IdentityRun:
    """`graph.resolve` with every step in the warehouse (module docstring)."""
    observed = observation_table(wh)
    if observed is None:
        observed = ibis.memtable(pa.table({n: pa.array([], t.to_pyarrow())
                                           for n, t in OBSERVATION_SCHEMA.items()}))
    when = ibis.literal(run_at, type=TS)
    with wh.scratch_scope():
        obs = wh.scratch(observed)
        keys = obs.select("kind", "value").distinct()
        keys = wh.scratch(keys.mutate(reason=blocked_reason_expr(keys.kind, keys.value, config)))
        blocked = _blocked_rejections(obs, keys.filter(keys.reason.notnull()), when)
        g = _persons(wh, obs, keys.filter(keys.reason.isnull()), max_rounds)
        g, dropped = _apply_limits(wh, g, config.limits)
        ids, events = _stable_ids(wh, g.labelled, when)
        first_seen = g.seen.group_by("node").agg(first_seen=g.seen.observed_at.min())
        identity_map = wh.scratch(
            g.labelled.join(ids, "label").join(first_seen, "node").select(
                identifier_type="kind", identifier_value="value", person_id="person_id",
                first_seen="first_seen"))
        counts = _counts(wh, {"persons": ids, "identifiers": g.nodes, "edges": g.edges,
                              "blocked": keys.filter(keys.reason.notnull())}, events)
        run = IdentityRun(
            persons=counts["persons"], identifiers=counts["identifiers"],
            edges=counts["edges"], dropped_edges=len(dropped), blocked=counts["blocked"],
            new=counts.get("new", 0), merges=counts.get("merge", 0),
            splits=counts.get("split", 0), rounds=g.rounds)
        write_tables(wh, identity_map, _edge_rows(g),
                     [blocked] * bool(run.blocked) + [rejection_table(dropped, run_at)],
                     [events] * bool(run.new + run.merges + run.splits))
    return run


def _counts(wh: Warehouse, tables: dict[str, ibis.Table], events: ibis.Table) -> dict[str, int]:
    """The rows of each table, and the events of each kind, in one query (on Spark each
    query has a fixed cost)."""
    parts = [t.agg(what=ibis.literal(name), n=t.count()) for name, t in tables.items()]
    parts.append(events.group_by(what=events.event).agg(n=events.count()))
    rows = wh.to_arrow(ibis.union(*parts, distinct=False)).to_pydict()
    return dict(zip(rows["what"], rows["n"], strict=True))


def _blocked_rejections(obs: ibis.Table, blocked: ibis.Table, when: ibis.Scalar) -> ibis.Table:
    """One `identity_rejections` row per blocked identifier, naming its earliest observation
    (then by source and record id), as `graph.first_observations` does."""
    hit = obs.join(blocked, ["kind", "value"])
    first = ibis.row_number().over(
        group_by=[hit.kind, hit.value],
        order_by=[ibis.asc(hit.observed_at, nulls_first=False), hit.source, hit.record_id])
    hit = hit.mutate(first=first)
    hit = hit.filter(hit.first == 0)
    return hit.select(identifier_type=hit.kind, identifier_value=hit.value,
                      other_type=ibis.null("string"), other_value=ibis.null("string"),
                      source=hit.source, record_id=hit.record_id, reason=hit.reason,
                      run_at=when)


def _persons(wh: Warehouse, obs: ibis.Table, allowed: ibis.Table, max_rounds: int) -> _Graph:
    """Nodes, star edges per record and components of the identifiers in `allowed`."""
    nodes = wh.scratch(allowed.select(
        "kind", "value", node=ibis.row_number().over(order_by=[allowed.kind, allowed.value])))
    j = obs.join(nodes, ["kind", "value"])
    seen = wh.scratch(j.select(
        "source", "record_id", "observed_at", "node",
        priority=j.kind.cases(*PRIORITY.items()).cast("int64")))
    packed = seen.group_by(["source", "record_id"]).agg(
        packed=(seen.priority * NODE_SPAN + seen.node).min())
    anchors = packed.select("source", "record_id", anchor=packed.packed % NODE_SPAN)
    j = seen.join(anchors, ["source", "record_id"])
    edges = wh.scratch(j.filter(j.node != j.anchor).select(
        a=j.anchor, b=j.node, source=j.source, record_id=j.record_id,
        observed_at=j.observed_at))
    components = connected_components(wh, edges.select("a", "b"), max_rounds)
    labels = components.labels
    j = nodes.left_join(labels, nodes.node == labels.node)
    labelled = wh.scratch(j.select(nodes.node, nodes.kind, nodes.value,
                                   label=labels.label.coalesce(nodes.node)))
    return _Graph(seen, nodes, labelled, edges, components.rounds)


def _apply_limits(wh: Warehouse, g: _Graph, limits: dict[str, int]
                  ) -> tuple[_Graph, list[dict]]:
    """`g` with its over-limit components rebuilt in time order, and the rejection rows of
    the edges dropped."""
    if not limits:
        return g, []
    t = g.labelled.filter(g.labelled.kind.isin(list(limits)))
    per = t.group_by(["label", "kind"]).agg(n=t.count())
    over_limit = ibis.or_(*[(per.kind == kind) & (per.n > limit)
                            for kind, limit in limits.items()])
    over = wh.scratch(g.labelled.semi_join(per.filter(over_limit), "label")
                      .select("node", "kind", "value"))
    over_nodes = wh.to_arrow(over).to_pandas()
    if over_nodes.empty:
        return g, []
    kinds = dict(zip(over_nodes["node"].tolist(), over_nodes["kind"], strict=True))
    values = dict(zip(over_nodes["node"].tolist(), over_nodes["value"], strict=True))
    edges = wh.to_arrow(g.edges.semi_join(over, g.edges.a == over.node)).to_pandas()
    roots, dropped = _rebuild_with_limits(edges, kinds, limits)
    roots_table = wh.scratch(ibis.memtable(pa.table({
        "node": pa.array(list(roots), pa.int64()),
        "root": pa.array(list(roots.values()), pa.int64())})))
    j = g.labelled.left_join(roots_table, g.labelled.node == roots_table.node)
    labelled = wh.scratch(j.select(g.labelled.node, g.labelled.kind, g.labelled.value,
                                   label=roots_table.root.coalesce(g.labelled.label)))
    kept = g.edges
    if dropped:
        gone = ibis.memtable(pa.table({
            "a": pa.array([int(d["edge"].a) for d in dropped], pa.int64()),
            "b": pa.array([int(d["edge"].b) for d in dropped], pa.int64()),
            "record_id": pa.array([d["edge"].record_id for d in dropped], pa.string())}))
        kept = wh.scratch(g.edges.anti_join(wh.scratch(gone), ["a", "b", "record_id"]))
    rows = dropped_rejections(dropped, kinds, values)
    return _Graph(g.seen, g.nodes, labelled, kept, g.rounds), rows


def _stable_ids(wh: Warehouse, labelled: ibis.Table, when: ibis.Scalar
                ) -> tuple[ibis.Table, ibis.Table]:
    """(label, person_id) of every person, and this run's `identity_log` rows."""
    if IDENTITY_MAP_TABLE in wh.tables():
        m = wh.table(IDENTITY_MAP_TABLE)
        previous = m.select(kind=m.identifier_type, value=m.identifier_value, old=m.person_id)
        next_number = int(wh.execute(previous.old.substr(1).cast("int64").max()
                                     .coalesce(0))) + 1
    else:
        previous = ibis.memtable(pa.table({"kind": pa.array([], pa.string()),
                                           "value": pa.array([], pa.string()),
                                           "old": pa.array([], pa.string())}))
        next_number = 1
    j = labelled.join(previous, ["kind", "value"])
    claims = wh.scratch(j.group_by(["old", "label"]).agg(n=j.count()))
    # each previous id stays with the part holding most of its identifiers (ties: smallest)
    first = ibis.row_number().over(group_by=claims.old,
                                   order_by=[ibis.desc(claims.n), claims.label])
    keeper = claims.mutate(first=first)
    keeper = wh.scratch(keeper.filter(keeper.first == 0).select(
        "old", "label", number=keeper.old.substr(1).cast("int64")))
    # a part keeping several previous ids is a merge: the oldest (lowest number) survives
    oldest = ibis.row_number().over(group_by=keeper.label,
                                    order_by=[keeper.number, keeper.old])
    chosen = keeper.mutate(oldest=oldest)
    chosen = chosen.filter(chosen.oldest == 0).select("label", person_id=chosen.old)
    fresh = labelled.select("label").distinct().anti_join(chosen, "label")
    number = ibis.row_number().over(order_by=fresh.label) + next_number
    fresh = fresh.select("label", person_id="P" + number.cast("string").lpad(8, "0"))
    ids = wh.scratch(ibis.union(chosen.mutate(new=False), fresh.mutate(new=True)))
    merged = keeper.join(ids, "label")
    merged = merged.filter(merged.old != merged.person_id)
    split = claims.anti_join(keeper, ["old", "label"]).join(ids, "label")
    events = ibis.union(
        merged.select(run_at=when, event=ibis.literal("merge"), person_id=merged.person_id,
                      other_person_id=merged.old),
        ids.filter(ids.new).select(run_at=when, event=ibis.literal("new"),
                                   person_id=ids.person_id,
                                   other_person_id=ibis.null("string")),
        split.select(run_at=when, event=ibis.literal("split"), person_id=split.person_id,
                     other_person_id=split.old),
        distinct=False)
    return ids.select("label", "person_id"), wh.scratch(events)


def _edge_rows(g: _Graph) -> ibis.Table:
    """`identity_edges` rows: the kept edges with both ends' types and values."""
    a, b = g.nodes.view(), g.nodes.view()
    j = g.edges.join(a, g.edges.a == a.node).join(b, g.edges.b == b.node)
    return j.select(a_type=a.kind, a_value=a.value, b_type=b.kind, b_value=b.value,
                    source=g.edges.source, record_id=g.edges.record_id,
                    observed_at=g.edges.observed_at)
