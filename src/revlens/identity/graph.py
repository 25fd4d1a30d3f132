"""The person identity graph (OneID): identifiers seen together become one person.

1. **Observations**: every identifier on a touchpoint, lead or contact, and both ends of every
   tracking identity link, with the record it came from and when (`observations`).
2. **Guards** (`guards`): values are normalised; blocked values are set aside with a reason
   (naming the value's earliest observation).
3. **Edges**: the identifiers of one record are joined to the record's first identifier (in
   `IDENTIFIER_TYPES` order, then by value), so a record with k identifiers gives k - 1 edges.
4. **Persons** are the connected components (scipy.sparse.csgraph). A component that would
   hold more values of a type than its limit is rebuilt edge by edge in time order, dropping
   (and recording) each edge that would break the limit.
5. **Stable ids** (`assign_ids`): an identifier keeps the person_id it had in the previous run.
   When components merge, the oldest id (lowest number) survives and the merge is logged; when
   a person splits, the part holding most of its identifiers keeps the id (ties: the part with
   the smallest identifier), the others get new ids, and the split is logged.

That is the `memory` engine. The `warehouse` engine (`revlens.identity.warehouse_graph`, the
workspace setting `identity_engine`) runs the same steps as queries in the warehouse, with
connected components by label propagation (`revlens.identity.components`), and writes the
same rows.

Tables written (in one transaction): `identity_map` (identifier_type, identifier_value,
person_id, first_seen), `identity_edges` (the edges kept, with their record), and appended
`identity_rejections` and `identity_log` rows of this run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from revlens.identity.guards import IDENTIFIER_TYPES, IdentityConfig, blocked_reasons
from revlens.warehouse import Warehouse, refresh_step
from revlens.warehouse.schema import (
    IDENTITY_EDGES_SCHEMA,
    IDENTITY_EDGES_TABLE,
    IDENTITY_LINKS_TABLE,
    IDENTITY_LOG_SCHEMA,
    IDENTITY_LOG_TABLE,
    IDENTITY_MAP_SCHEMA,
    IDENTITY_MAP_TABLE,
    IDENTITY_REJECTIONS_SCHEMA,
    IDENTITY_REJECTIONS_TABLE,
)
from revlens.warehouse.spark import is_spark

SOURCES = {  # entity -> (record id column, time column, identifier columns)
    "touchpoints": ("touchpoint_id", "occurred_at",
                    ("anonymous_id", "email", "phone", "wechat_openid", "wechat_unionid",
                     "contact_id", "lead_id")),
    "leads": ("lead_id", "created_at", ("lead_id", "email", "phone", "wechat_unionid",
                                        "contact_id")),
    "contacts": ("contact_id", "created_at", ("contact_id", "email", "phone", "wechat_unionid")),
}
LINK_KINDS = {"anonymous_id": "anonymous_id", "previous_id": "anonymous_id",
              "email": "email", "phone": "phone", "wechat_openid": "wechat_openid",
              "wechat_unionid": "wechat_unionid", "user_id": "contact_id"}
"""identity_links kinds -> identifier types (group_id names an account, not a person)."""
PRIORITY = {kind: i for i, kind in enumerate(IDENTIFIER_TYPES)}
TS = "timestamp('UTC', 6)"


@dataclass
class IdentityRun:
    persons: int
    identifiers: int
    edges: int
    dropped_edges: int
    blocked: int
    new: int
    merges: int
    splits: int
    rounds: int | None = field(default=None, compare=False)
    """Rounds of connected components in the warehouse (None: solved in memory)."""

    def summary(self) -> str:
        return (f"{self.persons:,} persons from {self.identifiers:,} identifiers and "
                f"{self.edges:,} edges; {self.blocked:,} blocked values, "
                f"{self.dropped_edges:,} edges dropped by limits; {self.new:,} new, "
                f"{self.merges:,} merges, {self.splits:,} splits")


def observations(wh: Warehouse) -> pd.DataFrame:
    """(source, record_id, observed_at, kind, value) for every identifier on every record."""
    table = observation_table(wh)
    if table is None:
        return pd.DataFrame(columns=["source", "record_id", "observed_at", "kind", "value"])
    return wh.to_arrow(table).to_pandas()


def observation_table(wh: Warehouse) -> ibis.Table | None:
    """`observations` as an expression over the warehouse's tables (None: no source table)."""
    present = set(wh.tables())
    parts = []
    for entity, (key, when, columns) in SOURCES.items():
        if entity not in present:
            continue
        t = wh.table(entity)
        for column in columns:
            rows = t.filter(t[column].notnull())
            parts.append(rows.select(
                source=ibis.literal(entity), record_id=rows[key].cast("string"),
                observed_at=rows[when].cast(TS), kind=ibis.literal(column),
                value=_normalised(rows[column].cast("string"), column)))
    if IDENTITY_LINKS_TABLE in present:
        links = wh.table(IDENTITY_LINKS_TABLE)
        for side in ("from", "to"):
            kind = links[f"{side}_kind"]
            rows = links.filter(kind.isin(list(LINK_KINDS)))
            rows = rows.select(
                source=ibis.literal("identity_links"),
                record_id=rows.from_kind + ":" + rows.from_value + ">" + rows.to_kind + ":"
                + rows.to_value,
                observed_at=rows.observed_at.cast(TS),
                kind=rows[f"{side}_kind"].substitute(LINK_KINDS),
                value=ibis.ifelse(rows[f"{side}_kind"] == "email",
                                  rows[f"{side}_value"].strip().lower(),
                                  rows[f"{side}_value"].strip()))
            parts.append(rows)
    return ibis.union(*parts, distinct=False) if parts else None


def _normalised(value: ibis.StringValue, kind: str) -> ibis.StringValue:
    """`guards.normalise` as an expression (phones are E.164 already in the warehouse)."""
    return value.strip().lower() if kind == "email" else value.strip()


def _edges(obs: pd.DataFrame) -> pd.DataFrame:
    """Star edges per record: from its first identifier (by `IDENTIFIER_TYPES` priority, then
    node order) to each other one. Sorted on integer codes, not strings."""
    record, _ = pd.factorize(obs["source"] + "\x1f" + obs["record_id"])
    priority = obs["kind"].map(PRIORITY).to_numpy()
    node = obs["node"].to_numpy()
    order = np.lexsort((node, priority, record))
    record_sorted = record[order]
    first = np.r_[True, record_sorted[1:] != record_sorted[:-1]]
    anchor = node[order][np.flatnonzero(first)][np.cumsum(first) - 1]
    keep = node[order] != anchor
    rows = order[keep]
    return pd.DataFrame({
        "a": anchor[keep], "b": node[rows],
        "source": obs["source"].to_numpy()[rows], "record_id": obs["record_id"].to_numpy()[rows],
        "observed_at": _instants(obs["observed_at"])[rows]})


def _instants(column: pd.Series) -> np.ndarray:
    """UTC instants as datetime64 (a tz-aware column would become an array of objects)."""
    return pd.to_datetime(column, utc=True).dt.tz_localize(None).to_numpy("datetime64[us]")


def _limited_components(labels: np.ndarray, kinds: np.ndarray, limits: dict[str, int]
                        ) -> set[int]:
    over: set[int] = set()
    for kind, limit in limits.items():
        mask = kinds == kind
        counts = np.bincount(labels[mask], minlength=labels.max() + 1 if len(labels) else 0)
        over |= set(np.flatnonzero(counts > limit).tolist())
    return over


def _rebuild_with_limits(edges: pd.DataFrame, kinds: Mapping[int, str],
                         limits: dict[str, int]) -> tuple[dict[int, int], list[dict]]:
    """Union-find over the edges of over-limit components (`kinds`: node -> identifier type,
    for every node of them) in time order — then by record, and within a record in the order
    its edges were made (the other end's type priority, then node); an edge that would give a
    person more than its limit of a type is dropped. Returns node -> root (the least node of
    its part) for the nodes touched, and the dropped edges with their reasons."""
    parent = {int(n): int(n) for n in kinds}
    counts = {int(n): defaultdict(int, {k: 1}) for n, k in kinds.items()}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ordered = edges.assign(priority=edges["b"].map(kinds).map(PRIORITY)).sort_values(
        ["observed_at", "source", "record_id", "priority", "b"], kind="stable")
    dropped = []
    for e in ordered.itertuples(index=False):
        ra, rb = root(int(e.a)), root(int(e.b))
        if ra == rb:
            continue
        merged = {k: counts[ra].get(k, 0) + counts[rb].get(k, 0)
                  for k in set(counts[ra]) | set(counts[rb])}
        broken = [k for k, limit in limits.items() if merged.get(k, 0) > limit]
        if broken:
            k = broken[0]
            dropped.append({"edge": e, "reason": f"would give one person {merged[k]} "
                                                 f"{k} values (limit {limits[k]})"})
            continue
        low, high = sorted((ra, rb))
        parent[high] = low
        counts[low] = defaultdict(int, merged)
    return {n: root(n) for n in parent}, dropped


def dropped_rejections(dropped: list[dict], kind_of, value_of) -> list[dict]:
    """`identity_rejections` rows (without `run_at`) of edges dropped by a limit; `kind_of`
    and `value_of` give a node's identifier type and value."""
    return [{"identifier_type": kind_of[d["edge"].a], "identifier_value": value_of[d["edge"].a],
             "other_type": kind_of[d["edge"].b], "other_value": value_of[d["edge"].b],
             "source": d["edge"].source, "record_id": d["edge"].record_id,
             "reason": d["reason"]} for d in dropped]


def components(node_count: int, edges: pd.DataFrame) -> np.ndarray:
    graph = coo_matrix((np.ones(len(edges), dtype=np.int8),
                        (edges["a"].to_numpy(np.int64), edges["b"].to_numpy(np.int64))),
                       shape=(node_count, node_count))
    return connected_components(graph, directed=False)[1]


def _previous_map(wh: Warehouse) -> pd.DataFrame:
    if IDENTITY_MAP_TABLE not in wh.tables():
        return pd.DataFrame(columns=["kind", "value", "person_id"])
    t = wh.table(IDENTITY_MAP_TABLE)
    return wh.to_arrow(t.select(kind=t.identifier_type, value=t.identifier_value,
                                person_id=t.person_id)).to_pandas()


def _number(person_id: str) -> int:
    return int(person_id[1:])


def assign_ids(labels: np.ndarray, keys: np.ndarray, previous: dict[str, str]
               ) -> tuple[np.ndarray, list[dict]]:
    """person_id per node from component labels, stable against `previous` (key -> id);
    and the events: new, merge (the oldest id survives), split (a part that lost its id)."""
    frame = pd.DataFrame({"label": labels, "key": keys})
    frame["old"] = frame["key"].map(previous)
    # keys come sorted (pd.factorize(sort=True)): a key's rank orders keys as strings do
    frame["rank"] = np.arange(len(keys))
    smallest = frame.groupby("label")["rank"].min()
    claims = frame.dropna(subset=["old"]).groupby(["old", "label"]).size().rename("n")
    claims = claims.reset_index()
    claims["smallest"] = claims["label"].map(smallest)
    # each previous id stays with the part holding most of its identifiers (ties: smallest)
    keeper = (claims.sort_values(["old", "n", "smallest"], ascending=[True, False, True])
              .groupby("old").head(1))
    events: list[dict] = []
    # a part keeping several previous ids is a merge: the oldest (lowest number) survives
    keeper = keeper.assign(number=keeper["old"].map(_number))
    survivor = keeper.loc[keeper.groupby("label")["number"].idxmin(), ["label", "old"]]
    chosen: dict[int, str] = dict(zip(survivor["label"].astype(int), survivor["old"],
                                      strict=True))
    absorbed = keeper[keeper["old"].to_numpy() != keeper["label"].map(chosen).to_numpy()]
    events += [{"event": "merge", "person_id": chosen[int(label)], "other_person_id": old}
               for label, old in sorted(zip(absorbed["label"], absorbed["old"], strict=True),
                                        key=lambda lo: _number(lo[1]))]
    next_number = max((_number(p) for p in previous.values()), default=0) + 1
    for label in smallest.sort_values().index:
        if int(label) not in chosen:
            chosen[int(label)] = f"P{next_number:08d}"
            next_number += 1
            events.append({"event": "new", "person_id": chosen[int(label)],
                           "other_person_id": None})
    kept = set(zip(keeper["old"], keeper["label"], strict=True))
    for old, label in zip(claims["old"], claims["label"], strict=True):
        if (old, label) not in kept:
            events.append({"event": "split", "person_id": chosen[int(label)],
                           "other_person_id": old})
    return frame["label"].map(chosen).to_numpy(), events


@dataclass
class Graph:
    """The persons of a set of observations (see `build_graph`)."""

    keys: np.ndarray          # "kind\x1fvalue" per node, sorted
    kinds: np.ndarray         # identifier type per node
    values: np.ndarray        # identifier value per node
    person_ids: np.ndarray    # per node
    first_seen: pd.Series     # node -> earliest observation
    edges: pd.DataFrame       # a, b (nodes), source, record_id, observed_at: the edges kept
    blocked: pd.DataFrame     # observations of blocked values, one per value, with `reason`
    dropped: list[dict]       # edges over a limit: {"edge": row, "reason": text}
    events: list[dict]        # new / merge / split


def build_graph(obs: pd.DataFrame, config: IdentityConfig, previous: dict[str, str]) -> Graph:
    """Persons of `observations` rows, with ids stable against `previous` (key -> id)."""
    obs = obs.assign(key=obs["kind"] + "\x1f" + obs["value"])
    codes, uniques = pd.factorize(obs["key"], sort=True)
    kinds, values = _kinds_values(obs, codes)
    reasons = blocked_reasons(kinds, values, config)
    is_blocked = pd.notna(reasons)
    hit = is_blocked[codes]
    blocked = first_observations(obs[hit].assign(reason=reasons[codes[hit]]))
    if hit.any():
        obs = obs[~hit]
        codes, uniques = pd.factorize(obs["key"], sort=True)
        kinds, values = _kinds_values(obs, codes)
    obs = obs.assign(node=codes)
    keys = np.asarray(uniques, dtype=object)
    edges = _edges(obs)
    labels = components(len(keys), edges)
    dropped: list[dict] = []
    over = _limited_components(labels, kinds, config.limits) if len(keys) else set()
    if over:
        in_over = np.isin(labels, list(over))
        nodes = np.flatnonzero(in_over)
        inside = in_over[edges["a"].to_numpy()]
        sub = edges[inside]
        roots, dropped = _rebuild_with_limits(sub, dict(zip(nodes.tolist(), kinds[nodes],
                                                            strict=True)), config.limits)
        offset = labels.max() + 1
        for node, r in roots.items():
            labels[node] = offset + r
        drop_index = {(int(d["edge"].a), int(d["edge"].b), d["edge"].record_id) for d in dropped}
        keep = np.ones(len(edges), dtype=bool)
        keep[np.flatnonzero(inside)] = [
            (int(a), int(b), r) not in drop_index
            for a, b, r in zip(sub["a"], sub["b"], sub["record_id"], strict=True)]
        edges = edges[keep]
    person_ids, events = assign_ids(labels, keys, previous)
    first_seen = obs.groupby("node")["observed_at"].min()
    return Graph(keys, kinds, values, person_ids, first_seen, edges, blocked, dropped, events)


def first_observations(obs: pd.DataFrame) -> pd.DataFrame:
    """One observation per identifier: its earliest (then by source and record id), the one
    `identity_rejections` names for a blocked value."""
    return obs.sort_values(["observed_at", "source", "record_id"], kind="stable"
                           ).drop_duplicates(["kind", "value"])


def _kinds_values(obs: pd.DataFrame, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kind and value of each factorised identifier, taken from its first row (no string
    splitting of the keys)."""
    _, first = np.unique(codes, return_index=True)
    return obs["kind"].to_numpy(object)[first], obs["value"].to_numpy(object)[first]


ENGINES = ("auto", "memory", "warehouse")
"""Where persons are found (the workspace setting `identity_engine`): `memory` reads the
observations into this process and solves the graph with scipy; `warehouse` computes every step
as queries in the warehouse (`revlens.identity.warehouse_graph`); `auto` is `warehouse` on a
Spark warehouse, `memory` otherwise. Both write the same tables."""


def engine_for(wh: Warehouse, engine: str | None = None) -> str:
    """`memory` or `warehouse`: `engine`, else the workspace's `identity_engine`, with `auto`
    decided by the warehouse."""
    chosen = engine or wh.settings.identity_engine
    if chosen not in ENGINES:
        raise ValueError(f"unknown identity engine {chosen!r}; use one of {', '.join(ENGINES)}")
    if chosen == "auto":
        return "warehouse" if is_spark(wh.url) else "memory"
    return chosen


def resolve(wh: Warehouse, config: IdentityConfig | None = None,
            engine: str | None = None) -> IdentityRun:
    """Rebuild the identity graph and write its tables (module docstring), in memory or in the
    warehouse (`engine_for`)."""
    config = config or IdentityConfig()
    run_at = datetime.now(UTC)
    if engine_for(wh, engine) == "warehouse":
        from revlens.identity.warehouse_graph import resolve_in_warehouse

        return resolve_in_warehouse(wh, config, run_at)
    previous = _previous_map(wh)
    prev = dict(zip(previous["kind"] + "\x1f" + previous["value"], previous["person_id"],
                    strict=True))
    g = build_graph(observations(wh), config, prev)
    write_tables(wh, *_arrow_tables(g, run_at))
    return IdentityRun(
        persons=len(set(g.person_ids)), identifiers=len(g.keys), edges=len(g.edges),
        dropped_edges=len(g.dropped), blocked=len(g.blocked),
        new=sum(e["event"] == "new" for e in g.events),
        merges=sum(e["event"] == "merge" for e in g.events),
        splits=sum(e["event"] == "split" for e in g.events))


def _arrow_tables(g: Graph, run_at: datetime) -> tuple[pa.Table, pa.Table, list, list]:
    """The rows `write_tables` writes, from a graph built in memory."""
    types, values, person_ids = g.kinds, g.values, g.person_ids

    def ts(column) -> pa.Array:
        return pa.array(pd.to_datetime(pd.Series(column), utc=True), pa.timestamp("us", "UTC"))

    identity_map = pa.table({
        "identifier_type": types, "identifier_value": values, "person_id": person_ids,
        "first_seen": ts(g.first_seen.reindex(range(len(types))).to_numpy()),
    }, schema=IDENTITY_MAP_SCHEMA.to_pyarrow())
    a, b = g.edges["a"].to_numpy(np.int64), g.edges["b"].to_numpy(np.int64)
    edge_rows = pa.table({
        "a_type": types[a], "a_value": values[a], "b_type": types[b], "b_value": values[b],
        "source": g.edges["source"].to_numpy(object),
        "record_id": g.edges["record_id"].to_numpy(object),
        "observed_at": ts(g.edges["observed_at"].to_numpy()),
    }, schema=IDENTITY_EDGES_SCHEMA.to_pyarrow())
    rejections = [{"identifier_type": r.kind, "identifier_value": r.value,
                   "other_type": None, "other_value": None, "source": r.source,
                   "record_id": r.record_id, "reason": r.reason}
                  for r in g.blocked.itertuples(index=False)]
    rejections += dropped_rejections(g.dropped, types, values)
    return (identity_map, edge_rows, [rejection_table(rejections, run_at)],
            [pa.Table.from_pylist([{"run_at": run_at, **e} for e in g.events],
                                  schema=IDENTITY_LOG_SCHEMA.to_pyarrow())])


def rejection_table(rows: list[dict], run_at: datetime) -> pa.Table:
    """`identity_rejections` rows of this run (`rows` without their `run_at`)."""
    return pa.Table.from_pylist([{**r, "run_at": run_at} for r in rows],
                                schema=IDENTITY_REJECTIONS_SCHEMA.to_pyarrow())


def write_tables(wh: Warehouse, identity_map: pa.Table | ibis.Table,
                 edges: pa.Table | ibis.Table, rejections: list[pa.Table | ibis.Table],
                 log: list[pa.Table | ibis.Table]) -> None:
    """Replace `identity_map` and `identity_edges`, append this run's rejections and log, in
    one transaction. Each part is an Arrow table or an Ibis table with the columns of its
    table's schema (in that order); empty Arrow parts are skipped."""
    with wh.transaction():
        for name, schema in ((IDENTITY_MAP_TABLE, IDENTITY_MAP_SCHEMA),
                             (IDENTITY_EDGES_TABLE, IDENTITY_EDGES_SCHEMA),
                             (IDENTITY_REJECTIONS_TABLE, IDENTITY_REJECTIONS_SCHEMA),
                             (IDENTITY_LOG_TABLE, IDENTITY_LOG_SCHEMA)):
            if name not in wh.tables():
                wh.con.create_table(name, schema=schema)
        wh.con.truncate_table(IDENTITY_MAP_TABLE)
        wh.con.truncate_table(IDENTITY_EDGES_TABLE)
        wh.append(IDENTITY_MAP_TABLE, identity_map)
        wh.append(IDENTITY_EDGES_TABLE, edges)
        for name, parts in ((IDENTITY_REJECTIONS_TABLE, rejections), (IDENTITY_LOG_TABLE, log)):
            for part in parts:
                if not isinstance(part, pa.Table) or part.num_rows:
                    wh.append(name, part)


@refresh_step(IDENTITY_MAP_TABLE)
def build_identity_map(wh: Warehouse) -> None:
    resolve(wh)
